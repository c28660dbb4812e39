import { randomUUID } from "node:crypto";
import { common } from "@lienthong/contracts";
import {
  afterAction,
  allowedActions,
  computeAppointment,
  formatVietnamDate,
  type DossierStatus,
  type Procedure,
} from "@lienthong/domain";
import type { OutgoingEvent } from "@lienthong/messaging";
import { failedPrecondition, invalidArgument } from "@lienthong/errors";
import type { AgencyRecord, AssignmentRecord } from "../../store/collections";
import { agencyByCode, competentAuthorityFor } from "../competent-authority";
import { acceptedTerms, dossierTerms, endPause, settle, supplementDueAt } from "../deadline-clock";
import type { RoutingPorts } from "../ports";
import type { ActionRequest } from "./action-request";
import { planApology } from "./plan-apology";
import { receivingUnitOf } from "./receiving-unit";
import { routingEvent } from "./routing-event";

/** The dossier after an action, and the events that say so (committed together). */
export interface Plan {
  data: AssignmentRecord;
  events: OutgoingEvent[];
}

/** What acceptance needs: the procedure version valid now and the competent authority; or why the dossier cannot be accepted. */
export function acceptanceOf(
  ports: RoutingPorts,
  data: AssignmentRecord,
  now: Date,
): { procedure: Procedure; authority: AgencyRecord } | { reason: string; problem: string } {
  const procedure = ports.catalog.find(data.procedureCode, now);
  if (!procedure) {
    return {
      reason: "Thủ tục không có trong danh mục đang áp dụng",
      problem: `procedure ${data.procedureCode} is not in the catalog on ${formatVietnamDate(now)}`,
    };
  }
  const authority = competentAuthorityFor(ports, procedure, data.competenceCommuneCode);
  if (!authority) {
    return {
      reason: "Không xác định được cơ quan có thẩm quyền giải quyết",
      problem: `no competent authority for procedure ${procedure.code} in commune ${data.competenceCommuneCode}`,
    };
  }
  return { procedure, authority };
}

/**
 * Applies one action to the dossier as read: checks it against the status
 * machine, then computes the new state and its events. Pure apart from the
 * reference data, so REST, gRPC and event consumers commit the same plan.
 */
