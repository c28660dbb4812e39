import { readableDossier, type DeliveriesCaller } from "../auth/access";
import { deliveries } from "../store/collections";
import { statusOf } from "./delivery-status";
import type { NotificationPorts } from "./ports";

const STATE_NUMBERS = { pending: 1, delivered: 2, failed: 3, held: 4, sent: 5 } as const;

/**
 * Every delivery of one dossier (by id or code), oldest first, for one of its
 * commune systems or an operator; NOT_FOUND for any other caller and for a
 * dossier notification never heard of.
 */
export async function listDeliveries(ports: NotificationPorts, caller: DeliveriesCaller, dossierRef: string) {
  const { dossierId } = await readableDossier(ports, caller, dossierRef, "list_deliveries");
  const found = await ports.store.find(deliveries, { where: { dossierId }, orderBy: { field: "createdAt" } });
  return found.map(({ data }) => ({
    notificationId: data.notificationId,
    dossierId: data.dossierId,
    dossierCode: data.dossierCode,
    channel: data.channel,
    recipientKind: data.recipientKind,
    triggerType: data.triggerType,
    state: STATE_NUMBERS[data.state],
    stateName: data.state,
    status: statusOf(data),
    history: (data.history ?? []).map((step) => ({ ...step, reason: step.reason ?? "" })),
    attempts: data.attempts,
    ...(data.template && { template: data.template }),
    createdAt: data.createdAt,
    deliveredAt: data.deliveredAt ?? undefined,
    lastError: data.lastError ?? "",
  }));
}
