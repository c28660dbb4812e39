import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { ConfigError } from "@lienthong/service-host";
import Handlebars from "handlebars";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import {
  SAMPLE_APPLICANT_NAME,
  TEMPLATED_EVENT_NAMES,
  TEMPLATE_LANGUAGES,
  isTemplatedEvent,
  sampleEvent,
  valuesOf,
  variableOf,
  variablesOf,
  type TemplateLanguage,
  type TemplateValues,
  type TemplatedEventName,
  type VariableSpec,
} from "./variables";

/** The templates shipped with the service: `assets/templates/<language>/<event>.yaml` (the image copies assets/ beside dist/). */
export const SHIPPED_TEMPLATES_DIR = path.resolve(__dirname, "..", "..", "assets", "templates");

/**
 * One template file: every channel an applicant is told on, for one event
 * type in one language, with its version (recorded on each delivery). A
 * province's file replaces the shipped one whole.
 */
const templateFile = z
  .object({
    version: z.number().int().min(1),
    email: z.object({ subject: z.string().min(1), text: z.string().min(1), html: z.string().min(1) }).strict(),
    /** Names no one and carries no officer's free text (a locked screen, billed per segment). */
    sms: z.string().min(1),
    /** The values of the Zalo-approved template's parameters, each a template. */
    zns: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,49}$/), z.string()),
  })
  .strict();

/** Where a template came from: shipped with the service, or the province's override directory. */
export type TemplateSource = "shipped" | "province";

/** Which template a message was rendered from: recorded on its delivery. */
export interface TemplateRef {
  name: TemplatedEventName;
  language: TemplateLanguage;
  version: number;
  source: TemplateSource;
}

type Render = (values: TemplateValues) => string;

/** A template checked and compiled: what the dispatcher renders with. */
export interface LoadedTemplate {
  ref: TemplateRef;
  email: { subject: Render; text: Render; html: Render };
  sms: Render;
  zns: Record<string, Render>;
}

/** What one event tells an applicant, rendered. */
export interface RenderedMessages {
  ref: TemplateRef;
  email: { subject: string; text: string; html: string };
  sms: string;
  zns: Record<string, string>;
}

/** Every template in force, by event type and language. */
export interface TemplateCatalog {
  get(name: TemplatedEventName, language: TemplateLanguage): LoadedTemplate;
}

export function render(template: LoadedTemplate, values: TemplateValues): RenderedMessages {
  const zns = Object.fromEntries(Object.entries(template.zns).map(([param, part]) => [param, part(values)]));
  return {
    ref: template.ref,
    email: {
      subject: template.email.subject(values),
      text: template.email.text(values),
      html: template.email.html(values),
    },
    sms: template.sms(values),
    zns,
  };
}

/** A template's fault, said with its event, language, version and part: what an author needs to fix it. */
class TemplateFault extends Error {}

/**
 * The templates in force: the shipped ones, each replaced by the province's
 * file of the same event and language in `overrideDir` when it has one. Every
 * file is checked here, never at send time: its shape; that each part uses
 * only variables its event supplies, each the way its kind allows (text
 * printed, flags in `#if`, lists in `#each`); that SMS and ZNS parts print no
 * officer's free text; that HTML prints nothing unescaped; no helper,
 * partial or path beyond these. Then every part is rendered with the event's
 * sample. A fault stops the start: a ConfigError naming the file, template,
 * version, part and variable.
 */
export function loadTemplates(options: { overrideDir?: string; shippedDir?: string } = {}): TemplateCatalog {
  const { overrideDir, shippedDir = SHIPPED_TEMPLATES_DIR } = options;
  const loaded = new Map<string, LoadedTemplate>();
  // A fault is named after where it lies: the shipped files (a defect of the release) or the province's directory.
  const refused = (variable: string, load: () => void) => {
    try {
      load();
    } catch (error) {
      if (error instanceof TemplateFault) throw new ConfigError([{ variable, reason: error.message }]);
      throw error;
    }
  };
  refused("templates (shipped)", () => {
    for (const language of TEMPLATE_LANGUAGES)
      for (const name of TEMPLATED_EVENT_NAMES) {
        const file = path.join(shippedDir, language, `${name}.yaml`);
        if (!existsSync(file)) throw new TemplateFault(`template ${name}/${language}: ${file} is missing`);
        loaded.set(`${name}/${language}`, loadFile(file, name, language, "shipped"));
      }
  });
  if (overrideDir !== undefined)
    refused("NOTIFICATION_TEMPLATES_DIR", () => {
      for (const [key, template] of overrides(overrideDir)) loaded.set(key, template);
    });
  return {
    get: (name, language) => {
      const template = loaded.get(`${name}/${language}`);
      if (!template) throw new TypeError(`no template ${name}/${language}`);
      return template;
    },
  };
}

