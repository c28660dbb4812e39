import type { HttpApp } from "@lienthong/service-host";
import { z } from "zod";
import { MAX_ATTACHMENTS, attachmentUploadSchema } from "../use-cases/attachments";
import { applicationView, getApplication } from "../use-cases/get-application";
import { listApplications, listSchema } from "../use-cases/list-applications";
import { lookupStatus, type LookupRateLimiter } from "../use-cases/lookup-status";
import type { IntakePorts } from "../use-cases/ports";
import { provideSupplement, supplementSchema } from "../use-cases/provide-supplement";
import { getProcedure, getUnit, resolveOldUnit } from "../use-cases/reference-data";
import { submissionSchema } from "../use-cases/submission-schema";
import { submitApplication } from "../use-cases/submit-application";
import { withdrawApplication, withdrawalSchema } from "../use-cases/withdraw-application";
import { applicationForOperator } from "../auth/access";
import { CLIENT, OPERATOR, PUBLIC_LOOKUP, REFERENCE_DATA } from "./access";

/**
 * What intake answers, as its OpenAPI document describes it; each handler is
 * typed against its route's schemas (service-host's ResponseBodyOf).
 */
const timelineEntry = z.object({
  status: z.number().int().meta({ description: "The status after the event; 0 for events that do not change it" }),
  eventType: z.string(),
  occurredAt: z.string(),
  source: z.string(),
  eventId: z.string(),
});

const applicationSchema = z
  .object({
    dossierId: z.string(),
    dossierCode: z.string().meta({ description: "The dossier code (mã hồ sơ) printed on the receipt" }),
    status: z.number().int().meta({ description: "The dossier status, 1 to 10 (Decision 766 codes)" }),
    procedureCode: z.string(),
    receivingUnitCode: z.string(),
    applicantCommuneCode: z.string(),
    channel: z.number().int().meta({ description: "1 online, 2 counter, 3 post" }),
    submittedAt: z.string(),
    appointmentAt: z.string().optional().meta({ description: "The appointment for the result, once known" }),
    competentAuthorityCode: z.string(),
    competentAuthorityName: z.string(),
    attachments: z.array(
      z.object({ name: z.string(), mediaType: z.string(), sizeBytes: z.number().int(), sha256: z.string() }),
    ),
    timeline: z.array(timelineEntry),
    resultDocumentPath: z.string(),
  })
  .meta({ id: "Application", description: "An application as its commune system sees it: no applicant's data" });

/**
 * Over REST an attachment's content comes as contentBase64: the bytes field
 * is gRPC's, which JSON cannot carry. The REST bodies are the use cases'
 * schemas with that field left out.
 */
const restAttachments = z
  .array(attachmentUploadSchema.omit({ content: true }))
  .max(MAX_ATTACHMENTS)
  .default([]);

const applicationResponse = z.object({ application: applicationSchema });

const dossierRefParams = z.object({
  dossierRef: z.string().meta({ description: "The dossier's id or its code" }),
});

const publicStatusSchema = z.object({
  dossierCode: z.string(),
  status: z.number().int(),
  statusLabel: z.string(),
  procedureName: z.string(),
  submittedAt: z.string(),
  appointmentAt: z.string().optional(),
  resultDownloadPath: z.string().optional().meta({ description: "Once the result is signed: where to download it" }),
  resultDownloadExpiresAt: z.string().optional(),
  slips: z
    .array(
      z.object({
        kind: z
          .number()
          .int()
          .meta({ description: "1 receipt, 2 supplement request, 3 refusal, 4 apology (SlipKind)" }),
        issuedAt: z.string(),
        downloadPath: z.string().meta({ description: "Signature's public download link, valid ten minutes" }),
        downloadExpiresAt: z.string(),
      }),
    )
    .meta({ description: "The desk's signed slips, oldest first" }),
});

const unitSchema = z
  .object({
    code: z.string(),
    name: z.string(),
    fullName: z.string(),
    kind: z.string(),
    provinceCode: z.string(),
    provinceName: z.string(),
  })
  .meta({ id: "Unit" });

