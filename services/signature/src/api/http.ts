import type { Request } from "express";
import { PUBLIC_DOCUMENTS_PATH, type HttpApp } from "@lienthong/service-host";
import { z } from "zod";
import { SLIP_FORMS, type SlipKind } from "../pdf/slip-document";
import { signFile, verifyFileSignature } from "../use-cases/cades";
import { getSignedDocument } from "../use-cases/get-document";
import { listSlips } from "../use-cases/list-slips";
import { slipView } from "../use-cases/slip-view";
import { MAX_FILE_BYTES, MAX_JSON_BYTES, MAX_PDF_BYTES } from "../use-cases/limits";
import type { SignaturePorts } from "../use-cases/ports";
import { downloadByPublicLink } from "../use-cases/public-download";
import { signDocument } from "../use-cases/sign-document";
import { verifyDocument } from "../use-cases/verify-document";
import { PUBLIC_DOWNLOAD, READ_DOCUMENT, READ_SLIPS, SIGN, VERIFY } from "./access";

const pdfBody = { raw: { type: "application/pdf", limitBytes: MAX_PDF_BYTES } };
const fileBody = { raw: { type: "*/*", limitBytes: MAX_FILE_BYTES } };
const jsonBody = { json: { limitBytes: MAX_JSON_BYTES } };

/**
 * What signature answers, as its OpenAPI document describes it; each handler
 * is typed against its route's schemas (service-host's ResponseBodyOf). Dates
 * are sent as ISO 8601 strings (JSON), which the document says.
 */
const indication = z.enum(["TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED"]);
const verificationReason = z.enum([
  "NOT_SIGNED",
  "FORMAT_FAILURE",
  "HASH_FAILURE",
  "SIG_CRYPTO_FAILURE",
  "CHANGED_AFTER_SIGNING",
  "REVOKED",
  "SIGNING_CERTIFICATE_MISMATCH",
  "WEAK_ALGORITHM",
  "NO_CERTIFICATE_CHAIN_FOUND",
  "KEY_USAGE_NOT_ALLOWED",
  "OUT_OF_BOUNDS",
  "REVOKED_NO_POE",
  "TIMESTAMP_INVALID",
  "REVOCATION_UNKNOWN",
]);

const signatureReportSchema = z.object({
  index: z.number().int(),
  indication,
  reason: verificationReason.optional(),
  format: z.string(),
  level: z.enum(["B-B", "B-T", "B-LT"]).optional(),
  signer: z
    .object({
      subject: z.string(),
      issuer: z.string(),
      serialNumber: z.string(),
      commonName: z.string().optional(),
    })
    .optional(),
  signingTime: z.date().optional(),
  signingTimeSource: z.enum(["timestamp", "claimed", "none"]),
  algorithm: z.string().optional(),
  algorithmApproved: z.boolean().optional(),
  integrity: z.object({
    intact: z.boolean(),
    coversWholeDocument: z.boolean().optional(),
    changedAfterSigning: z.boolean().optional(),
  }),
  chain: z.object({ trusted: z.boolean(), path: z.array(z.string()) }),
  revocation: z.object({
    status: z.enum(["good", "revoked", "unknown"]),
    revokedAt: z.date().optional(),
    source: z.enum(["document", "service"]).optional(),
  }),
  timestamp: z.object({ valid: z.boolean(), time: z.date().optional(), authority: z.string().optional() }).optional(),
  messageVi: z.string(),
  messageEn: z.string(),
});

const verificationReportSchema = z
  .object({
    valid: z.boolean().meta({ description: "Every signature TOTAL_PASSED" }),
    integrityOk: z.boolean(),
    chainTrusted: z.boolean(),
    signerSubject: z.string().optional(),
    issuerSubject: z.string().optional(),
    signedAt: z.date().optional(),
    failure: verificationReason.optional(),
    reportVi: z.string(),
    reportEn: z.string(),
    signatures: z.array(signatureReportSchema),
  })
  .meta({ id: "VerificationReport", description: "ETSI EN 319 102-1 indications, per signature and in summary" });

