import { MessagingError } from "./errors";

/**
 * CloudEvents 1.0, Kafka protocol binding, binary content mode: the event's
 * attributes travel as `ce_`-prefixed headers and the record value is the
 * protobuf payload itself (ARCHITECTURE.md §4).
 */
export const CE_SPECVERSION = "1.0";
export const PROTOBUF_CONTENT_TYPE = "application/protobuf";

export const CloudEventHeaders = {
  specversion: "ce_specversion",
  id: "ce_id",
  source: "ce_source",
  type: "ce_type",
  time: "ce_time",
  subject: "ce_subject",
  contentType: "content-type",
} as const;

export interface CloudEventAttributes {
  /** UUID; the consumers' idempotency key. */
  id: string;
  /** The producing service. */
  source: string;
  /** e.g. gov.lienthong.application.submitted.v1 */
  type: string;
  /** ISO-8601 timestamp. */
  time: string;
  /** The dossier id, equal to the record key. */
  subject: string;
}

export interface ParsedCloudEvent extends CloudEventAttributes {
  specversion: string;
  contentType: string;
}

export function buildCloudEventHeaders(attributes: CloudEventAttributes): Record<string, string> {
  return {
    [CloudEventHeaders.specversion]: CE_SPECVERSION,
    [CloudEventHeaders.id]: attributes.id,
    [CloudEventHeaders.source]: attributes.source,
    [CloudEventHeaders.type]: attributes.type,
    [CloudEventHeaders.time]: attributes.time,
    [CloudEventHeaders.subject]: attributes.subject,
    [CloudEventHeaders.contentType]: PROTOBUF_CONTENT_TYPE,
  };
}

/**
 * Reads the CloudEvents attributes of a received record. Throws a
 * MessagingError naming the first missing or unusable header.
 */
export function parseCloudEventHeaders(headers: Record<string, string | undefined>): ParsedCloudEvent {
  const required = (name: string): string => {
    const value = headers[name];
    if (value === undefined || value === "") {
      throw new MessagingError("MISSING_HEADER", `CloudEvents header "${name}" is missing or empty`);
    }
    return value;
  };
  const specversion = required(CloudEventHeaders.specversion);
  if (specversion !== CE_SPECVERSION) {
    throw new MessagingError(
      "INVALID_HEADER",
      `CloudEvents header "${CloudEventHeaders.specversion}" is "${specversion}", expected "${CE_SPECVERSION}"`,
    );
  }
  const time = required(CloudEventHeaders.time);
  if (Number.isNaN(Date.parse(time))) {
    throw new MessagingError(
      "INVALID_HEADER",
      `CloudEvents header "${CloudEventHeaders.time}" is not an ISO-8601 time`,
    );
  }
  return {
    specversion,
    id: required(CloudEventHeaders.id),
    source: required(CloudEventHeaders.source),
    type: required(CloudEventHeaders.type),
    time,
    subject: required(CloudEventHeaders.subject),
    contentType: required(CloudEventHeaders.contentType),
  };
}
