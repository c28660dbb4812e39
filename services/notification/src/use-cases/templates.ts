import { statusCarriedBy, type DecodedEvent } from "@lienthong/contracts";
import { isDossierStatus, statusLabel } from "@lienthong/domain";
import { render, type RenderedMessages, type TemplateCatalog } from "../templates/catalog";
import { isTemplatedEvent, valuesOf, type TemplateLanguage } from "../templates/variables";

/** A lifecycle event about one dossier (every event but those about webhook endpoints). */
export type DossierEvent = Extract<DecodedEvent, { payload: { dossierId: string; dossierCode: string } }>;

/**
 * The subject of the mail that tells an applicant their dossier's result is ready (the benchmark waits for it):
 * the shipped Vietnamese template's (templates.test.ts holds them together; a province's own template may differ).
 */
export function resultMailSubject(dossierCode: string): string {
  return `Hồ sơ ${dossierCode} đã có kết quả`;
}

/**
 * What an applicant is told of an event, on every channel, rendered from the
 * template in force for its event type and language (checked when the
 * templates loaded, so rendering cannot miss a variable); undefined when the
 * event is not one they are told about.
 */
export function applicantMessages(
  templates: TemplateCatalog,
  event: DossierEvent,
  applicantName: string,
  language: TemplateLanguage,
): RenderedMessages | undefined {
  if (!isTemplatedEvent(event.name)) return undefined;
  return render(templates.get(event.name, language), valuesOf(event, applicantName, language));
}

/** The webhook body for a commune system: ids, type and status only — no personal data. */
export function webhookBody(event: DossierEvent & { id: string; type: string; time: string }): string | undefined {
  const status = statusCarriedBy(event);
  if (!isDossierStatus(status)) return undefined;
  return JSON.stringify({
    type: event.type,
    eventId: event.id,
    occurredAt: event.time,
    dossierId: event.payload.dossierId,
    dossierCode: event.payload.dossierCode,
    status,
    statusLabel: statusLabel(status),
  });
}