const signingQuery = {
  level: z.enum(["B-B", "B-T", "B-LT"]).optional().meta({ description: "The configured level when absent" }),
  competentAuthorityCode: z
    .string()
    .optional()
    .meta({ description: "The unit signed for; absent: the official's one unit the calling system acts for" }),
};

const documentIdParams = z.object({ documentId: z.string() });

/** The slip kinds the renderer knows, in form order: the API's enum follows the forms' table. */
const SLIP_KIND_NAMES = Object.keys(SLIP_FORMS) as [SlipKind, ...SlipKind[]];

const slipSchema = z
  .object({
    documentId: z.string(),
    dossierId: z.string(),
    dossierCode: z.string(),
    kind: z.enum(SLIP_KIND_NAMES).meta({
      description: `Circular 03/2025/TT-VPCP Appendix I: ${SLIP_KIND_NAMES.map((kind) => `${kind} = form ${SLIP_FORMS[kind].form}`).join(", ")}`,
    }),
    issuedAt: z.string(),
    officialId: z.string().meta({ description: "The issuing official's staff id" }),
    signerSubject: z.string(),
    sha256: z.string(),
    sizeBytes: z.number().int(),
    downloadPath: z.string().meta({ description: "GET it (getSignedDocument) for the signed PDF" }),
  })
  .meta({ id: "Slip", description: "A desk slip, signed by the official who issued it" });

