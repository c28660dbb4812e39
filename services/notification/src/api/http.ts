import { invalidField, notFound, permissionDenied } from "@lienthong/errors";
import type { HttpApp } from "@lienthong/service-host";
import { z } from "zod";
import { signatureVerifies } from "../channels/webhook";
import { DELIVERY_STATES, DELIVERY_STATUSES } from "../store/collections";
import { listDeliveries } from "../use-cases/list-deliveries";
import { listEndpoints, listParked, redriveEndpoint, resendDelivery } from "../use-cases/operations";
import type { NotificationPorts } from "../use-cases/ports";
import { recordReceipt } from "../use-cases/record-receipt";
import { COMMUNE_SYSTEM, GATEWAY_RECEIPT, OPERATOR } from "./access";

/**
 * What notification answers, as its OpenAPI document describes it; each
 * handler is typed against its route's schemas (service-host's ResponseBodyOf).
 */
const deliveryState = z.enum(DELIVERY_STATES);

const deliveryStatus = z
  .enum(DELIVERY_STATUSES)
  .meta({ description: "Where the message stands, in GOV.UK Notify's words" });

const deliverySchema = z
  .object({
    notificationId: z.string(),
    dossierId: z.string(),
    dossierCode: z.string(),
    channel: z.number().int().meta({ description: "The channel (email, SMS, Zalo, webhook), as in the contracts" }),
    recipientKind: z.number().int().meta({ description: "Applicant or commune system, as in the contracts" }),
    triggerType: z.string().meta({ description: "The event type that caused it" }),
    state: z
      .number()
      .int()
      .meta({ description: "1 pending, 2 delivered, 3 failed, 4 held, 5 sent (awaiting a receipt)" }),
    stateName: deliveryState,
    status: deliveryStatus,
    history: z
      .array(z.object({ status: deliveryStatus, at: z.string(), reason: z.string() }))
      .meta({ description: "Every status it went through, oldest first" }),
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
/** A gateway's delivery receipt, once its signature verified. */
const receiptBody = z.object({
  requestId: z.string().min(1).max(64),
  status: z.enum(["delivered", "permanent-failure", "temporary-failure"]),
});

const RECEIPT_LIMIT_BYTES = 16 * 1024;

/** A signed body's JSON, or undefined when it is not JSON (the schema then refuses it: 400). */
function parsedJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The secrets each gateway signs its receipts with (Standard Webhooks), `[current, previous?]`; a gateway without them sends none. */
export interface ReceiptSecrets {
  sms?: readonly string[];
  zns?: readonly string[];
}

export function notificationRoutes(http: HttpApp, ports: NotificationPorts, receiptSecrets: ReceiptSecrets): void {
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
  for (const gateway of ["sms", "zns"] as const) {
    http.route({
      method: "post",
      path: `/v1/delivery-receipts/${gateway}`,
      access: GATEWAY_RECEIPT,
      body: { raw: { type: "application/json", limitBytes: RECEIPT_LIMIT_BYTES } },
      doc: {
        operationId: gateway === "sms" ? "recordSmsReceipt" : "recordZnsReceipt",
        summary: `The ${gateway.toUpperCase()} gateway's delivery receipt for one message`,
        description:
          'A JSON body `{"requestId", "status": "delivered" | "permanent-failure" | "temporary-failure"}`, ' +
          "signed per Standard Webhooks with the gateway's receipt secret. A repeated receipt changes nothing.",
        headers: z.object({
          "webhook-id": z.string(),
          "webhook-timestamp": z.string(),
          "webhook-signature": z.string(),
        }),
        responses: {
          200: {
            description: "Recorded, or already known",
            json: z.object({ outcome: z.enum(["recorded", "already-settled", "superseded"]) }),
          },
        },
      },
      handle: async (request, response) => {
        const secrets = receiptSecrets[gateway];
        if (!secrets) throw notFound("delivery receipts of gateway", gateway);
        const body = Buffer.isBuffer(request.body) ? request.body.toString("utf8") : "";
        const headers = Object.fromEntries(
          ["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, request.get(name) ?? ""]),
        );
        if (!signatureVerifies(secrets, body, headers)) {
          // Audited and logged: a forged or stale receipt is someone trying to settle citizens' messages.
          ports.audit({
            action: `record_${gateway}_receipt`,
            outcome: "denied",
            target: `delivery-receipts:${gateway}`,
          });
          ports.logger.warn(
            { gateway },
            "delivery receipt refused: its signature does not verify with the gateway's receipt secret, or its timestamp is outside the replay window",
          );
          throw permissionDenied("the receipt's signature does not verify with the gateway's receipt secret");
        }
        const receipt = receiptBody.safeParse(parsedJson(body));
        if (!receipt.success) throw invalidField("body", "is not a delivery receipt: {requestId, status}");
        response.json({ outcome: await recordReceipt(ports, gateway, receipt.data) });
      },
    });
  }
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
