import express, { Router } from "express";
import { signFile, verifyFileSignature } from "../use-cases/cades";
import { getSignedDocument } from "../use-cases/get-document";
import type { SignaturePorts } from "../use-cases/ports";
import { signDocument } from "../use-cases/sign-document";
import { verifyDocument } from "../use-cases/verify-document";

const pdfBody = express.raw({ type: "application/pdf", limit: "20mb" });
const fileBody = express.raw({ type: () => true, limit: "50mb" });
const jsonBody = express.json({ limit: "70mb" });

export function signatureRouter(ports: SignaturePorts): Router {
  const router = Router();

  router.get("/v1/documents/:documentId", async (request, response) => {
    const { record, bytes } = await getSignedDocument(ports, request.params.documentId);
    response
      .type("application/pdf")
      .setHeader("content-disposition", `inline; filename="${record.dossierCode || record.documentId}.pdf"`)
      .setHeader("digest", `sha-256=${Buffer.from(record.sha256, "hex").toString("base64")}`)
      .send(bytes);
  });

  router.post("/v1/documents/verify", pdfBody, async (request, response) => {
    response.json(await verifyDocument(ports, bodyBytes(request.body)));
  });

  router.post("/v1/documents/sign", pdfBody, async (request, response) => {
    const { record, signed } = await signDocument(ports, {
      pdf: bodyBytes(request.body),
      signerId: typeof request.query.signerId === "string" ? request.query.signerId : "",
      reason: typeof request.query.reason === "string" ? request.query.reason : undefined,
      level: typeof request.query.level === "string" ? request.query.level : undefined,
    });
    response.status(201).type("application/pdf").setHeader("x-document-id", record.documentId).send(signed);
  });

  // CAdES: a detached signature (.p7s) over any file, and its verification.
  router.post("/v1/signatures/cades", fileBody, async (request, response) => {
    const signature = await signFile(ports, {
      content: bodyBytes(request.body),
      signerId: typeof request.query.signerId === "string" ? request.query.signerId : "",
      level: typeof request.query.level === "string" ? request.query.level : undefined,
    });
    response.status(201).type("application/pkcs7-signature").send(signature);
  });

  router.post("/v1/signatures/cades/verify", jsonBody, async (request, response) => {
    const body = (request.body ?? {}) as { content?: unknown; signature?: unknown };
    const base64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : "", "base64");
    response.json(
      await verifyFileSignature(ports, { content: base64(body.content), signature: base64(body.signature) }),
    );
  });

  return router;
}

function bodyBytes(body: unknown): Uint8Array {
  return Buffer.isBuffer(body) ? body : new Uint8Array();
}
