import { describe, expect, test } from "@jest/globals";
import { kafkaHops, type HopSpan } from "../src/bench/kafka-hops";

const at = (ms: number) => new Date(Date.UTC(2026, 0, 5, 3, 0, 0) + ms).toISOString();
const since = Date.parse(at(0));

function span(
  service: string,
  spanId: string,
  name: string,
  startMs: number,
  endMs: number,
  parentSpanId?: string,
): HopSpan {
  return {
    service,
    spanId,
    name,
    kind: name.endsWith(" process") ? "CONSUMER" : "SERVER",
    startTime: at(startMs),
    endTime: at(endMs),
    ...(parentSpanId && { parentSpanId }),
  };
}

describe("kafkaHops", () => {
  test("times each handling in another service from the end of the span that wrote the event", () => {
    const hops = kafkaHops(
      [
        span("intake", "post", "POST", 100, 110),
        span("routing", "r1", "gov.lienthong.application.submitted.v1 process", 140, 145, "post"),
        span("notification", "n1", "gov.lienthong.application.submitted.v1 process", 170, 171, "post"),
        span("signature", "s1", "gov.lienthong.dossier.decided.v1 process", 200, 210, "r1"),
      ],
      since,
    );
    expect(hops.byRoute).toEqual({
      "intake → notification gov.lienthong.application.submitted.v1": expect.objectContaining({ count: 1, p50: 60 }),
      "intake → routing gov.lienthong.application.submitted.v1": expect.objectContaining({ count: 1, p50: 30 }),
      "routing → signature gov.lienthong.dossier.decided.v1": expect.objectContaining({ count: 1, p50: 55 }),
    });
    expect(hops.all).toMatchObject({ count: 3, min: 30, max: 60 });
  });

  test("leaves out handlings before the run, within one service, and those whose writer is not at hand", () => {
    const hops = kafkaHops(
      [
        // The warm-up dossier, before the measured run.
        span("intake", "warm", "POST", -500, -490),
        span("routing", "w1", "gov.lienthong.application.submitted.v1 process", -450, -440, "warm"),
        // A service handling what it wrote itself: no bus between two processes.
        span("routing", "own", "POST", 100, 110),
        span("routing", "o1", "gov.lienthong.dossier.routed.v1 process", 150, 151, "own"),
        // The writer's span already left its service's store.
        span("signature", "lost", "gov.lienthong.dossier.decided.v1 process", 150, 151, "gone"),
      ],
      since,
    );
    expect(hops).toEqual({ all: undefined, byRoute: {} });
  });
});
