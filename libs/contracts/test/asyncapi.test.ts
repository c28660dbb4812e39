/**
 * The AsyncAPI document of the platform's events: valid for @asyncapi/parser,
 * covering every catalogued event on its producer's topic, its payload
 * schemas true to the generated code, and checked in as generated
 * (`npm run api:generate` rewrites docs/api/events.asyncapi.json).
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";
import { asyncApiDocument, type AsyncApiDocument } from "../src/asyncapi";
import { EventTypes, type EventTypeName } from "../src/event-catalog";

const ROOT = path.resolve(__dirname, "../../..");
const CHECKED_IN = path.join(ROOT, "docs/api/events.asyncapi.json");
const VERSION = (JSON.parse(readFileSync(path.join(__dirname, "../package.json"), "utf8")) as { version: string })
  .version;

type Schema = {
  $ref?: string;
  type?: string;
  enum?: string[];
  format?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
};

interface Message {
  title: string;
  payload: Schema;
  headers: { properties: Record<string, { const?: string }> };
}

describe("the events' AsyncAPI document", () => {
  const document: AsyncApiDocument = asyncApiDocument(VERSION);
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const names = Object.keys(EventTypes) as EventTypeName[];
  const messages = document.components.messages as Record<string, Message>;

  it("is valid AsyncAPI 3 for @asyncapi/parser, without warnings", async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(text);
    const reported = diagnostics
      // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint (its own copy of the enum).
      .filter((d) => Number(d.severity) <= Number(DiagnosticSeverity.Warning))
      .map((d) => `${d.code} at ${d.path.join(".")}: ${d.message}`);
    expect(reported).toEqual([]);
    expect(parsed?.version()).toBe("3.0.0");
    expect(parsed?.messages().length).toBe(names.length);
  });

  it("describes every event of the catalog, on its producer's topic, with its type in ce_type", () => {
    const channels = document.channels as Record<string, { address: string; messages: Record<string, unknown> }>;
    const missing: string[] = [];
    for (const name of names) {
      const { type, producer, topic } = EventTypes[name];
      const message = messages[name];
      if (message?.title !== type) missing.push(`${name}: no message titled ${type}`);
      else if (message.headers.properties.ce_type?.const !== type) missing.push(`${name}: ce_type is not ${type}`);
      const channel = channels[producer];
      if (channel?.address !== topic || !(name in channel.messages)) missing.push(`${name}: not on ${topic}`);
    }
    expect(missing).toEqual([]);
    expect(Object.keys(messages).sort()).toEqual([...names].sort());
  });

  it("gives payload schemas that the generated code reads and writes field for field", () => {
    const schemas = document.components.schemas as Record<string, Schema>;
    const resolve = (schema: Schema): Schema =>
      schema.$ref ? resolve(schemas[schema.$ref.replace("#/components/schemas/", "")]!) : schema;
    /** A value of every field (no default, which proto3 JSON leaves out), built from the schema alone. */
    const sample = (schema: Schema, depth = 0): unknown => {
      const resolved = resolve(schema);
      if (resolved.enum) return resolved.enum[resolved.enum.length - 1];
      switch (resolved.type) {
        case "object":
          if (resolved.properties) {
            if (depth > 4) return {};
            return Object.fromEntries(
              Object.entries(resolved.properties).map(([field, value]) => [field, sample(value, depth + 1)]),
            );
          }
          return { key: sample(resolved.additionalProperties as Schema, depth + 1) };
        case "array":
          return [sample(resolved.items!, depth + 1)];
        case "string":
          if (resolved.format === "date-time") return "2026-07-01T01:02:03.000Z";
          return "x";
        case "integer":
          return 7;
        case "number":
          return 1.5;
        case "boolean":
          return true;
        default:
          throw new Error(`no sample for ${JSON.stringify(resolved)}`);
      }
    };
    for (const name of names) {
      const codec = EventTypes[name].codec as unknown as { fromJSON(o: unknown): unknown; toJSON(m: unknown): unknown };
      const value = sample(messages[name]!.payload);
      expect({ name, json: codec.toJSON(codec.fromJSON(value)) }).toEqual({ name, json: value });
    }
  });

  it("is checked in as generated (UPDATE_API_DOCS=1 rewrites it)", () => {
    if (process.env.UPDATE_API_DOCS === "1") writeFileSync(CHECKED_IN, text);
    expect(readFileSync(CHECKED_IN, "utf8")).toBe(text);
  });
});
