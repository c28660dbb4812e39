import { common, type events } from "@lienthong/contracts";
import { afterOutcome, classifyTimeliness } from "@lienthong/domain";
import type { WriteOp } from "@lienthong/storage";
import { assignments } from "../store/collections";
import { planWrites } from "./actions/plan-writes";
import { routingEvent } from "./actions/routing-event";
import { endPause, settle } from "./deadline-clock";
import type { RoutingPorts } from "./ports";

const { Timeliness } = common;

const TIMELINESS = {
  early: Timeliness.TIMELINESS_EARLY,
  on_time: Timeliness.TIMELINESS_ON_TIME,
  late: Timeliness.TIMELINESS_LATE,
} as const;

/**
 * The result document of a decision was signed: the dossier reaches status 9
 * (Đã xử lý xong) and is judged early / on time / late against its
 * appointment; a dossier that already went overdue stays late whatever new
 * date its apology gave. A signature for a request this dossier no longer
 * waits for is ignored.
 */
export async function issueResult(ports: RoutingPorts, signed: events.DocumentSigned): Promise<WriteOp[]> {
  const stored = await ports.store.get(assignments, signed.dossierId);
  const assignment = stored?.data;
  if (
    !stored ||
    assignment?.state !== "awaiting_signature" ||
    assignment.decision?.signatureRequestId !== signed.requestId
  )
    return [];

  const now = ports.now();
  const issuedAt = now.toISOString();
  // A decision taken while waiting for payment (6 → 9) ends that pause here.
  const { appointmentAt } = endPause(ports, assignment, now);
  const timeliness =
    assignment.overdue || !appointmentAt
      ? Timeliness.TIMELINESS_LATE
      : TIMELINESS[classifyTimeliness(now, new Date(appointmentAt))];
  // 4 or 6 → 9: the workflow decides, as for every other change.
  const decided = afterOutcome({ state: assignment.state, status: assignment.status }, "result_signed");
  const { status } = decided;
  const data = settle(
    ports,
    {
      ...assignment,
      ...decided,
      appointmentAt,
      pausedAt: null,
      result: { documentId: signed.documentId, downloadPath: signed.downloadPath, issuedAt, timeliness },
      finishedAt: issuedAt,
      timeliness,
    },
    now,
  );
  return planWrites(stored.version, {
    data,
    events: [
      routingEvent("resultIssued", assignment, {
        status,
        issuedAt,
        outcome: assignment.decision.outcome,
        documentId: signed.documentId,
        downloadPath: signed.downloadPath,
        appointmentAt: appointmentAt ?? undefined,
        timeliness,
      }),
    ],
  });
}
