import { randomUUID } from "node:crypto";
import type { DeliveredEvent, EventBus, OutgoingEvent } from "../../src";

export const SUBMITTED = "gov.lienthong.application.submitted.v1";

/** A topic nobody else in the test run uses. */
export function uniqueTopic(label: string): string {
  return `lienthong.test.${label}.${randomUUID().slice(0, 8)}.v1`;
}

/** An event whose payload is the text `body` (tests read it back as text). */
export function textEvent(topic: string, key: string, body: string, extra: Partial<OutgoingEvent> = {}): OutgoingEvent {
  return { topic, key, type: SUBMITTED, data: new TextEncoder().encode(body), ...extra };
}

export function bodyOf(event: DeliveredEvent): string {
  return new TextDecoder().decode(event.data);
}

export interface Collected {
  events: DeliveredEvent[];
  close(): Promise<void>;
}

/** Subscribes and records every delivery, in order. */
export async function collect(
  bus: EventBus,
  groupId: string,
  topics: string[],
  onEvent?: (event: DeliveredEvent) => Promise<void>,
): Promise<Collected> {
  const events: DeliveredEvent[] = [];
  const subscription = await bus.subscribe({
    groupId,
    topics,
    handler: async (event) => {
      await onEvent?.(event);
      events.push(event);
    },
  });
  return { events, close: () => subscription.close() };
}
