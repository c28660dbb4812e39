import {
  lifecycleEvent,
  type EventTypeName,
  type EventTypes,
  type LifecycleEvent,
  type PayloadOf,
} from "@lienthong/contracts";
import type { AssignmentRecord } from "../../store/collections";

/** The catalogued events routing produces: the only ones it may publish (on its own topic). */
type RoutingEventName = {
  [N in EventTypeName]: (typeof EventTypes)[N]["producer"] extends "routing" ? N : never;
}[EventTypeName];

/** The fields of an event routing fills in: everything but the dossier's ids, which come from the dossier. */
type RoutingEventFields<N extends RoutingEventName> = Partial<PayloadOf<N>> & {
  dossierId?: never;
  dossierCode?: never;
};

/** One event on routing's topic about `dossier`, keyed by its id. */
export function routingEvent<N extends RoutingEventName>(
  name: N,
  dossier: Pick<AssignmentRecord, "dossierId" | "dossierCode">,
  fields: RoutingEventFields<N>,
): LifecycleEvent {
  return lifecycleEvent(name, { ...fields, dossierId: dossier.dossierId, dossierCode: dossier.dossierCode });
}