/** The province's files: `<language>/<event>.yaml`, each of a language and event type the service knows. */
function overrides(dir: string): Array<[string, LoadedTemplate]> {
  if (!existsSync(dir)) throw new TemplateFault(`the directory ${dir} does not exist`);
  const found: Array<[string, LoadedTemplate]> = [];
  for (const language of readdirSync(dir)) {
    if (!(TEMPLATE_LANGUAGES as readonly string[]).includes(language))
      throw new TemplateFault(`${path.join(dir, language)}: not a language templates are kept in (vi, en)`);
    for (const entry of readdirSync(path.join(dir, language))) {
      const name = entry.replace(/\.yaml$/, "");
      if (!entry.endsWith(".yaml") || !isTemplatedEvent(name))
        throw new TemplateFault(
          `${path.join(dir, language, entry)}: not <event>.yaml for an event the applicant is told about (${TEMPLATED_EVENT_NAMES.join(", ")})`,
        );
      const template = loadFile(path.join(dir, language, entry), name, language as TemplateLanguage, "province");
      found.push([`${name}/${language}`, template]);
    }
  }
  return found;
}

function loadFile(
  file: string,
  name: TemplatedEventName,
  language: TemplateLanguage,
  source: TemplateSource,
): LoadedTemplate {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new TemplateFault(`template ${name}/${language} (${file}): not YAML (${(error as Error).message})`);
  }
  const shape = templateFile.safeParse(parsed);
  if (!shape.success) {
    const issues = shape.error.issues.map((issue) => `${issue.path.join(".") || "(file)"} ${issue.message}`);
    throw new TemplateFault(`template ${name}/${language} (${file}): ${issues.join("; ")}`);
  }
  const { version, email, sms, zns } = shape.data;
  const ref: TemplateRef = { name, language, version, source };
  const variables = variablesOf(name);
  const part = (partName: string, text: string, kind: PartKind): Render => {
    const where = `template ${name}/${language} version ${version} (${file}), ${partName}`;
    try {
      checkVariables(Handlebars.parse(text), variables, kind);
    } catch (error) {
      if (error instanceof TemplateFault) throw new TemplateFault(`${where}: ${error.message}`);
      throw new TemplateFault(`${where}: not a template (${(error as Error).message})`);
    }
    // strict: a variable missing at render throws (it cannot be, after the check); text parts are not HTML-escaped.
    return Handlebars.compile(text, { strict: true, knownHelpersOnly: true, noEscape: kind !== "html" });
  };
  const template: LoadedTemplate = {
    ref,
    email: {
      subject: part("email.subject", email.subject, "text"),
      text: part("email.text", email.text, "text"),
      html: part("email.html", email.html, "html"),
    },
    sms: part("sms", sms, "sms"),
    zns: Object.fromEntries(Object.entries(zns).map(([param, text]) => [param, part(`zns.${param}`, text, "zns")])),
  };
  // Compiled lazily by Handlebars: rendering the sample here makes any fault left a fault at start, not at send time.
  try {
    render(template, valuesOf(sampleEvent(name), SAMPLE_APPLICANT_NAME, language));
  } catch (error) {
    throw new TemplateFault(
      `template ${name}/${language} version ${version} (${file}): does not render its sample (${(error as Error).message})`,
    );
  }
  return template;
}

const EACH_DATA = new Set(["index", "first", "last"]);

/** What a part is: its kind decides what it may print. */
type PartKind = "text" | "html" | "sms" | "zns";