/** signature's REST routes; each declares its access (api/access.ts), the host authenticates before any body. */
export function signatureRoutes(http: HttpApp, ports: SignaturePorts): void {
  http.route({
    method: "get",
    path: "/v1/documents/:documentId",
    access: READ_DOCUMENT,
    doc: {
      operationId: "getSignedDocument",
      summary: "A signed document of a dossier the caller may read",
      params: documentIdParams,
      responses: { 200: { description: "The signed PDF; Digest carries its SHA-256", bytes: "application/pdf" } },
    },
    handle: async (request, response, caller) => {
      const { record, bytes } = await getSignedDocument(ports, caller, String(request.params.documentId));
      response
        .type("application/pdf")
        .setHeader("content-disposition", `inline; filename="${record.dossierCode || record.documentId}.pdf"`)
        .setHeader("digest", `sha-256=${Buffer.from(record.sha256, "hex").toString("base64")}`)
        .send(bytes);
    },
  });

  http.route({
    method: "get",
    path: "/v1/dossiers/:dossierRef/slips",
    access: READ_SLIPS,
    doc: {
      operationId: "listSlips",
      summary: "A dossier's desk slips (receipt, supplement request, refusal, apology), oldest first",
      params: z.object({ dossierRef: z.string().meta({ description: "The dossier's id or its code" }) }),
      responses: { 200: { description: "The slips", json: z.object({ slips: z.array(slipSchema) }) } },
    },
    handle: async (request, response, caller) => {
      const slips = await listSlips(ports, caller, String(request.params.dossierRef));
      response.json({ slips: slips.map(slipView) });
    },
  });

  // The applicant's download: the link is the credential, and the query carries it — never logged (the request log
  // names the route template, spans lose url.query), never cached, never sent on as a referrer.
  http.route({
    method: "get",
    path: `${PUBLIC_DOCUMENTS_PATH}/:documentId`,
    access: PUBLIC_DOWNLOAD,
    doc: {
      operationId: "downloadResult",
      summary: "The applicant's download of a signed result, by the link the status lookup handed out",
      params: documentIdParams,
      query: z.object({
        expires: z.string().meta({ description: "From the link: when it expires (Unix seconds)" }),
        signature: z.string().meta({ description: "From the link: its signature" }),
      }),
      responses: { 200: { description: "The signed PDF, as an attachment", bytes: "application/pdf" } },
    },
    handle: async (request, response) => {
      response.setHeader("cache-control", "no-store").setHeader("referrer-policy", "no-referrer");
      const { record, bytes } = await downloadByPublicLink(ports, {
        documentId: String(request.params.documentId),
        expires: request.query.expires,
        signature: request.query.signature,
      });
      response
        .type("application/pdf")
        .setHeader("content-disposition", `attachment; filename="${record.dossierCode}.pdf"`)
        .setHeader("x-content-type-options", "nosniff")
        .setHeader("digest", `sha-256=${Buffer.from(record.sha256, "hex").toString("base64")}`)
        .send(bytes);
    },
  });

  http.route({
    method: "post",
    path: "/v1/documents/verify",
    access: VERIFY,
    body: pdfBody,
    doc: {
      operationId: "verifyDocument",
      summary: "Verify every signature of a PDF (PAdES)",
      responses: { 200: { description: "The verification report", json: verificationReportSchema } },
    },
    handle: async (request, response) => {
      response.json(await verifyDocument(ports, bodyBytes(request.body)));
    },
  });

  // ?signerId= is no longer read: the signer is the official whose token the request carries.
  http.route({
    method: "post",
    path: "/v1/documents/sign",
    access: SIGN,
    body: pdfBody,
    doc: {
      operationId: "signDocument",
      summary: "Sign a PDF with the key of the official whose token the call carries (PAdES)",
      query: z.object({
        reason: z.string().optional().meta({ description: "Written into the signature" }),
        location: z.string().optional().meta({ description: "Written into the signature" }),
        ...signingQuery,
      }),
      responses: {
        201: { description: "The signed PDF; X-Document-Id names the kept document", bytes: "application/pdf" },
      },
    },
    handle: async (request, response, caller) => {
      const { record, signed } = await signDocument(ports, caller, {
        pdf: bodyBytes(request.body),
        reason: query(request, "reason"),
        location: query(request, "location"),
        level: query(request, "level"),
        competentAuthorityCode: query(request, "competentAuthorityCode"),
      });
      response.status(201).type("application/pdf").setHeader("x-document-id", record.documentId).send(signed);
    },
  });

  // CAdES: a detached signature (.p7s) over any file, and its verification.
  http.route({
    method: "post",
    path: "/v1/signatures/cades",
    access: SIGN,
    body: fileBody,
    doc: {
      operationId: "signFile",
      summary: "A detached CAdES signature (.p7s) over any file",
      query: z.object(signingQuery),
      responses: { 201: { description: "The detached signature", bytes: "application/pkcs7-signature" } },
    },
    handle: async (request, response, caller) => {
      const signature = await signFile(ports, caller, {
        content: bodyBytes(request.body),
        level: query(request, "level"),
        competentAuthorityCode: query(request, "competentAuthorityCode"),
      });
      response.status(201).type("application/pkcs7-signature").send(signature);
    },
  });

  http.route({
    method: "post",
    path: "/v1/signatures/cades/verify",
    access: VERIFY,
    body: jsonBody,
    doc: {
      operationId: "verifyFileSignature",
      summary: "Verify a detached CAdES signature over a file",
      body: z.object({
        content: z.string().meta({ description: "The signed file, base64" }),
        signature: z.string().meta({ description: "The .p7s, base64" }),
      }),
      responses: { 200: { description: "The verification report", json: verificationReportSchema } },
    },
    handle: async (request, response) => {
      const body = (request.body ?? {}) as { content?: unknown; signature?: unknown };
      const base64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : "", "base64");
      response.json(
        await verifyFileSignature(ports, { content: base64(body.content), signature: base64(body.signature) }),
      );
    },
  });
}

function query(request: Request, name: string): string | undefined {
  const value = request.query[name];
  return typeof value === "string" ? value : undefined;
}

function bodyBytes(body: unknown): Uint8Array {
  return Buffer.isBuffer(body) ? body : new Uint8Array();
}
