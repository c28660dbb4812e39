import { dossierActions, type DossierAction } from "@lienthong/domain";
import type { HttpApp } from "@lienthong/service-host";
import { z } from "zod";
import { dossierActionOf, requestSchema } from "../use-cases/actions/action-request";
import { applyDossierAction } from "../use-cases/apply-action";
import { decideDossier } from "../use-cases/decide-dossier";
import { assignmentView, getAssignment } from "../use-cases/find-assignment";
import {
  communeIndicatorsSchema,
  getCommuneIndicators,
  getIndicators,
  indicatorsSchema,
} from "../use-cases/get-indicators";
import { listQueue, queueSchema } from "../use-cases/list-queue";
import { dossierForOperator } from "../use-cases/tenancy";
import type { RoutingPorts } from "../use-cases/ports";
import { CLIENT, INDICATORS, OFFICIAL_ACTION, OPERATOR } from "./access";

/**
 * What routing answers, as its OpenAPI document describes it; each handler is
 * typed against its route's schemas (service-host's ResponseBodyOf).
 */
const assignmentSchema = z
  .object({
    dossierId: z.string(),
    dossierCode: z.string(),
    status: z.number().int().meta({ description: "The dossier status, 1 to 10 (Decision 766 codes)" }),
    procedureCode: z.string(),
    procedureName: z.string(),
    procedureVersion: z.number().int(),
    receivingUnitCode: z.string(),
    competentAuthority: z
      .object({
        code: z.string(),
        name: z.string(),
        level: z.number().int(),
        communeCode: z.string(),
        provinceCode: z.string(),
      })
      .optional()
      .meta({ description: "Once routed: the agency that decides" }),
    acceptedAt: z.string().optional(),
    appointmentAt: z.string().optional().meta({
      description: "The appointment in force: the new one after an apology; the indicators judge timeliness by it",
    }),
    originalAppointmentAt: z.string().optional().meta({
      description: "The appointment given at acceptance, kept when an apology moves appointmentAt",
    }),
    outcome: z.number().int().meta({ description: "0 undecided, 1 approved, 2 rejected" }),
    timeliness: z.number().int(),
    allowedActions: z.array(z.enum(dossierActions as [DossierAction, ...DossierAction[]])),
    clock: z.enum(["not_started", "running", "paused", "stopped"]),
    deadlineState: z.enum(["within_deadline", "due_soon", "overdue"]),
    apologies: z.number().int().meta({ description: "Apologies (form 04) the competent authority issued" }),
    overdueWithoutApology: z
      .boolean()
      .meta({ description: "The appointment passed with no apology issued before it: flagged to the authority" }),
    supplementDueAt: z.string().optional().meta({
      description:
        "While a supplement is awaited: the end of the working day by which the applicant should supply (SUPPLEMENT_DEADLINE_WORKING_DAYS)",
    }),
    supplementOverdue: z.boolean().meta({
      description: "The supplement's due date passed without it: flagged to the unit that asked, which decides",
    }),
    version: z.number().int().meta({ description: "Send it back as expectedVersion to act on what was seen" }),
  })
  .meta({ id: "Assignment", description: "A dossier as routing handles it: status, authority, deadline" });

const assignmentResponse = z.object({ assignment: assignmentSchema });
const dossierRef = z.string().meta({ description: "The dossier's id or its code" });

const indicatorsView = z
  .object({
    unitCode: z.string(),
    fromDate: z.string(),
    toDate: z.string(),
    received: z.number().int(),
    receivedOnline: z.number().int(),
    onlineShare: z.number(),
    finishedEarly: z.number().int(),
    finishedOnTime: z.number().int(),
    finishedLate: z.number().int(),
    onTimeRate: z.number(),
    currentlyOverdue: z.number().int(),
    openWithinDeadline: z.number().int(),
    overdueWithoutApology: z
      .number()
      .int()
      .meta({ description: "Of currentlyOverdue, those with no apology issued before the appointment passed" }),
  })
  .meta({ id: "Indicators", description: "Decision 766 progress figures of a unit for a period (decision 36)" });