const procedureSchema = z.object({
  code: z.string(),
  version: z.number().int(),
  validFrom: z.string(),
  name: z.string(),
  field: z.string(),
  level: z.string(),
  agencyKind: z.string(),
  competentAgency: z.string().meta({ description: "Cơ quan thực hiện, without its place" }),
  processingTimeValue: z.number().meta({ description: "In person and by post" }),
  processingTimeUnit: z.string(),
  feeVnd: z.number().meta({ description: "In person and by post" }),
  onlineProcessingTimeValue: z.number().meta({ description: "0 (and the unit and fee empty) when not offered online" }),
  onlineProcessingTimeUnit: z.string(),
  onlineFeeVnd: z.number(),
  onlineService: z.string().meta({
    description:
      '"full" (toàn trình), "partial" (một phần), "none" (not offered online: online submissions are refused), "" when the catalog does not say',
  }),
  legalBasis: z.array(z.string()),
  resultType: z.string(),
  requiredDocuments: z.array(z.string()),
  allowsSuspension: z.boolean(),
  allowsExtension: z.boolean(),
  formFields: z.array(
    z.object({ name: z.string(), label: z.string(), required: z.boolean(), pattern: z.string().optional() }),
  ),
});

/** REST for commune systems, the portal and the public: thin, every rule lives in the use cases. */
export function intakeRoutes(
  http: HttpApp,
  ports: IntakePorts,
  lookupLimiter: LookupRateLimiter,
  bodyLimitBytes: number,
): void {
  http.route({
    method: "post",
    path: "/v1/applications",
    access: CLIENT,
    body: { json: { limitBytes: bodyLimitBytes } },
    doc: {
      operationId: "submitApplication",
      summary: "Submit an application (nộp hồ sơ)",
      description: "Answers 201 when the dossier is created, 200 when the Idempotency-Key names one already created.",
      headers: z.object({
        "idempotency-key": z.string().max(200).optional().meta({ description: "Makes a retried submission safe" }),
      }),
      body: submissionSchema.safeExtend({ attachments: restAttachments }),
      responses: {
        201: { description: "Created; Location names the dossier", json: applicationResponse },
        200: { description: "Already created with this Idempotency-Key", json: applicationResponse },
      },
    },
    handle: async (request, response, caller) => {
      const idempotencyKey = request.header("idempotency-key");
      const body: unknown = request.body;
      const input = idempotencyKey && typeof body === "object" && body !== null ? { ...body, idempotencyKey } : body;
      const { application, created } = await submitApplication(ports, caller.client, input);
      response
        .status(created ? 201 : 200)
        .location(`/v1/applications/${application.dossierCode}`)
        .setHeader("idempotent-replayed", String(!created))
        .json({ application: applicationView(application) });
    },
  });

  http.route({
    method: "get",
    path: "/v1/applications",
    access: CLIENT,
    doc: {
      operationId: "listApplications",
      summary: "The caller's applications, newest first, a page at a time",
      query: listSchema,
      responses: {
        200: {
          description: "A page; nextPageToken is empty on the last",
          json: z.object({ applications: z.array(applicationSchema), nextPageToken: z.string() }),
        },
      },
    },
    handle: async (request, response, caller) => {
      const page = await listApplications(ports, caller.client, request.query);
      response.json({ applications: page.applications.map(applicationView), nextPageToken: page.nextPageToken ?? "" });
    },
  });

  http.route({
    method: "get",
    path: "/v1/applications/:dossierRef",
    access: CLIENT,
    doc: {
      operationId: "getApplication",
      summary: "One application with its timeline",
      params: dossierRefParams,
      responses: { 200: { description: "The application", json: applicationResponse } },
    },
    handle: async (request, response, caller) => {
      const application = await getApplication(ports, caller.client, String(request.params.dossierRef));
      response.json({ application: applicationView(application) });
    },
  });

  http.route({
    method: "get",
    path: "/ops/applications/:dossierRef",
    access: OPERATOR,
    doc: {
      operationId: "getApplicationForOperator",
      summary: "One application with its timeline, for the province's operators (no personal data)",
      params: dossierRefParams,
      responses: { 200: { description: "The application", json: applicationResponse } },
    },
    handle: async (request, response, caller) => {
      const application = await applicationForOperator(ports, caller.official, String(request.params.dossierRef));
      response.json({ application: applicationView(application) });
    },
  });

  http.route({
    method: "post",
    path: "/v1/applications/:dossierRef/supplement",
    access: CLIENT,
    body: { json: { limitBytes: bodyLimitBytes } },
    doc: {
      operationId: "provideSupplement",
      summary: "Provide what a supplement request asked for (bổ sung hồ sơ)",
      params: dossierRefParams,
      body: supplementSchema.safeExtend({ attachments: restAttachments }),
      responses: { 200: { description: "The application", json: applicationResponse } },
    },
    handle: async (request, response, caller) => {
      const application = await provideSupplement(
        ports,
        caller.client,
        String(request.params.dossierRef),
        request.body,
      );
      response.json({ application: applicationView(application) });
    },
  });

  // 202: the request is recorded; the status becomes 7 when routing confirms the withdrawal.
  http.route({
    method: "post",
    path: "/v1/applications/:dossierRef/withdrawal",
    access: CLIENT,
    doc: {
      operationId: "requestWithdrawal",
      summary: "Ask to withdraw the application (rút hồ sơ); routing decides",
      params: dossierRefParams,
      body: withdrawalSchema,
      responses: {
        202: {
          description: "Recorded; the status becomes 7 when routing confirms",
          json: z.object({ application: applicationSchema, withdrawalRequestedAt: z.string().nullable() }),
        },
      },
    },
    handle: async (request, response, caller) => {
      const application = await withdrawApplication(
        ports,
        caller.client,
        String(request.params.dossierRef),
        request.body,
      );
      response
        .status(202)
        .json({ application: applicationView(application), withdrawalRequestedAt: application.withdrawalRequestedAt });
    },
  });

  http.route({
    method: "get",
    path: "/v1/public/status/:dossierCode",
    access: PUBLIC_LOOKUP,
    doc: {
      operationId: "lookupStatus",
      summary: "A citizen's status lookup by dossier code and second factor (tra cứu hồ sơ)",
      description: "An unknown code and a wrong factor answer the same 404; past the rate limit, 429 with Retry-After.",
      query: z.object({
        factor: z.string().meta({ description: "The last four digits of the applicant's citizen ID or phone" }),
      }),
      responses: { 200: { description: "Status, procedure and dates only", json: publicStatusSchema } },
    },
    handle: async (request, response) => {
      response.setHeader("cache-control", "no-store");
      const factor = request.query.factor;
      // Past a limit the host answers 429 with Retry-After from the error's retryAfterSeconds.
      const status = await lookupStatus(ports, lookupLimiter, {
        clientIp: request.ip ?? "unknown",
        dossierCode: String(request.params.dossierCode),
        secondFactor: typeof factor === "string" ? factor : "",
      });
      response.json(status);
    },
  });

  http.route({
    method: "get",
    path: "/v1/units/resolve-old/:oldCode",
    access: REFERENCE_DATA,
    doc: {
      operationId: "resolveOldUnit",
      summary: "The commune(s) a pre-July-2025 commune code now belongs to",
      responses: {
        200: {
          description: "Unique, ambiguous (every candidate) or unknown",
          json: z.object({ resolution: z.enum(["unique", "ambiguous", "unknown"]), candidates: z.array(unitSchema) }),
        },
      },
    },
    handle: async (request, response) => {
      response.json(resolveOldUnit(ports, String(request.params.oldCode)));
    },
  });

  http.route({
    method: "get",
    path: "/v1/units/:code",
    access: REFERENCE_DATA,
    doc: {
      operationId: "getUnit",
      summary:
        "A province (2 digits), a commune-level unit (5 digits) or a receiving unit above the commune (38.TTPVHCC)",
      responses: { 200: { description: "The unit", json: z.object({ unit: unitSchema }) } },
    },
    handle: async (request, response) => {
      response.json({ unit: getUnit(ports, String(request.params.code)) });
    },
  });

  http.route({
    method: "get",
    path: "/v1/procedures/:code",
    access: REFERENCE_DATA,
    doc: {
      operationId: "getProcedure",
      summary: "An administrative procedure (thủ tục hành chính), the version valid now",
      responses: { 200: { description: "The procedure and its form", json: z.object({ procedure: procedureSchema }) } },
    },
    handle: async (request, response) => {
      response.json({ procedure: getProcedure(ports, String(request.params.code)) });
    },
  });
}
