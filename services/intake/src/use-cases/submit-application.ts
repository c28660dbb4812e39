import { createHash } from "node:crypto";
import { common, lifecycleEvent } from "@lienthong/contracts";
import { competenceCommuneOf, validateSubmission, type Procedure } from "@lienthong/domain";
import { traceHeaders } from "@lienthong/messaging";
import { type FieldViolation, conflict, invalidArgument, permissionDenied } from "@lienthong/errors";
import { parseInput } from "@lienthong/service-host";
import { ConflictError } from "@lienthong/storage";
import { applications, idempotencyKeys, type ApplicationRecord, type AttachmentRecord } from "../store/collections";
import { readAttachments } from "./attachments";
import type { Caller, IntakePorts } from "./ports";
import { withOwnEvents } from "./record-lifecycle-event";
import { submissionSchema, type Submission } from "./submission-schema";

/** The submission's channel is a number (submission-schema.ts maps the names). */
const ONLINE: number = common.Channel.CHANNEL_ONLINE;

export interface SubmitResult {
  application: ApplicationRecord;
  /** False when an Idempotency-Key replay returned the dossier created earlier. */
  created: boolean;
}

/** A submission that passed every check, ready to be stored. */
interface CheckedSubmission {
  submission: Submission;
  formFields: Record<string, string>;
  attachments: AttachmentRecord[];
}

/**
 * Validates an application (request shape, references, the procedure's form
 * schema, attachments), checks the caller may submit at the receiving unit,
 * then stores it with its dossier code and its `submitted` event in one
 * atomic commit. Nothing is stored or emitted for a rejected request.
 */
export async function submitApplication(ports: IntakePorts, caller: Caller, input: unknown): Promise<SubmitResult> {
  const checked = checkSubmission(ports, parseInput(submissionSchema, input));
  const { submission } = checked;
  const allowed = caller.unitCodes.has(submission.receivingUnitCode);
  ports.audit({
    clientId: caller.clientId,
    action: "submit",
    target: `unit:${submission.receivingUnitCode}`,
    decision: allowed ? "allowed" : "denied",
  });
  if (!allowed) {
    throw permissionDenied(
      `This API key may not submit applications at receiving unit ${submission.receivingUnitCode}`,
    );
  }
  const requestHash = hashSubmission(checked);
  const idempotencyId = submission.idempotencyKey ? `${caller.clientId}:${submission.idempotencyKey}` : undefined;

  if (idempotencyId) {
    const replay = await findReplay(ports, idempotencyId, requestHash);
    if (replay) return { application: replay, created: false };
  }
  // Captured here, in the request's span: the registrar stores drafts in batches from another context.
  const trace = traceHeaders();
  try {
    const application = await ports.registrar.register({
      receivingUnitCode: submission.receivingUnitCode,
      idempotencyId,
      requestHash,
      build: (dossier) => buildApplication(caller, checked, dossier, trace),
    });
    return { application, created: true };
  } catch (error) {
    if (idempotencyId && error instanceof ConflictError && error.collection === idempotencyKeys.name) {
      // A concurrent request with the same key won: answer as a replay of it.
      const replay = await findReplay(ports, idempotencyId, requestHash);
      if (replay) return { application: replay, created: false };
    }
    throw error;
  }
}

function checkSubmission(ports: IntakePorts, submission: Submission): CheckedSubmission {
  const violations: FieldViolation[] = [];
  const procedure = ports.catalog.find(submission.procedureCode, ports.now());
  if (!procedure) violations.push({ field: "procedureCode", reason: "is not a procedure in the catalog" });
  // The catalog says the procedure is information only online (docs/catalog/README.md): it has no online terms to give.
  if (procedure?.onlineService === "none" && submission.channel === ONLINE)
    violations.push({
      field: "channel",
      reason: "the procedure is not offered online: file it at a receiving centre (counter) or by post",
    });
  if (!ports.units.commune(submission.receivingUnitCode)) {
    violations.push({ field: "receivingUnitCode", reason: "is not a known commune-level unit" });
  }
  for (const field of ["applicantCommuneCode", "landCommuneCode"] as const) {
    const code = submission[field];
    if (code && !ports.units.commune(code)) violations.push({ field, reason: "is not a known commune-level unit" });
  }
  const provinceViolation = outsideReceivingProvince(ports, submission);
  if (provinceViolation) violations.push(provinceViolation);
  const formFields = procedure ? checkForm(procedure, submission.formFields, violations) : submission.formFields;
  const attachments = readAttachments(submission.attachments, ports.limits.attachmentMaxBytes);
  violations.push(...attachments.violations);
  if (violations.length > 0) throw invalidArgument(violations);
  return { submission, formFields, attachments: attachments.attachments };
}

