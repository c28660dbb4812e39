import { randomUUID } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { MessagingError, backoffDelay, buildCloudEventHeaders, parseCloudEventHeaders } from "../src";
import { toOutgoingRecord } from "../src/record";
import { textEvent } from "./support/events";

const attributes = {
  id: randomUUID(),
  source: "intake",
  type: "gov.lienthong.application.submitted.v1",
  time: "2025-07-01T08:00:00.000Z",
  subject: "dossier-1",
};

describe("CloudEvents binary-mode headers", () => {
  test("round-trip through build and parse", () => {
    const headers = buildCloudEventHeaders(attributes);
    expect(headers).toEqual({
      ce_specversion: "1.0",
      ce_id: attributes.id,
      ce_source: "intake",
      ce_type: attributes.type,
      ce_time: attributes.time,
      ce_subject: "dossier-1",
      "content-type": "application/protobuf",
    });
    expect(parseCloudEventHeaders(headers)).toEqual({
      ...attributes,
      specversion: "1.0",
      contentType: "application/protobuf",
    });
  });

  test.each(["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"])(
    "parsing names the missing header %s",
    (missing) => {
      const headers: Record<string, string> = buildCloudEventHeaders(attributes);
      delete headers[missing];
      expect(() => parseCloudEventHeaders(headers)).toThrow(
        new MessagingError("MISSING_HEADER", `CloudEvents header "${missing}" is missing or empty`),
      );
    },
  );

  test("parsing refuses another spec version and an unreadable time", () => {
    expect(() => parseCloudEventHeaders({ ...buildCloudEventHeaders(attributes), ce_specversion: "0.3" })).toThrow(
      '"ce_specversion" is "0.3"',
    );
    expect(() => parseCloudEventHeaders({ ...buildCloudEventHeaders(attributes), ce_time: "yesterday" })).toThrow(
      '"ce_time" is not an ISO-8601 time',
    );
  });

  test("the event's own fields win over extra headers; an extra ce_source is kept (dead-letter replay)", () => {
    const id = randomUUID();
    const record = toOutgoingRecord(
      textEvent("lienthong.intake.applications.v1", "dossier-7", "x", {
        id,
        headers: {
          ce_id: "forged",
          ce_subject: "other",
          ce_source: "intake",
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        },
      }),
      "routing",
    );
    expect(record.headers).toMatchObject({
      ce_id: id,
      ce_subject: "dossier-7",
      ce_source: "intake",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    });
  });

  test("publishing refuses an event without a key", () => {
    expect(() => toOutgoingRecord(textEvent("lienthong.intake.applications.v1", "", "x"), "intake")).toThrow(
      "event.key is required",
    );
  });
});

describe("retry backoff", () => {
  test("grows exponentially with jitter and stays within [ceiling/2, maxMs]", () => {
    const policy = { initialMs: 100, maxMs: 1_000 };
    for (let sample = 0; sample < 50; sample += 1) {
      const first = backoffDelay(policy, 1);
      const third = backoffDelay(policy, 3);
      const tenth = backoffDelay(policy, 10);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      expect(third).toBeGreaterThanOrEqual(200);
      expect(third).toBeLessThanOrEqual(400);
      expect(tenth).toBeGreaterThanOrEqual(500);
      expect(tenth).toBeLessThanOrEqual(1_000);
    }
  });
});
