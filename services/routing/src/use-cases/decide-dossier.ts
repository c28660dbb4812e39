import { randomUUID } from "node:crypto";
import { EventTypes, Topics, common, encodeEvent } from "@lienthong/contracts";
import { DossierStatus as Status } from "@lienthong/domain";
import { extractTraceContext, outboxWrites } from "@lienthong/messaging";
import { parseInput } from "@lienthong/runtime";
import { conflict, failedPrecondition } from "@lienthong/service-kit";
import { context, trace } from "@opentelemetry/api";
import { z } from "zod";
import { Collections, type AssignmentRecord } from "../store/collections";
import { getAssignment } from "./find-assignment";
import type { RoutingPorts } from "./ports";

const { DecisionOutcome } = common;
const tracer = trace.getTracer("routing");

const decisionSchema = z.object({
  outcome: z
    .union([z.enum(["approved", "rejected"]), z.literal(1), z.literal(2)])
    .transform((outcome) =>
      outcome === "approved" || outcome === 1 ? DecisionOutcome.DECISION_OUTCOME_APPROVED : DecisionOutcome.DECISION_OUTCOME_REJECTED,
    ),
  officialId: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, "must be an official's staff id (lowercase letters, digits, . _ -)"),
  summary: z.string().trim().min(1, "is required").max(2000, "must be at most 2000 characters"),
  /** The version the official saw; absent or 0 skips the optimistic check. */
  expectedVersion: z.number().int().nonnegative().optional(),
});
export type DecisionInput = z.input<typeof decisionSchema>;

/**
 * The competent official decides. The decision is recorded and a signed result
 * document is requested; the dossier reaches status 9 when the signature
 * service has signed it. The action runs inside the dossier's own trace (a
 * link points at the caller's request), so one dossier is one trace however
 * many days pass between its steps.
 */
export async function decideDossier(ports: RoutingPorts, dossierRef: string, input: unknown) {
  const decision = parseInput(decisionSchema, input);
  const current = await getAssignment(ports, dossierRef);
  const assignment = current.data;
  if (decision.expectedVersion && decision.expectedVersion !== current.version) {
    throw conflict("The dossier changed since it was read; reload it and decide again", {
      expectedVersion: decision.expectedVersion,
      currentVersion: current.version,
    });
  }
  if (assignment.status !== Status.PROCESSING || assignment.decision) {
    throw failedPrecondition(`A decision needs status 4 (processing) without an earlier decision; the dossier is at status ${assignment.status}`, {
      status: assignment.status,
      decided: assignment.decision !== null,
      allowedActions: [],
    });
  }

  const dossierContext = extractTraceContext({ traceparent: assignment.traceparent });
  const requestSpan = trace.getActiveSpan()?.spanContext();
  return tracer.startActiveSpan(
    "routing.decide",
    { links: requestSpan ? [{ context: requestSpan }] : [], attributes: { "lienthong.dossier_id": assignment.dossierId } },
    assignment.traceparent ? dossierContext : context.active(),
    async (span) => {
      try {
        const decidedAt = ports.now().toISOString();
        const signatureRequestId = randomUUID();
        const decided: AssignmentRecord = {
          ...assignment,
          decision: { outcome: decision.outcome, officialId: decision.officialId, summary: decision.summary, decidedAt, signatureRequestId },
          updatedAt: decidedAt,
        };
        const ids = { dossierId: assignment.dossierId, dossierCode: assignment.dossierCode };
        await ports.commit([
          { kind: "put", collection: Collections.assignments, id: assignment.dossierId, data: decided, expectedVersion: current.version },
          ...outboxWrites([
            {
              topic: Topics.routing,
              key: assignment.dossierId,
              type: EventTypes.dossierDecided.type,
              data: encodeEvent("dossierDecided", {
                ...ids,
                decidedAt,
                outcome: decision.outcome,
                officialId: decision.officialId,
                summary: decision.summary,
              }),
            },
            {
              topic: Topics.routing,
              key: assignment.dossierId,
              type: EventTypes.signatureRequested.type,
              data: encodeEvent("signatureRequested", {
                ...ids,
                requestId: signatureRequestId,
                requestedAt: decidedAt,
                procedureCode: assignment.procedureCode,
                procedureName: assignment.procedureName,
                competentAuthority: assignment.competentAuthority,
                outcome: decision.outcome,
                officialId: decision.officialId,
                summary: decision.summary,
                applicantFullName: assignment.applicantFullName,
              }),
            },
          ]),
        ]);
        return { id: current.id, data: decided, version: current.version + 1 };
      } finally {
        span.end();
      }
    },
  );
}
