import { invalidField, notFound, permissionDenied } from "@lienthong/errors";
import type { HttpApp } from "@lienthong/service-host";
import { z } from "zod";
import { signatureVerifies } from "../channels/webhook";
import { DELIVERY_STATES, DELIVERY_STATUSES } from "../store/collections";
import { listDeliveries } from "../use-cases/list-deliveries";
import { listEndpoints, listParked, redriveEndpoint, resendDelivery } from "../use-cases/operations";
import type { NotificationPorts } from "../use-cases/ports";
import { recordReceipt } from "../use-cases/record-receipt";
import { previewTemplate } from "../use-cases/preview-template";
import { TEMPLATED_EVENT_NAMES, TEMPLATE_LANGUAGES } from "../templates/variables";
import { NotADsn, readDsn } from "../channels/dsn";
import { recordDsn } from "../use-cases/record-dsn";
import { COMMUNE_SYSTEM, GATEWAY_RECEIPT, MAIL_DSN, OPERATOR } from "./access";

/**
 * What notification answers, as its OpenAPI document describes it; each
 * handler is typed against its route's schemas (service-host's ResponseBodyOf).
 */
const deliveryState = z.enum(DELIVERY_STATES);

const deliveryStatus = z
  .enum(DELIVERY_STATUSES)
  .meta({ description: "Where the message stands, in GOV.UK Notify's words" });

const templateRefSchema = z
  .object({
    name: z.enum(TEMPLATED_EVENT_NAMES),
    language: z.enum(TEMPLATE_LANGUAGES),
    version: z.number().int(),
    source: z.enum(["shipped", "province"]),
  })
  .meta({ id: "TemplateRef", description: "The template an applicant's message was rendered from" });

const previewBody = z
  .object({
    eventType: z.enum(TEMPLATED_EVENT_NAMES),
    language: z.enum(TEMPLATE_LANGUAGES),
    variables: z
      .record(z.string(), z.union([z.string(), z.boolean(), z.array(z.string())]))
      .default({})
      .meta({ description: "Values replacing the sample's: text as a string, a flag as a boolean, a list as strings" }),
  })
  .strict();

const previewResponse = z.object({
  template: templateRefSchema,
  email: z.object({ subject: z.string(), text: z.string(), html: z.string() }),
  sms: z.object({ text: z.string(), segments: z.number().int(), encoding: z.enum(["GSM-7", "UCS-2"]) }),
  zns: z.record(z.string(), z.string()),
});

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
    template: templateRefSchema.optional(),
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
  /** MAIL_DSN_SECRET (and its previous one): signs the mailbox pipe's delivery status notifications. */
  mail?: readonly string[];
}

/** A DSN returns the original message or its headers: ample, well below a mail's size limits. */
const DSN_LIMIT_BYTES = 1024 * 1024;

/** The headers of a body signed per Standard Webhooks: the gateways' receipts and the mailbox pipe's DSNs. */
const standardWebhookHeaders = z.object({
  "webhook-id": z.string(),
  "webhook-timestamp": z.string(),
  "webhook-signature": z.string(),
});
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
        headers: standardWebhookHeaders,
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
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        refuseUnsigned(ports, secrets, raw, (name) => request.get(name), {
          action: `record_${gateway}_receipt`,
          gateway,
          what: "delivery receipt",
          secret: "the gateway's receipt secret",
        });
        const receipt = receiptBody.safeParse(parsedJson(raw.toString("utf8")));
        if (!receipt.success) throw invalidField("body", "is not a delivery receipt: {requestId, status}");
        response.json({ outcome: await recordReceipt(ports, gateway, receipt.data) });
      },
    });
  }
  http.route({
    method: "post",
    path: "/ops/templates/preview",
    access: OPERATOR,
    doc: {
      operationId: "previewTemplate",
      summary: "Render an applicant's template in force with sample data (nothing is sent; audited)",
      body: previewBody,
      responses: { 200: { description: "What the applicant would read, on every channel", json: previewResponse } },
    },
    handle: async (request, response, caller) => {
      const body = previewBody.safeParse(request.body);
      if (!body.success) {
        const issue = body.error.issues[0];
        throw invalidField(issue?.path.join(".") || "body", issue?.message ?? "is not a preview request");
      }
      response.json(previewTemplate(ports, caller, body.data));
    },
  });
  http.route({
    method: "post",
    path: "/v1/delivery-receipts/mail",
    access: MAIL_DSN,
    body: { raw: { type: "message/rfc822", limitBytes: DSN_LIMIT_BYTES } },
    doc: {
      operationId: "recordMailDsn",
      summary: "A delivery status notification (RFC 3464) for one of the applicants' mails",
      description:
        "The DSN as the mail server returned it (`multipart/report; report-type=delivery-status`), as a " +
        "`message/rfc822` body signed per Standard Webhooks with MAIL_DSN_SECRET. Matched by the original " +
        "Message-ID (any it was sent with): `failed` makes the mail a permanent failure, `delivered` delivered; " +
        "`relayed` and `delayed` confirm nothing; a DSN of a copy an operator's resend replaced is `superseded`.",
      headers: standardWebhookHeaders,
      responses: {
        200: {
          description: "Recorded, already settled, or a delay noted",
          json: z.object({ outcome: z.enum(["recorded", "already-settled", "superseded", "delayed"]) }),
        },
      },
    },
    handle: async (request, response) => {
      const secrets = receiptSecrets.mail;
      if (!secrets) throw notFound("delivery receipts of gateway", "mail");
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // Signed over the bytes as sent: a DSN may return an 8-bit message.
      refuseUnsigned(ports, secrets, raw, (name) => request.get(name), {
        action: "record_mail_dsn",
        gateway: "mail",
        what: "delivery status notification",
        secret: "MAIL_DSN_SECRET",
      });
      const dsn = await readDsn(raw).catch((error: unknown) => {
        throw error instanceof NotADsn
          ? invalidField("body", `is not a delivery status notification: ${error.message}`)
          : error;
      });
      response.json({ outcome: await recordDsn(ports, dsn) });
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

/**
 * A provider's report (a gateway's receipt, a DSN) that does not verify with its secret is 403, audited and logged:
 * a forged or stale one is someone trying to settle citizens' messages.
 */
function refuseUnsigned(
  ports: NotificationPorts,
  secrets: readonly string[],
  raw: Buffer,
  header: (name: string) => string | undefined,
  report: { action: string; gateway: string; what: string; secret: string },
): void {
  const headers = Object.fromEntries(
    ["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, header(name) ?? ""]),
  );
  if (signatureVerifies(secrets, raw, headers)) return;
  ports.audit({ action: report.action, outcome: "denied", target: `delivery-receipts:${report.gateway}` });
  ports.logger.warn(
    { gateway: report.gateway },
    `${report.what} refused: its signature does not verify with ${report.secret}, or its timestamp is outside the replay window`,
  );
  throw permissionDenied(`the ${report.what}'s signature does not verify with ${report.secret}`);
}