/**
 * Walks a parsed template and refuses anything but the event's variables used
 * as their kinds allow. SMS and ZNS parts may not print free text; an SMS may
 * not name the applicant either (decision 53: it shows on a locked screen);
 * `html` parts may not print unescaped (`{{{…}}}`). A name is a variable only
 * if the event declares it itself: `constructor`, `toString` or `__proto__`,
 * inherited by every object, are not.
 */
function checkVariables(program: hbs.AST.Program, variables: Record<string, VariableSpec>, kind: PartKind): void {
  const known = () => Object.keys(variables).join(", ");
  const lookup = (expression: hbs.AST.Expression, inEach: boolean): VariableSpec | "item" => {
    if (expression.type !== "PathExpression")
      throw new TemplateFault(`uses a ${expression.type}, where only a variable may stand`);
    const pathExpression = expression as hbs.AST.PathExpression;
    const { original, parts, data, depth } = pathExpression;
    if (depth > 0) throw new TemplateFault(`uses {{${original}}}: parent paths (../) are not allowed`);
    if (data) {
      if (inEach && parts.length === 1 && EACH_DATA.has(parts[0] ?? "")) return { kind: "text" };
      throw new TemplateFault(`uses {{${original}}}: only @index, @first and @last, inside an #each`);
    }
    if (parts.length === 0) {
      if (inEach) return "item";
      throw new TemplateFault(`uses {{${original}}} outside an #each`);
    }
    const name = parts.join(".");
    if (inEach) throw new TemplateFault(`uses variable "${name}" inside an #each: only {{this}} is an item there`);
    const spec = variableOf(variables, name);
    if (!spec)
      throw new TemplateFault(`uses variable "${name}", which its event does not supply (it supplies ${known()})`);
    if (spec.free && (kind === "sms" || kind === "zns"))
      throw new TemplateFault(
        `uses variable "${name}", an officer's free text, which no SMS or ZNS message carries (a locked screen, billed per segment)`,
      );
    if (spec.personal && kind === "sms")
      throw new TemplateFault(
        `uses variable "${name}", which names the applicant: an SMS names no one (it shows on a locked screen)`,
      );
    return spec;
  };
  const visit = (node: hbs.AST.Statement, inEach: boolean): void => {
    switch (node.type) {
      case "ContentStatement":
      case "CommentStatement":
        return;
      case "MustacheStatement": {
        const mustache = node as hbs.AST.MustacheStatement;
        if (mustache.params.length > 0 || mustache.hash)
          throw new TemplateFault(`calls a helper in {{${describe(mustache.path)} …}}: templates print variables only`);
        const spec = lookup(mustache.path, inEach);
        if (spec !== "item" && spec.kind !== "text")
          throw new TemplateFault(
            `prints variable "${describe(mustache.path)}", a ${spec.kind}: a flag goes in #if, a list in #each`,
          );
        if (kind === "html" && !mustache.escaped)
          throw new TemplateFault(`prints {{{${describe(mustache.path)}}}} unescaped in HTML`);
        return;
      }
      case "BlockStatement": {
        const block = node as hbs.AST.BlockStatement;
        const helper = describe(block.path);
        const [param, ...rest] = block.params;
        if (!["if", "unless", "each"].includes(helper) || !param || rest.length > 0 || block.hash)
          throw new TemplateFault(`uses {{#${helper}}}: only #if, #unless and #each of one variable`);
        const spec = lookup(param, inEach);
        if (helper === "each" && (spec === "item" || spec.kind !== "list"))
          throw new TemplateFault(`uses {{#each ${describe(param)}}}: #each takes a list variable`);
        if (helper !== "each" && spec !== "item" && spec.kind === "list")
          throw new TemplateFault(`uses {{#${helper} ${describe(param)}}}: a list goes in #each`);
        for (const statement of block.program.body) visit(statement, inEach || helper === "each");
        for (const statement of block.inverse?.body ?? []) visit(statement, inEach);
        return;
      }
      default:
        throw new TemplateFault(`uses a ${node.type}: templates have no partials or decorators`);
    }
  };
  for (const statement of program.body) visit(statement, false);
}

function describe(expression: hbs.AST.Expression): string {
  return expression.type === "PathExpression" ? (expression as hbs.AST.PathExpression).original : expression.type;
}
