import { createHash } from "node:crypto";
import { refineWellFormed } from "@lienthong/domain";
import { type FieldViolation } from "@lienthong/errors";
import { z } from "zod";
import type { AttachmentRecord } from "../store/collections";

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A handful of documents per dossier; more is a client bug, not an application. */
export const MAX_ATTACHMENTS = 50;

/**
 * An attachment as handed in: its content (base64 over REST, bytes over gRPC)
 * or, when the commune system keeps the content, its size and SHA-256.
 */
export const attachmentUploadSchema = z.object({
  name: z
    .string()
    .normalize("NFC")
    .trim()
    .min(1, "is required")
    .max(255, "must be at most 255 characters")
    .superRefine(refineWellFormed()),
  mediaType: z
    .string()
    .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i, "must be a media type such as application/pdf"),
  contentBase64: z.base64("must be base64").optional(),
  content: z.instanceof(Uint8Array).optional(),
  sizeBytes: z.number().int("must be a whole number of bytes").nonnegative("must not be negative").optional(),
  sha256: z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(z.string().regex(SHA256_HEX, "must be 64 hexadecimal digits"))
    .optional(),
});
export type AttachmentUpload = z.output<typeof attachmentUploadSchema>;

export const attachmentsSchema = z
  .array(attachmentUploadSchema)
  .max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} attachments`)
  .default([]);

/** Decoded size of a base64 string, known before decoding it. */
function base64DecodedLength(text: string): number {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return Math.floor((text.length * 3) / 4) - padding;
}

/**
 * Turns uploads into stored metadata: content is measured against the limit
 * and hashed (then dropped); a given size or SHA-256 must agree with it;
 * metadata-only entries must carry both. Violations name `<path>.<index>.<field>`.
 */
export function readAttachments(
  uploads: AttachmentUpload[],
  maxBytes: number,
  path = "attachments",
): { attachments: AttachmentRecord[]; violations: FieldViolation[] } {
  const attachments: AttachmentRecord[] = [];
  const violations: FieldViolation[] = [];
  uploads.forEach((upload, index) => {
    const at = (field: string) => `${path}.${index}.${field}`;
    const contentField = upload.contentBase64 !== undefined ? "contentBase64" : "content";
    const size =
      upload.contentBase64 !== undefined ? base64DecodedLength(upload.contentBase64) : upload.content?.byteLength;
    if (upload.contentBase64 !== undefined && upload.content !== undefined) {
      violations.push({ field: at("content"), reason: "send the content once, as contentBase64 or as content" });
      return;
    }
    if (size === undefined) {
      const before = violations.length;
      if (upload.sizeBytes === undefined)
        violations.push({ field: at("sizeBytes"), reason: "is required when the content is not sent" });
      if (upload.sha256 === undefined)
        violations.push({ field: at("sha256"), reason: "is required when the content is not sent" });
      if (violations.length === before && upload.sizeBytes !== undefined && upload.sha256 !== undefined) {
        attachments.push({
          name: upload.name,
          mediaType: upload.mediaType,
          sizeBytes: upload.sizeBytes,
          sha256: upload.sha256,
        });
      }
      return;
    }
    if (size > maxBytes) {
      violations.push({ field: at(contentField), reason: `exceeds ${maxBytes} bytes` });
      return;
    }
    const content = upload.content ?? Buffer.from(upload.contentBase64 ?? "", "base64");
    const sha256 = createHash("sha256").update(content).digest("hex");
    const before = violations.length;
    if (upload.sha256 !== undefined && upload.sha256 !== sha256)
      violations.push({ field: at("sha256"), reason: "does not match the SHA-256 of the content" });
    if (upload.sizeBytes !== undefined && upload.sizeBytes !== content.byteLength)
      violations.push({ field: at("sizeBytes"), reason: "does not match the size of the content" });
    if (violations.length === before)
      attachments.push({ name: upload.name, mediaType: upload.mediaType, sizeBytes: content.byteLength, sha256 });
  });
  return { attachments, violations };
}
