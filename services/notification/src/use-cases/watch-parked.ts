import { ConflictError, put } from "@lienthong/storage";
import { parkedEvents } from "../store/collections";
import type { NotificationPorts } from "./ports";

/** What waits for submissions right now (the gauges). */
export async function parkedSummary(ports: NotificationPorts): Promise<{ events: number; oldestAgeMs: number }> {
  const waiting = await ports.store.find(parkedEvents, { where: { contactKnown: false } });
  const now = ports.now().getTime();
  return {
    events: waiting.reduce((sum, { data }) => sum + data.events.length, 0),
    oldestAgeMs: Math.max(0, ...waiting.map(({ data }) => now - new Date(data.parkedSince ?? now).getTime())),
  };
}

/**
 * Reports, once per dossier, events parked longer than `alertAfterMs`: the
 * dossier is marked alerted (so another round or replica does not report it
 * again) and `alert` runs after that commit. The events keep waiting.
 * Returns how many dossiers were reported.
 */
export async function alertLongParked(
  ports: NotificationPorts,
  alertAfterMs: number,
  alert: (dossierId: string, events: number, parkedForMs: number) => void,
): Promise<number> {
  const now = ports.now();
  const overdue = await ports.store.find(parkedEvents, {
    where: { contactKnown: false, alertedAt: null },
    range: { field: "parkedSince", lt: new Date(now.getTime() - alertAfterMs).toISOString() + "~" },
    limit: 100,
  });
  let reported = 0;
  for (const { data, version } of overdue) {
    try {
      await ports.commit([put(parkedEvents, data.dossierId, { ...data, alertedAt: now.toISOString() }, version)]);
    } catch (error) {
      // Released or parked again meanwhile: the next round sees what it is now.
      if (error instanceof ConflictError) continue;
      throw error;
    }
    reported += 1;
    alert(data.dossierId, data.events.length, now.getTime() - new Date(data.parkedSince ?? now).getTime());
  }
  return reported;
}
