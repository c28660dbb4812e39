import { z } from "zod";

/** The answers of the routes every host serves (host.ts), as its OpenAPI document describes them. */

const attributeValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]).optional()),
]);

/** A span kept by the bounded in-memory span store (span-store.ts StoredSpan). */
const storedSpanSchema = z
  .object({
    name: z.string(),
    traceId: z.string(),
    spanId: z.string(),
    parentSpanId: z.string().optional(),
    kind: z.string(),
    startTime: z.string(),
    endTime: z.string(),
    durationMs: z.number(),
    status: z.object({ code: z.enum(["UNSET", "OK", "ERROR"]), message: z.string().optional() }),
    attributes: z.record(z.string(), attributeValue.optional()),
    scope: z.string(),
    service: z.string(),
  })
  .meta({ id: "StoredSpan" });

export const spansResponseSchema = z.object({ spans: z.array(storedSpanSchema) });

/** A sealed audit entry (audit/audit-chain.ts): ids only, never personal data. */
const sealedAuditEntrySchema = z
  .object({
    at: z.string(),
    service: z.string(),
    action: z.string(),
    outcome: z.enum(["allowed", "denied", "not_found", "done", "refused"]),
    target: z.string(),
    clientId: z.string(),
    officialId: z.string(),
    reason: z.string(),
    traceId: z.string(),
    seq: z.number().int(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: "AuditEntry" });

export const auditPageResponseSchema = z.object({
  entries: z.array(sealedAuditEntrySchema),
  head: z.object({ seq: z.number().int(), hash: z.string() }),
});

/** /ops/spans reads `limit` leniently (host.ts): anything not a number is the default. */
export const spansQuerySchema = z.object({
  limit: z.string().optional().meta({ description: "How many spans, at most 10000; default 1000" }),
});