export function planAction(ports: RoutingPorts, data: AssignmentRecord, request: ActionRequest, now: Date): Plan {
  const next = afterAction({ state: data.state, status: data.status }, request.action, ports.practice);
  const { status } = next;
  const at = now.toISOString();
  const officialId = request.officialId;
  const plan = (changes: Partial<AssignmentRecord>, events: OutgoingEvent[]): Plan => ({
    data: settle(ports, { ...data, ...next, ...changes }, now),
    events,
  });

  switch (request.action) {
    case "accept": {
      const acceptance = acceptanceOf(ports, data, now);
      if ("problem" in acceptance) {
        throw failedPrecondition(`The dossier cannot be accepted: ${acceptance.problem}; refuse it instead`, {
          status: data.status,
          allowedActions: allowedActions(data.state, ports.practice),
        });
      }
      const { procedure, authority } = acceptance;
      // Accepted (2) and, in the same commit, processing (4) at the competent authority, in the
      // time limit of the way it was filed (online limits are often shorter).
      const appointmentAt = computeAppointment(
        now,
        dossierTerms(procedure, data).processingTime,
        ports.calendar,
        authority.provinceCode,
      ).toISOString();
      return plan(
        {
          procedureName: procedure.name,
          procedureVersion: procedure.version,
          competentAuthority: authority,
          acceptedAt: at,
          acceptedBy: officialId || "system",
          appointmentAt,
          originalAppointmentAt: appointmentAt,
        },
        [
          routingEvent("applicationAccepted", data, {
            status: common.DossierStatus.DOSSIER_STATUS_ACCEPTED,
            acceptedAt: at,
            appointmentAt,
            officialId,
            procedureVersion: procedure.version,
            procedureCode: procedure.code,
            procedureName: procedure.name,
            receivingUnit: receivingUnitOf(ports, data),
            competentAuthority: authority,
          }),
          routingEvent("dossierRouted", data, {
            status,
            routedAt: at,
            competentAuthority: authority,
            procedureCode: procedure.code,
            appointmentAt,
          }),
        ],
      );
    }
    case "refuse":
      return plan({ reason: request.reason ?? "" }, [
        routingEvent("applicationRefused", data, {
          status,
          refusedAt: at,
          reason: request.reason ?? "",
          officialId,
          procedureCode: data.procedureCode,
          procedureName: data.procedureName,
          receivingUnit: receivingUnitOf(ports, data),
        }),
      ]);
    case "request_supplement": {
      const requested = data.supplementRequests ?? 0;
      if (requested >= ports.supplementMax) {
        throw failedPrecondition(
          `Dossier ${data.dossierCode} already had ${requested} supplement request(s); every missing item is asked for ` +
            `at once (Decree 118/2025/NĐ-CP Art. 11(2); SUPPLEMENT_MAX is ${ports.supplementMax})`,
          { supplementRequests: requested, supplementMax: ports.supplementMax },
          "SUPPLEMENT_ALREADY_REQUESTED",
        );
      }
      // Once-only counts requests before and after acceptance alike. Before acceptance no clock runs, so
      // nothing pauses (pausedAt stays null) and no processing time is counted.
      const dueAt = supplementDueAt(ports, data, now);
      const accepted = next.state === "supplement_requested";
      return plan(
        {
          ...(accepted && { pausedAt: at }),
          missingItems: request.missingItems ?? [],
          supplementRequests: requested + 1,
          supplementRequestedAt: at,
          supplementDueAt: dueAt,
        },
        [
          routingEvent("supplementRequested", data, {
            status,
            requestedAt: at,
            missingItems: request.missingItems ?? [],
            officialId,
            procedureCode: data.procedureCode,
            procedureName: data.procedureName,
            receivingUnit: receivingUnitOf(ports, data),
            competentAuthority: data.competentAuthority ?? undefined,
            supplementDueAt: dueAt ?? undefined,
          }),
        ],
      );
    }
    case "request_payment": {
      const amountVnd = request.amountVnd ?? cataloguedFee(ports, data);
      return plan({ pausedAt: at, payment: { amountVnd, requestedAt: at, receiptNumber: "", recordedAt: null } }, [
        routingEvent("paymentRequested", data, {
          status,
          requestedAt: at,
          amountVnd,
          description: request.reason ?? "",
        }),
      ]);
    }
    case "record_payment": {
      const amountVnd = request.amountVnd ?? data.payment?.amountVnd ?? 0;
      const receiptNumber = request.receiptNumber ?? "";
      const resumed = resume(ports, data, status, now);
      return plan(
        {
          ...resumed.changes,
          payment: { amountVnd, requestedAt: data.payment?.requestedAt ?? at, receiptNumber, recordedAt: at },
        },
        [routingEvent("paymentRecorded", data, { recordedAt: at, amountVnd, receiptNumber }), resumed.event],
      );
    }
    case "resume": {
      const resumed = resume(ports, data, status, now);
      return plan({ ...resumed.changes, missingItems: [] }, [resumed.event]);
    }
    case "decide": {
      const decision = {
        outcome: request.outcome ?? common.DecisionOutcome.DECISION_OUTCOME_UNSPECIFIED,
        officialId,
        summary: request.summary ?? "",
        decidedAt: at,
        signatureRequestId: randomUUID(),
      };
      // Awaiting the signed result; the status becomes 9 when it arrives (issueResult).
      return plan({ decision }, [
        routingEvent("dossierDecided", data, {
          decidedAt: at,
          outcome: decision.outcome,
          officialId,
          summary: decision.summary,
        }),
        routingEvent("signatureRequested", data, {
          requestId: decision.signatureRequestId,
          requestedAt: at,
          procedureCode: data.procedureCode,
          procedureName: data.procedureName,
          competentAuthority: data.competentAuthority ?? undefined,
          outcome: decision.outcome,
          officialId,
          summary: decision.summary,
          applicantFullName: data.applicantFullName,
          receivingUnitCode: data.receivingUnitCode,
        }),
      ]);
    }
    case "stop":
      // Kept as a pause: should processing resume, the appointment moves by the time stopped.
      return plan({ pausedAt: at, reason: request.reason ?? "" }, [
        routingEvent("dossierStopped", data, { status, stoppedAt: at, reason: request.reason ?? "" }),
      ]);
    case "transfer": {
      const code = request.targetAgencyCode ?? "";
      const target = agencyByCode(ports, code);
      if (!target)
        throw invalidArgument([{ field: "targetAgencyCode", reason: "names no known commune or provincial agency" }]);
      if (target.code === data.competentAuthority?.code) {
        throw invalidArgument([
          { field: "targetAgencyCode", reason: "is already the competent authority of the dossier" },
        ]);
      }
      return plan({ competentAuthority: target, reason: request.reason ?? "" }, [
        routingEvent("dossierTransferred", data, {
          transferredAt: at,
          fromAuthority: data.competentAuthority ?? undefined,
          toAuthority: target,
          reason: request.reason ?? "",
        }),
      ]);
    }
    case "withdraw":
      return plan({ pausedAt: null, reason: request.reason ?? "" }, [
        routingEvent("dossierWithdrawn", data, { status, withdrawnAt: at, reason: request.reason ?? "" }),
      ]);
    case "return_result":
      return plan({}, [routingEvent("resultReturned", data, { status, returnedAt: at })]);
    case "apologize": {
      const apology = planApology(ports, data, request, now);
      return plan(apology.changes, [apology.event]);
    }
  }
}

/**
 * The fee the catalog sets for the dossier's procedure version and channel,
 * asked for when the official names no amount; a free procedure (or one the
 * catalog no longer holds) has none to ask for, so the official must name it
 * (a tax the decision sets, for one).
 */
function cataloguedFee(ports: RoutingPorts, data: AssignmentRecord): number {
  const fee = acceptedTerms(ports, data)?.fee ?? 0;
  if (fee > 0) return fee;
  throw invalidArgument([
    {
      field: "amountVnd",
      reason: "is required to request payment: the catalog sets no fee for this procedure and channel",
    },
  ]);
}

/** Ends a pause (supplement, payment, stop): processing again, the appointment pushed by the working time waited. */
function resume(
  ports: RoutingPorts,
  data: AssignmentRecord,
  status: DossierStatus,
  now: Date,
): { changes: Partial<AssignmentRecord>; event: OutgoingEvent } {
  const { appointmentAt, waitedWorkingHours } = endPause(ports, data, now);
  return {
    changes: { appointmentAt, pausedAt: null },
    event: routingEvent("dossierResumed", data, {
      status,
      resumedAt: now.toISOString(),
      appointmentAt: appointmentAt ?? undefined,
      waitedWorkingHours,
      resumedFrom: data.status,
    }),
  };
}
