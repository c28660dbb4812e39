import { EventTypes, Topics, encodeEvent, type EventTypeName, type PayloadOf } from "@lienthong/contracts";
import type { OutgoingEvent } from "@lienthong/messaging";
import type { AssignmentRecord } from "../../store/collections";

/** One event on routing's topic about `dossier`, keyed by its id. */
export function routingEvent<N extends EventTypeName>(
  name: N,
  dossier: Pick<AssignmentRecord, "dossierId" | "dossierCode">,
  payload: Omit<Partial<PayloadOf<N>>, "dossierId" | "dossierCode">,
): OutgoingEvent {
  const ids = { dossierId: dossier.dossierId, dossierCode: dossier.dossierCode };
  return {
    topic: Topics.routing,
    key: dossier.dossierId,
    type: EventTypes[name].type,
    data: encodeEvent(name, { ...ids, ...payload } as Partial<PayloadOf<N>>),
  };
}
