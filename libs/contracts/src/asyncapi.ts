import * as path from "node:path";
import * as protobuf from "protobufjs";
import { EventTypes, type EventTypeName } from "./event-catalog";
import * as events from "./gen/gov/lienthong/events/v1/application_events";
import { PLATFORM_SERVICES } from "./platform-services";

/**
 * The AsyncAPI 3 document of the platform's events, generated from the event
 * catalog (types, producers, topics) and the protos (payloads, the CloudEvents
 * envelope, their comments): what a system consuming the topics reads. The
 * payload schemas are the messages' proto3 JSON mapping; on the wire the
 * record value is the protobuf encoding itself (CloudEvents Kafka binding,
 * binary mode). docs/api/events.asyncapi.json is this, checked in
 * (libs/contracts/test/asyncapi.test.ts keeps it current).
 */

const PROTO_ROOT = path.resolve(__dirname, "../../../proto");
const EVENTS_PROTO = "gov/lienthong/events/v1/application_events.proto";
const ENVELOPE_PROTO = "gov/lienthong/events/v1/envelope.proto";
const EVENTS_PACKAGE = "gov.lienthong.events.v1";
const TIMESTAMP = ".google.protobuf.Timestamp";

type JsonSchema = Record<string, unknown>;

export interface AsyncApiDocument {
  asyncapi: "3.0.0";
  info: { title: string; version: string; description: string };
  defaultContentType: string;
  servers: Record<string, unknown>;
  channels: Record<string, unknown>;
  operations: Record<string, unknown>;
  components: { messages: Record<string, unknown>; schemas: Record<string, JsonSchema> };
}

function loadProtos(): protobuf.Root {
  const root = new protobuf.Root();
  // google/protobuf/*.proto are protobufjs' own bundled copies; the platform's come from proto/.
  root.resolvePath = (_origin, target) =>
    target.startsWith("google/protobuf/") ? target : path.join(PROTO_ROOT, target);
  root.loadSync([EVENTS_PROTO, ENVELOPE_PROTO], { keepCase: false, alternateCommentMode: true });
  root.resolveAll();
  return root;
}

/** The proto message a catalogued event carries: the generated codec is the export of that name. */
function messageNameOf(name: EventTypeName): string {
  const codec: unknown = EventTypes[name].codec;
  const found = Object.entries(events).find(([, value]) => value === codec);
  if (!found) throw new Error(`event ${name}: its codec is not a message of ${EVENTS_PROTO}`);
  return `${EVENTS_PACKAGE}.${found[0]}`;
}

/** Comments as protobufjs keeps them: one line each, for a description. */
function describe(comment: string | null | undefined): { description?: string } {
  const text = comment?.replace(/\s*\n\s*/g, " ").trim();
  return text ? { description: text } : {};
}

/** Schema names as AsyncAPI allows them in components (`[A-Za-z0-9.\-_]+`). */
function schemaKey(type: protobuf.Type | protobuf.Enum): string {
  return type.fullName.replace(/^\./, "");
}

/**
 * Proto3's JSON mapping of one message, with every message and enum it uses
 * added to `schemas` (by full name, referenced with $ref).
 */
function addMessageSchema(type: protobuf.Type, schemas: Record<string, JsonSchema>): string {
  const key = schemaKey(type);
  if (schemas[key]) return key;
  const properties: Record<string, JsonSchema> = {};
  schemas[key] = { type: "object", ...describe(type.comment), properties, additionalProperties: false };
  for (const field of type.fieldsArray) {
    const value = fieldSchema(field, schemas);
    properties[field.name] = {
      ...(field.map
        ? { type: "object", additionalProperties: value }
        : field.repeated
          ? { type: "array", items: value }
          : value),
      ...describe(field.comment),
    };
  }
  return key;
}

function fieldSchema(field: protobuf.Field, schemas: Record<string, JsonSchema>): JsonSchema {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    if (resolved.fullName === TIMESTAMP) return { type: "string", format: "date-time" };
    return { $ref: `#/components/schemas/${addMessageSchema(resolved, schemas)}` };
  }
  if (resolved instanceof protobuf.Enum) {
    const key = schemaKey(resolved);
    schemas[key] ??= { type: "string", enum: Object.keys(resolved.values), ...describe(resolved.comment) };
    return { $ref: `#/components/schemas/${key}` };
  }
  return scalarSchema(field.type);
}

/**
 * The JSON the platform's generated code reads and writes (ts-proto, proto/buf.gen.yaml):
 * proto3's JSON mapping, except that 64-bit integers are numbers (forceLong=number).
 */
