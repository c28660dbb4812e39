import express, { Router } from "express";
import { getSignedDocument } from "../use-cases/get-document";
import type { SignaturePorts } from "../use-cases/ports";
import { signDocument } from "../use-cases/sign-document";
import { verifyDocument } from "../use-cases/verify-document";

const pdfBody = express.raw({ type: "application/pdf", limit: "20mb" });

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
    });
    response.status(201).type("application/pdf").setHeader("x-document-id", record.documentId).send(signed);
  });

  return router;
}

function bodyBytes(body: unknown): Uint8Array {
  return Buffer.isBuffer(body) ? body : new Uint8Array();
}
