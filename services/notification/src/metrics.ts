import { events } from "@lienthong/contracts";
import type { ServiceHost } from "@lienthong/service-host";
import type { WriteOp } from "@lienthong/storage";
import {
  DELIVERY_STATES,
  contacts,
  deliveries,
  type ContactRecord,
  type DeliveryRecord,
  type DeliveryState,
} from "./store/collections";

/**
 * Deliveries by channel and state, for province IT: a counter of every
 * delivery written in a state (from the commits themselves, whoever made
 * them: planning, the dispatcher, an operator's resend) and gauges of what
 * waits or failed now. Labels are the channel and the state only, never a
 * recipient, a dossier or an endpoint.
 */

const { DeliveryChannel } = events;

const CHANNELS: Readonly<Record<number, string>> = {
  [DeliveryChannel.DELIVERY_CHANNEL_EMAIL]: "email",
  [DeliveryChannel.DELIVERY_CHANNEL_SMS]: "sms",
  [DeliveryChannel.DELIVERY_CHANNEL_WEBHOOK]: "webhook",
  [DeliveryChannel.DELIVERY_CHANNEL_ZALO_ZNS]: "zns",
};
/** The states a delivery can stay in: a delivered one only adds up, which the counter tells. */
const WAITING_OR_FAILED: readonly DeliveryState[] = ["pending", "held", "sent", "failed"];

const channelLabel = (channel: number): string => CHANNELS[channel] ?? "unspecified";

export function registerDeliveryMetrics(host: ServiceHost): void {
  const written = host.metrics.counter({
    name: "notification_deliveries_total",
    help: "Deliveries written in each state, by channel: pending counts new deliveries, retries and resends; sent counts messages a provider took; delivered and failed count outcomes",
    labelNames: ["channel", "state"],
  });
  // Every (channel, state) child made once, at 0 so that an alert sees the first failure as an increase; the commit
  // listener runs on every commit and builds no label object per delivery.
  const children = new Map<string, Map<DeliveryState, ReturnType<typeof written.labels>>>();
  for (const channel of [...Object.values(CHANNELS), "unspecified"]) {
    const byState = new Map(DELIVERY_STATES.map((state) => [state, written.labels(channel, state)]));
    for (const child of byState.values()) child.inc(0);
    children.set(channel, byState);
  }
  host.afterCommit((ops: readonly WriteOp[]) => {
    for (const op of ops) {
      if (op.kind !== "put" || op.collection !== deliveries.name) continue;
      // Written through put(deliveries, …), so the document is a DeliveryRecord.
      const delivery = op.data as DeliveryRecord;
      children.get(channelLabel(delivery.channel))?.get(delivery.state)?.inc();
    }
  });
  const withoutConsent = host.metrics.counter({
    name: "notification_preferences_without_consent_total",
    help: "Submissions whose applicant chose channels without a time of consent: the applicant is told on no channel",
  });
  withoutConsent.inc(0);
  host.afterCommit((ops: readonly WriteOp[]) => {
    for (const op of ops) {
      // The submission writes the contact unconditionally; a later change of authority writes it with its version.
      if (op.kind !== "put" || op.collection !== contacts.name || op.expectedVersion !== undefined) continue;
      if ((op.data as ContactRecord).preferences?.consentedAt === "") withoutConsent.inc();
    }
  });
  host.metrics.gauge({
    name: "notification_deliveries",
    help: "Deliveries waiting to be sent (pending), held for a suspended webhook endpoint (held), waiting for their provider's receipt (sent) or given up on (failed) now, by channel",
    labelNames: ["channel", "state"],
    async collect() {
      this.reset();
      for (const state of WAITING_OR_FAILED) {
        for (const [channel, label] of Object.entries(CHANNELS)) {
          // The ["state", "nextAttemptAt"] index narrows to the state; the channel is read on those rows.
          this.labels(label, state).set(
            await host.store.count(deliveries, { where: { state, channel: Number(channel) } }),
          );
        }
      }
    },
  });
}