function scalarSchema(type: string): JsonSchema {
  switch (type) {
    case "string":
      return { type: "string" };
    case "bool":
      return { type: "boolean" };
    case "double":
    case "float":
      return { type: "number" };
    case "int32":
    case "uint32":
    case "sint32":
    case "fixed32":
    case "sfixed32":
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return { type: "integer", format: type };
    case "bytes":
      return { type: "string", contentEncoding: "base64" };
    default:
      throw new Error(`proto scalar type ${type} has no JSON mapping here`);
  }
}

/**
 * The record headers: the envelope's CloudEvents attributes as the Kafka
 * binding carries them (ce_<attribute>, content-type), described by the
 * envelope proto's own comments, plus the W3C trace context.
 */
function headersSchema(envelope: protobuf.Type, eventType: string, producer: string): JsonSchema {
  const field = (name: string) => describe(envelope.fields[name]?.comment);
  return {
    type: "object",
    required: ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"],
    properties: {
      ce_specversion: { type: "string", const: "1.0" },
      ce_id: { type: "string", format: "uuid", ...field("id") },
      ce_source: { type: "string", const: producer, ...field("source") },
      ce_type: { type: "string", const: eventType, ...field("type") },
      ce_time: { type: "string", format: "date-time" },
      ce_subject: { type: "string", ...field("subject") },
      "content-type": { type: "string", const: "application/protobuf" },
      traceparent: { type: "string", description: "W3C trace context: the trace the event belongs to" },
      tracestate: { type: "string" },
    },
  };
}

export function asyncApiDocument(version: string): AsyncApiDocument {
  const root = loadProtos();
  const envelope = root.lookupType(`${EVENTS_PACKAGE}.EventEnvelope`);
  const schemas: Record<string, JsonSchema> = {};
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};

  for (const name of Object.keys(EventTypes) as EventTypeName[]) {
    const { type, producer } = EventTypes[name];
    const message = root.lookupType(messageNameOf(name));
    const payload = addMessageSchema(message, schemas);
    messages[name] = {
      name,
      title: type,
      summary: describe(message.comment).description ?? type,
      contentType: "application/protobuf",
      headers: headersSchema(envelope, type, producer),
      payload: { $ref: `#/components/schemas/${payload}` },
      correlationId: { description: "The trace the event belongs to", location: "$message.header#/traceparent" },
      bindings: {
        kafka: {
          key: { type: "string", description: "The dossier id (an endpoint's id for endpoint events)" },
          bindingVersion: "0.5.0",
        },
      },
      "x-protobuf-message": message.fullName.replace(/^\./, ""),
    };
  }

  for (const service of PLATFORM_SERVICES) {
    const produced = (Object.keys(EventTypes) as EventTypeName[]).filter(
      (name) => EventTypes[name].producer === service.name,
    );
    if (produced.length === 0) continue;
    channels[service.name] = {
      address: service.topic,
      title: `${service.name}'s events`,
      description: `Every event ${service.name} publishes, keyed by dossier so that one dossier's events stay in order.`,
      messages: Object.fromEntries(produced.map((name) => [name, { $ref: `#/components/messages/${name}` }])),
    };
    operations[`${service.name}Publishes`] = {
      action: "send",
      title: `${service.name} publishes`,
      summary: `Published from ${service.name}'s transactional outbox, at least once (consumers deduplicate by ce_id).`,
      channel: { $ref: `#/channels/${service.name}` },
      messages: produced.map((name) => ({ $ref: `#/channels/${service.name}/messages/${name}` })),
    };
  }

  return {
    asyncapi: "3.0.0",
    info: {
      title: "LiênThông events",
      version,
      description: [
        "The lifecycle events of LiênThông's dossiers, one topic per producing service.",
        "Each record is a CloudEvents 1.0 event in the Kafka binding's binary mode: the attributes are `ce_` headers, the value is the protobuf message named by `x-protobuf-message` (proto/gov/lienthong/events/v1); the payload schemas below are those messages' JSON form (proto3's JSON mapping, with 64-bit integers as numbers).",
        "Delivery is at least once: a consumer deduplicates by `ce_id`. A record a consumer cannot handle is kept as an EventEnvelope in its dead letters.",
      ].join("\n\n"),
    },
    defaultContentType: "application/protobuf",
    servers: {
      kafka: {
        host: "{bootstrap}",
        protocol: "kafka",
        description: "The province's Kafka cluster (KAFKA_BROKERS)",
        variables: { bootstrap: { default: "localhost:9092", description: "A bootstrap broker, host:port" } },
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
