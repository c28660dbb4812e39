import { EventTypes, Topics } from "@lienthong/contracts";
import { outboxWrites } from "@lienthong/messaging";
import { put, type Versioned, type WriteOp } from "@lienthong/storage";
import { deliveries, webhookEndpointStates, type DeliveryRecord, type EndpointRecord } from "../store/collections";
import { withState } from "./delivery-status";
import type { NotificationPorts } from "./ports";

/** An endpoint nobody has seen fail yet. */
export function healthyEndpoint(endpointId: string): EndpointRecord {
  return {
    endpointId,
    state: "active",
    consecutiveFailures: 0,
    suspendedAt: null,
    probes: 0,
    nextProbeAt: null,
    lastError: null,
  };
}

/** The commune systems sending to an endpoint, for its events. */
function clientIdsOf(ports: NotificationPorts, endpointId: string): string[] {
  return ports.webhooks.all().find((endpoint) => endpoint.endpointId === endpointId)?.clientIds ?? [];
}

export function suspendedEvent(ports: NotificationPorts, record: EndpointRecord): WriteOp[] {
  const spec = EventTypes.notificationEndpointSuspended;
  const payload = spec.codec.fromPartial({
    endpointId: record.endpointId,
    clientIds: clientIdsOf(ports, record.endpointId),
    suspendedAt: record.suspendedAt ?? undefined,
    consecutiveFailures: record.consecutiveFailures,
    reason: record.lastError ?? "",
  });
  return outboxWrites([
    { topic: Topics.notification, key: record.endpointId, type: spec.type, data: spec.codec.encode(payload).finish() },
  ]);
}

/** Every held delivery of an endpoint, oldest first: the order they are sent in once it answers. */
export async function heldDeliveries(
  ports: NotificationPorts,
  endpointId: string,
  limit?: number,
): Promise<Versioned<DeliveryRecord>[]> {
  return ports.store.find(deliveries, {
    where: { endpointId, state: "held" },
    orderBy: { field: "createdAt" },
    ...(limit !== undefined && { limit }),
  });
}

/**
 * The writes that resume an endpoint: active again, every held delivery due
 * now (with a fresh retry horizon) in the order they were planned, and an
 * `endpoint_resumed` event when it was suspended. `except` is a delivery the
 * caller writes itself (the successful probe). Returns the writes and how many
 * deliveries were released.
 */
export async function resumeWrites(
  ports: NotificationPorts,
  endpoint: Versioned<EndpointRecord> | undefined,
  endpointId: string,
  resumedBy: "probe" | "operator",
  except?: string,
): Promise<{ ops: WriteOp[]; released: number; wasSuspended: boolean }> {
  const now = ports.now().toISOString();
  const held = (await heldDeliveries(ports, endpointId)).filter(({ data }) => data.notificationId !== except);
  const ops: WriteOp[] = held.map(({ data, version }) =>
    put(
      deliveries,
      data.notificationId,
      { ...withState(data, "pending"), nextAttemptAt: now, firstAttemptAt: null } satisfies DeliveryRecord,
      version,
    ),
  );
  ops.push(put(webhookEndpointStates, endpointId, healthyEndpoint(endpointId), endpoint?.version ?? 0));
  const wasSuspended = endpoint?.data.state === "suspended";
  const released = held.length + (except ? 1 : 0);
  if (wasSuspended) {
    const spec = EventTypes.notificationEndpointResumed;
    const payload = spec.codec.fromPartial({
      endpointId,
      clientIds: clientIdsOf(ports, endpointId),
      resumedAt: now,
      releasedDeliveries: released,
      resumedBy,
    });
    ops.push(
      ...outboxWrites([
        { topic: Topics.notification, key: endpointId, type: spec.type, data: spec.codec.encode(payload).finish() },
      ]),
    );
  }
  return { ops, released, wasSuspended };
}
