import type { Request } from "express";
import { PUBLIC_DOCUMENTS_PATH, type HttpApp } from "@lienthong/service-host";
import { signFile, verifyFileSignature } from "../use-cases/cades";
import { getSignedDocument } from "../use-cases/get-document";
import { MAX_FILE_BYTES, MAX_JSON_BYTES, MAX_PDF_BYTES } from "../use-cases/limits";
import type { SignaturePorts } from "../use-cases/ports";
import { downloadByPublicLink } from "../use-cases/public-download";
import { signDocument } from "../use-cases/sign-document";
import { verifyDocument } from "../use-cases/verify-document";
import { PUBLIC_DOWNLOAD, READ_DOCUMENT, SIGN, VERIFY } from "./access";

const pdfBody = { raw: { type: "application/pdf", limitBytes: MAX_PDF_BYTES } };
const fileBody = { raw: { type: "*/*", limitBytes: MAX_FILE_BYTES } };
const jsonBody = { json: { limitBytes: MAX_JSON_BYTES } };

/** signature's REST routes; each declares its access (api/access.ts), the host authenticates before any body. */
export function signatureRoutes(http: HttpApp, ports: SignaturePorts): void {
  http.route({
    method: "get",
    path: "/v1/documents/:documentId",
    access: READ_DOCUMENT,
    handle: async (request, response, caller) => {
      const { record, bytes } = await getSignedDocument(ports, caller, String(request.params.documentId));
      response
        .type("application/pdf")
        .setHeader("content-disposition", `inline; filename="${record.dossierCode || record.documentId}.pdf"`)
        .setHeader("digest", `sha-256=${Buffer.from(record.sha256, "hex").toString("base64")}`)
        .send(bytes);
    },
  });

  // The applicant's download: the link is the credential, and the query carries it — never logged (the request log
  // names the route template, spans lose url.query), never cached, never sent on as a referrer.
  http.route({
    method: "get",
    path: `${PUBLIC_DOCUMENTS_PATH}/:documentId`,
    access: PUBLIC_DOWNLOAD,
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
