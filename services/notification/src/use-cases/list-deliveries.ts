import { DOSSIER_CODE_PATTERN } from "@lienthong/domain";
import { deliveries } from "../store/collections";
import type { NotificationPorts } from "./ports";

const STATE_NUMBERS = { pending: 1, delivered: 2, failed: 3 } as const;

/** Every delivery of one dossier (by id or code), oldest first. */
export async function listDeliveries(ports: NotificationPorts, dossierRef: string) {
  const where = DOSSIER_CODE_PATTERN.test(dossierRef) ? { dossierCode: dossierRef } : { dossierId: dossierRef };
  const found = await ports.store.find(deliveries, { where, orderBy: { field: "createdAt" } });
  return found.map(({ data }) => ({
    notificationId: data.notificationId,
    dossierId: data.dossierId,
    dossierCode: data.dossierCode,
    channel: data.channel,
    recipientKind: data.recipientKind,
    triggerType: data.triggerType,
    state: STATE_NUMBERS[data.state],
    stateName: data.state,
    attempts: data.attempts,
    createdAt: data.createdAt,
    deliveredAt: data.deliveredAt ?? undefined,
    lastError: data.lastError ?? "",
  }));
}