/** REST for commune systems and officials: thin, every rule lives in the use cases. */
export function routingRoutes(http: HttpApp, ports: RoutingPorts): void {
  http.route({
    method: "get",
    path: "/v1/dossiers/:dossierRef",
    access: CLIENT,
    doc: {
      operationId: "getAssignment",
      summary: "A dossier's assignment: status, competent authority, deadline and allowed actions",
      params: z.object({ dossierRef }),
      responses: { 200: { description: "The assignment", json: assignmentResponse } },
    },
    handle: async (request, response, caller) => {
      const assignment = await getAssignment(ports, caller, String(request.params.dossierRef));
      response.json({ assignment: assignmentView(ports, assignment) });
    },
  });

  http.route({
    method: "get",
    path: "/ops/dossiers/:dossierRef",
    access: OPERATOR,
    doc: {
      operationId: "getAssignmentForOperator",
      summary: "A dossier's assignment for the province's operators (the operations console)",
      params: z.object({ dossierRef }),
      responses: { 200: { description: "The assignment", json: assignmentResponse } },
    },
    handle: async (request, response, caller) => {
      const assignment = await dossierForOperator(ports, caller.official, String(request.params.dossierRef));
      response.json({ assignment: assignmentView(ports, assignment) });
    },
  });

  http.route({
    method: "post",
    path: "/v1/dossiers/:dossierRef/actions/:action",
    access: OFFICIAL_ACTION,
    doc: {
      operationId: "applyDossierAction",
      summary: "An official's action on a dossier (accept, refuse, request a supplement, decide…)",
      description: "What each action requires is named in a 400; an action the status does not allow is a 409.",
      params: z.object({ dossierRef, action: z.enum(dossierActions as [DossierAction, ...DossierAction[]]) }),
      body: requestSchema,
      responses: { 200: { description: "The assignment after the action", json: assignmentResponse } },
    },
    handle: async (request, response, caller) => {
      const updated = await applyDossierAction(
        ports,
        caller,
        String(request.params.dossierRef),
        dossierActionOf(String(request.params.action)),
        request.body,
      );
      response.json({ assignment: assignmentView(ports, updated) });
    },
  });

  http.route({
    method: "post",
    path: "/v1/dossiers/:dossierRef/decision",
    access: OFFICIAL_ACTION,
    doc: {
      operationId: "decideDossier",
      summary: "The competent authority's decision (kept for existing callers: the decide action)",
      params: z.object({ dossierRef }),
      body: requestSchema,
      responses: { 200: { description: "The assignment after the decision", json: assignmentResponse } },
    },
    handle: async (request, response, caller) => {
      const decided = await decideDossier(ports, caller, String(request.params.dossierRef), request.body);
      response.json({ assignment: assignmentView(ports, decided) });
    },
  });

  // One queue, two doors: commune systems for their own agencies, province IT for its province's (the console).
  for (const [path, access, operationId, summary] of [
    ["/v1/queues/:agencyCode", CLIENT, "listQueue", "An agency's queue, earliest appointment first, a page at a time"],
    [
      "/ops/queues/:agencyCode",
      OPERATOR,
      "listQueueForOperator",
      "An agency's queue for the province's operators (the operations console), a page at a time",
    ],
  ] as const) {
    http.route({
      method: "get",
      path,
      access,
      doc: {
        operationId,
        summary,
        params: queueSchema.pick({ agencyCode: true }),
        query: queueSchema.omit({ agencyCode: true }),
        responses: {
          200: {
            description: "A page; nextPageToken is empty on the last",
            json: z.object({ assignments: z.array(assignmentSchema), nextPageToken: z.string() }),
          },
        },
      },
      handle: async (request, response, caller) => {
        const { assignments, nextPageToken } = await listQueue(ports, caller, {
          ...request.query,
          agencyCode: request.params.agencyCode,
        });
        response.json({
          assignments: assignments.map((assignment) => assignmentView(ports, assignment)),
          nextPageToken,
        });
      },
    });
  }

  http.route({
    method: "get",
    path: "/v1/indicators/:unitCode",
    access: INDICATORS,
    doc: {
      operationId: "getIndicators",
      summary: "Decision 766 progress figures of a commune or a province for a period",
      params: z.object({ unitCode: indicatorsSchema.shape.unitCode }),
      query: z.object({ from: indicatorsSchema.shape.from, to: indicatorsSchema.shape.to }),
      responses: { 200: { description: "The figures", json: z.object({ indicators: indicatorsView }) } },
    },
    handle: async (request, response, caller) => {
      const indicators = await getIndicators(ports, caller, { ...request.query, unitCode: request.params.unitCode });
      response.json({ indicators });
    },
  });

  http.route({
    method: "get",
    path: "/v1/indicators/:provinceCode/communes",
    access: INDICATORS,
    doc: {
      operationId: "listCommuneIndicators",
      summary: "Decision 766 progress figures of a province and each of its communes for a period, in one read",
      description:
        "For the province's own officials and operators (a province's ranking); a commune's official is refused.",
      params: z.object({ provinceCode: communeIndicatorsSchema.shape.provinceCode }),
      query: z.object({ from: communeIndicatorsSchema.shape.from, to: communeIndicatorsSchema.shape.to }),
      responses: {
        200: {
          description: "The province's figures and its communes', in the units list's order",
          json: z.object({ province: indicatorsView, communes: z.array(indicatorsView) }),
        },
      },
    },
    handle: async (request, response, caller) => {
      response.json(
        await getCommuneIndicators(ports, caller, { ...request.query, provinceCode: request.params.provinceCode }),
      );
    },
  });
}
