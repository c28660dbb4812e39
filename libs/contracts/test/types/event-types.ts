/**
 * Type-level tests, checked by `npm run typecheck`: each @ts-expect-error must
 * sit on a line that fails to compile, so if the event types ever loosen (a
 * payload read by string name, a field that no longer exists), tsc reports an
 * unused directive and the typecheck fails.
 */
import { decodeEvent, lifecycleEvent, statusCarriedBy, type DecodedEvent } from "../../src";

declare const delivered: { type: string; data: Uint8Array };
const event: DecodedEvent = decodeEvent(delivered.type, delivered.data);

switch (event.name) {
  case "dossierRouted":
    // Narrowed by name: the routed event's own fields are there, typed.
    event.payload.competentAuthority?.code satisfies string | undefined;
    event.payload.appointmentAt satisfies string | undefined;
    // @ts-expect-error a field the routed event does not have (DocumentSigned's)
    void event.payload.downloadPath;
    // @ts-expect-error a misspelt field
    void event.payload.apointmentAt;
    break;
  case "documentSigned":
    event.payload.downloadPath satisfies string;
    // @ts-expect-error the signed-document event carries no status
    void event.payload.status;
    break;
}

// Every payload about a dossier has its ids; only notification's webhook endpoint events are about something else.
if (event.name !== "notificationEndpointSuspended" && event.name !== "notificationEndpointResumed")
  event.payload.dossierId satisfies string;
// @ts-expect-error an endpoint event names no dossier, so the ids need narrowing
void event.payload.dossierId;
statusCarriedBy(event) satisfies number | undefined;

lifecycleEvent("supplementRequested", { dossierId: "d", missingItems: ["Tờ khai"] });
// @ts-expect-error an event name not in the catalog
lifecycleEvent("supplementRequestd", { dossierId: "d" });
// @ts-expect-error a misspelt payload field
lifecycleEvent("supplementRequested", { dossierId: "d", missingItem: ["Tờ khai"] });
// @ts-expect-error a payload field of the wrong type
lifecycleEvent("supplementRequested", { dossierId: "d", missingItems: "Tờ khai" });
