/**
 * `lienthong deliveries list|resend`: a dossier's notifications as
 * notification's operations API shows them (where each stands, never to
 * whom), and sending a settled one again under its notification id, which
 * receivers deduplicate on (operator-api.ts).
 */
import type { Command } from "commander";
import { call, connect, guarded, print, withConnectionOptions, type ConnectionOptions } from "./operator-api";
import { table } from "./table";

interface Delivery {
  notificationId: string;
  channel: number;
  triggerType: string;
  stateName: string;
  attempts: number;
  createdAt: string;
  deliveredAt?: string;
  lastError: string;
}

export function registerDeliveryCommands(program: Command): void {
  const group = program
    .command("deliveries")
    .description("a dossier's notifications: list them, send one again (operator role)");

  withConnectionOptions(
    group.command("list <dossier>").description("every notification of a dossier (its code or id), oldest first"),
  ).action(
    guarded(async (dossier: string, options: ConnectionOptions) => {
      const answer = (await call(
        await connect(options),
        "notification",
        `/ops/dossiers/${encodeURIComponent(dossier)}/deliveries`,
      )) as { deliveries: Delivery[] };
      print(options, answer, () => {
        if (answer.deliveries.length === 0) return `no deliveries for ${dossier}`;
        return table(
          ["notification", "trigger", "channel", "state", "attempts", "delivered at"],
          answer.deliveries.map((delivery) => [
            delivery.notificationId,
            delivery.triggerType,
            delivery.channel,
            delivery.stateName,
            delivery.attempts,
            delivery.deliveredAt ?? "",
          ]),
          [4],
        );
      });
    }),
  );

  withConnectionOptions(
    group
      .command("resend <notificationId>")
      .description("send a delivered or failed notification again, under the same id"),
  ).action(
    guarded(async (notificationId: string, options: ConnectionOptions) => {
      const answer = await call(
        await connect(options),
        "notification",
        `/ops/deliveries/${encodeURIComponent(notificationId)}/resend`,
        { method: "POST" },
      );
      print(options, answer, () => `queued ${notificationId} again`);
    }),
  );
}
