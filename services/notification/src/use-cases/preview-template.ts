import { invalidField } from "@lienthong/errors";
import { callerIds } from "@lienthong/service-host";
import type { OperatorCaller } from "../auth/access";
import { smsMessage } from "../channels/sms-text";
import { render, type TemplateRef } from "../templates/catalog";
import {
  SAMPLE_APPLICANT_NAME,
  TEMPLATED_EVENT_NAMES,
  TEMPLATE_LANGUAGES,
  derivedValues,
  isTemplatedEvent,
  sampleEvent,
  valuesOf,
  variableOf,
  variablesOf,
  type TemplateLanguage,
  type TemplateValues,
} from "../templates/variables";
import type { NotificationPorts } from "./ports";

/** What an operator asks to see: an event type's template in a language, with the sample's values or their own. */
export interface PreviewRequest {
  eventType: string;
  language: string;
  /** Values replacing the sample's, by variable name: text as a string, a flag as a boolean, a list as strings. */
  variables: Record<string, string | boolean | string[]>;
}

export interface TemplatePreview {
  template: TemplateRef;
  email: { subject: string; text: string; html: string };
  /** As the gateway would get it: diacritics stripped unless SMS_DIACRITICS, with its segments. */
  sms: { text: string; segments: number; encoding: "GSM-7" | "UCS-2" };
  zns: Record<string, string>;
}

/**
 * Renders the template in force (the province's when it has one) for an
 * event type and language with sample data, so an operator sees exactly what
 * an applicant would read before a template goes live. Nothing is sent or
 * stored; the preview is audited (`preview_template`) with the template named.
 */
export function previewTemplate(
  ports: NotificationPorts,
  caller: OperatorCaller,
  request: PreviewRequest,
): TemplatePreview {
  const { eventType, language } = request;
  if (!isTemplatedEvent(eventType))
    throw invalidField(
      "eventType",
      `is not an event the applicant is told about (${TEMPLATED_EVENT_NAMES.join(", ")})`,
    );
  if (!(TEMPLATE_LANGUAGES as readonly string[]).includes(language))
    throw invalidField("language", `is not a language templates are kept in (${TEMPLATE_LANGUAGES.join(", ")})`);
  const lang = language as TemplateLanguage;
  const sample = valuesOf(sampleEvent(eventType), SAMPLE_APPLICANT_NAME, lang);
  // A null-prototype table: a "__proto__" key is then a value like any other, never the object's prototype.
  const values: TemplateValues = Object.assign(Object.create(null) as TemplateValues, sample);
  const variables = variablesOf(eventType);
  for (const [name, value] of Object.entries(request.variables)) {
    const spec = variableOf(variables, name);
    if (!spec) throw invalidField(`variables.${name}`, `is not a variable of ${eventType}`);
    if (spec.derived) throw invalidField(`variables.${name}`, "is derived from the other variables: set those instead");
    const fits =
      spec.kind === "text"
        ? typeof value === "string"
        : spec.kind === "flag"
          ? typeof value === "boolean"
          : Array.isArray(value);
    if (!fits)
      throw invalidField(`variables.${name}`, `must be ${spec.kind === "list" ? "a list of texts" : `a ${spec.kind}`}`);
    values[name] = value;
  }
  const template = ports.templates.get(eventType, lang);
  ports.audit({
    action: "preview_template",
    outcome: "allowed",
    target: `template:${eventType}/${lang}@${template.ref.version}`,
    ...callerIds(caller),
  });
  // Derived values follow the overrides: a preview's one missing item is "1 thành phần", never the sample's count.
  const rendered = render(template, derivedValues(eventType, values));
  const sms = smsMessage(rendered.sms, ports.phone.sms?.diacritics ?? false);
  return {
    template: rendered.ref,
    email: rendered.email,
    sms: { text: sms.smsText, segments: sms.segments, encoding: sms.encoding },
    zns: rendered.zns,
  };
}
