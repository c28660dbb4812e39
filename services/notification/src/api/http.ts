import type { HttpApp } from "@lienthong/service-host";
import { z } from "zod";
import { listDeliveries } from "../use-cases/list-deliveries";
import { listEndpoints, listParked, redriveEndpoint, resendDelivery } from "../use-cases/operations";
import type { NotificationPorts } from "../use-cases/ports";
import { COMMUNE_SYSTEM, OPERATOR } from "./access";

/**
 * What notification answers, as its OpenAPI document describes it; each
 * handler is typed against its route's schemas (service-host's ResponseBodyOf).
 */
const deliveryState = z.enum(["pending", "held", "delivered", "failed"]);

const deliverySchema = z
  .object({
    notificationId: z.string(),
    dossierId: z.string(),
    dossierCode: z.string(),
    channel: z.number().int().meta({ description: "The channel (email, SMS, Zalo, webhook), as in the contracts" }),
    recipientKind: z.number().int().meta({ description: "Applicant or commune system, as in the contracts" }),
    triggerType: z.string().meta({ description: "The event type that caused it" }),
    state: z.number().int().meta({ description: "1 pending, 2 delivered, 3 failed, 4 held" }),
    stateName: deliveryState,
    attempts: z.number().int(),
    createdAt: z.string(),
    deliveredAt: z.string().optional(),
    lastError: z.string(),
  })
  .meta({ id: "Delivery", description: "One notification of a dossier: where it stands, never to whom" });

const deliveriesResponse = z.object({ deliveries: z.array(deliverySchema) });
const dossierRefParams = z.object({ dossierRef: z.string().meta({ description: "The dossier's id or its code" }) });

const endpointSchema = z.object({
  endpointId: z.string(),
  clientIds: z.array(z.string()),
  state: z.enum(["active", "suspended"]),
  consecutiveFailures: z.number().int(),
  suspendedAt: z.string().nullable(),
  nextProbeAt: z.string().nullable(),
  lastError: z.string(),
  held: z.number().int(),
  pending: z.number().int(),
});

const parkedDossierSchema = z.object({
  dossierId: z.string(),
  parkedSince: z.string().nullable(),
  alerted: z.boolean(),
  events: z.array(z.object({ eventId: z.string(), type: z.string(), parkedAt: z.string() })),
});

/**
 * REST: the deliveries of a dossier, for its commune systems and for operators
 * (one route each, as the host's Access names one kind of caller per route);
 * both reach the same use case, which decides who may read which dossier.
 * Operators also resend a delivery, see and redrive webhook endpoints, and see
 * the events parked until their dossier's submission arrives.
 */
export function notificationRoutes(http: HttpApp, ports: NotificationPorts): void {
  http.route({
    method: "get",
    path: "/v1/dossiers/:dossierRef/deliveries",
    access: COMMUNE_SYSTEM,
    doc: {
      operationId: "listDeliveries",
      summary: "Every delivery of a dossier, oldest first",
      params: dossierRefParams,
      responses: { 200: { description: "The deliveries", json: deliveriesResponse } },
    },
    handle: async (request, response, caller) => {
      response.json({ deliveries: await listDeliveries(ports, caller, String(request.params.dossierRef)) });
    },
  });
  http.route({
    method: "get",
    path: "/ops/dossiers/:dossierRef/deliveries",
    access: OPERATOR,
    doc: {
      operationId: "listDeliveriesForOperator",
      summary: "Every delivery of any dossier, for the province's operators",
      params: dossierRefParams,
      responses: { 200: { description: "The deliveries", json: deliveriesResponse } },
    },
    handle: async (request, response, caller) => {
      response.json({ deliveries: await listDeliveries(ports, caller, String(request.params.dossierRef)) });
    },
  });
  http.route({
    method: "post",
    path: "/ops/deliveries/:notificationId/resend",
    access: OPERATOR,
    body: "none",
    doc: {
      operationId: "resendDelivery",
      summary: "Send a settled delivery again (an operator's action, audited)",
      responses: {
        202: {
          description: "Queued again",
          json: z.object({ notificationId: z.string(), dossierId: z.string(), state: deliveryState }),
        },
      },
    },
    handle: async (request, response, caller) => {
      response.status(202).json(await resendDelivery(ports, caller, String(request.params.notificationId)));
    },
  });
  http.route({
    method: "get",
    path: "/ops/webhook-endpoints",
    access: OPERATOR,
    doc: {
      operationId: "listWebhookEndpoints",
      summary: "The webhook endpoints of the operator's province: health and what waits (never URLs or secrets)",
      responses: { 200: { description: "The endpoints", json: z.object({ endpoints: z.array(endpointSchema) }) } },
    },
    handle: async (_request, response, caller) => {
      response.json({ endpoints: await listEndpoints(ports, caller) });
    },
  });
  http.route({
    method: "post",
    path: "/ops/webhook-endpoints/:endpointId/redrive",
    access: OPERATOR,
    body: "none",
    doc: {
      operationId: "redriveWebhookEndpoint",
      summary: "Make a suspended endpoint active again and release what it held (audited)",
      responses: {
        202: {
          description: "Active again",
          json: z.object({ endpointId: z.string(), state: z.literal("active"), released: z.number().int() }),
        },
      },
    },
    handle: async (request, response, caller) => {
      response.status(202).json(await redriveEndpoint(ports, caller, String(request.params.endpointId)));
    },
  });
  http.route({
    method: "get",
    path: "/ops/parked-events",
    access: OPERATOR,
    doc: {
      operationId: "listParkedEvents",
      summary: "Dossiers whose events wait for their submission (ids and types only)",
      responses: {
        200: { description: "The waiting dossiers", json: z.object({ dossiers: z.array(parkedDossierSchema) }) },
      },
    },
    handle: async (_request, response, caller) => {
      response.json({ dossiers: await listParked(ports, caller) });
    },
  });
}