/** The procedure's form schema decides which fields exist and which are required; violations name `formFields.<field>`. */
export function checkForm(
  procedure: Procedure,
  formFields: Record<string, string>,
  violations: FieldViolation[],
): Record<string, string> {
  const check = validateSubmission(procedure, formFields);
  if (check.ok) return check.values;
  violations.push(
    ...check.violations.map((violation) => ({ field: `formFields.${violation.field}`, reason: violation.reason })),
  );
  return formFields;
}

/**
 * Boundary-free intake stays within the province (DOMAIN.md §1): a centre receives a dossier whichever of its
 * province's communes or departments decides it, not one decided in another province — unless the deployment
 * says provinces have agreed to it. Named on the field that decides competence.
 */
function outsideReceivingProvince(ports: IntakePorts, submission: Submission): FieldViolation | undefined {
  if (ports.acrossProvinces) return undefined;
  const receiving = ports.units.commune(submission.receivingUnitCode)?.provinceCode;
  const competence = competenceCommuneOf({
    landCommuneCode: submission.landCommuneCode,
    applicantCommuneCode: submission.applicantCommuneCode ?? submission.receivingUnitCode,
  });
  const deciding = ports.units.commune(competence.code)?.provinceCode;
  if (receiving === undefined || deciding === undefined || deciding === receiving) return undefined;
  return {
    field: competence.field,
    reason: `is in province ${deciding}; a centre of province ${receiving} receives only dossiers decided in its own province`,
  };
}

/** A stable hash of everything that defines the request, to tell a replay from a different body. */
function hashSubmission({ submission, formFields, attachments }: CheckedSubmission): string {
  const { idempotencyKey: _key, formFields: _raw, attachments: _uploads, ...rest } = submission;
  const sortedFields = Object.fromEntries(Object.entries(formFields).sort(([a], [b]) => a.localeCompare(b)));
  return createHash("sha256")
    .update(JSON.stringify({ ...rest, formFields: sortedFields, attachments }))
    .digest("hex");
}

async function findReplay(
  ports: IntakePorts,
  idempotencyId: string,
  requestHash: string,
): Promise<ApplicationRecord | undefined> {
  const remembered = await ports.store.get(idempotencyKeys, idempotencyId);
  if (!remembered) return undefined;
  if (remembered.data.requestHash !== requestHash) {
    throw conflict("Idempotency-Key was already used with a different request body", { field: "Idempotency-Key" });
  }
  const existing = await ports.store.get(applications, remembered.data.dossierId);
  return existing?.data;
}

function buildApplication(
  caller: Caller,
  { submission, formFields, attachments }: CheckedSubmission,
  dossier: { dossierId: string; dossierCode: string; submittedAt: Date },
  trace: Record<string, string>,
) {
  const { dossierId, dossierCode } = dossier;
  const submittedAt = dossier.submittedAt.toISOString();
  const application: ApplicationRecord = {
    dossierId,
    dossierCode,
    status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
    procedureCode: submission.procedureCode,
    receivingUnitCode: submission.receivingUnitCode,
    applicantCommuneCode: submission.applicantCommuneCode ?? submission.receivingUnitCode,
    landCommuneCode: submission.landCommuneCode ?? null,
    channel: submission.channel,
    applicant: {
      fullName: submission.applicant.fullName,
      citizenId: submission.applicant.citizenId,
      phone: submission.applicant.phone ?? "",
      email: submission.applicant.email ?? "",
      address: submission.applicant.address ?? "",
    },
    formFields,
    attachments,
    clientId: caller.clientId,
    submittedAt,
    listKey: `${submittedAt}|${dossierId}`,
    appointmentAt: null,
    competentAuthorityCode: null,
    competentAuthorityName: null,
    supplementRequest: null,
    withdrawalRequestedAt: null,
    resultDocumentPath: null,
    timeline: [],
    updatedAt: submittedAt,
  };
  const submitted = {
    ...lifecycleEvent("applicationSubmitted", {
      dossierId,
      dossierCode,
      status: application.status,
      procedureCode: application.procedureCode,
      receivingUnitCode: application.receivingUnitCode,
      applicantCommuneCode: application.applicantCommuneCode,
      channel: application.channel,
      submittedAt,
      applicant: application.applicant,
      clientId: caller.clientId,
      landCommuneCode: application.landCommuneCode ?? "",
    }),
    time: submittedAt,
    headers: trace,
  };
  const made = withOwnEvents(application, [submitted]);
  return { application: made.record, events: made.events };
}
