import { createHash } from "node:crypto";
import { common, lifecycleEvent } from "@lienthong/contracts";
import { competenceCommuneOf, validateSubmission, type Procedure, type ReceivingUnit } from "@lienthong/domain";
import { traceHeaders } from "@lienthong/messaging";
import { type FieldViolation, conflict, invalidArgument, permissionDenied } from "@lienthong/errors";
import { parseInput, unitTarget } from "@lienthong/service-host";
import { ConflictError } from "@lienthong/storage";
import {
  applications,
  idempotencyKeys,
  type ApplicantRecord,
  type ApplicationRecord,
  type AttachmentRecord,
} from "../store/collections";
import type { IdempotencyClaim } from "../store/dossier-registrar";
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
  receivingUnit: ReceivingUnit;
  /** The applicant's commune: as given, else the receiving commune (a unit above the commune needs it given). */
  applicantCommuneCode: string;
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
    target: unitTarget(submission.receivingUnitCode),
    decision: allowed ? "allowed" : "denied",
  });
  if (!allowed) {
    throw permissionDenied(
      `This API key may not submit applications at receiving unit ${submission.receivingUnitCode}`,
    );
  }
  // Hashed only under a key: the hash tells a replay from another body, and costs every request that has none.
  const idempotency = submission.idempotencyKey
    ? { id: `${caller.clientId}:${submission.idempotencyKey}`, requestHash: hashSubmission(checked) }
    : undefined;

  if (idempotency) {
    const replay = await findReplay(ports, idempotency);
    if (replay) return { application: replay, created: false };
  }
  // Captured here, in the request's span: the registrar stores drafts in batches from another context.
  const trace = traceHeaders();
  try {
    const application = await ports.registrar.register({
      receivingUnit: checked.receivingUnit,
      idempotency,
      build: (dossier) => buildApplication(caller, checked, dossier, trace),
    });
    return { application, created: true };
  } catch (error) {
    if (idempotency && error instanceof ConflictError && error.collection === idempotencyKeys.name) {
      // A concurrent request with the same key won: answer as a replay of it.
      const replay = await findReplay(ports, idempotency);
      if (replay) return { application: replay, created: false };
    }
    throw error;
  }
}

/** How far ahead of intake's clock a receiving system's clock may run when it dates a consent. */
const CONSENT_CLOCK_SKEW_MS = 5 * 60_000;

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
  const receivingUnit = ports.receivingUnits.find(submission.receivingUnitCode);
  if (!receivingUnit)
    violations.push({
      field: "receivingUnitCode",
      reason: /^\d{5}$/.test(submission.receivingUnitCode)
        ? "is not a known commune-level unit"
        : "is not a receiving unit of this deployment: a province's centre, or an agency whose own desk receives",
    });
  for (const field of ["applicantCommuneCode", "landCommuneCode"] as const) {
    const code = submission[field];
    if (code && !ports.units.commune(code)) violations.push({ field, reason: "is not a known commune-level unit" });
  }
  // Above the commune nothing stands in for the applicant's commune, which decides competence and the province.
  const applicantCommuneCode =
    submission.applicantCommuneCode ?? (receivingUnit?.kind === "commune_centre" ? receivingUnit.code : undefined);
  if (receivingUnit && applicantCommuneCode === undefined)
    violations.push({
      field: "applicantCommuneCode",
      reason: "is required at a receiving unit above the commune: the applicant's commune-level unit",
    });
  const provinceViolation =
    receivingUnit && applicantCommuneCode !== undefined
      ? outsideReceivingProvince(ports, receivingUnit, {
          landCommuneCode: submission.landCommuneCode,
          applicantCommuneCode,
        })
      : undefined;
  if (provinceViolation) violations.push(provinceViolation);
  const consentedAt = submission.applicant.notificationPreferences?.consentedAt;
  if (consentedAt && Date.parse(consentedAt) > ports.now().getTime() + CONSENT_CLOCK_SKEW_MS)
    violations.push({
      field: "applicant.notificationPreferences.consentedAt",
      reason: "is in the future: the applicant consents before the application is handed in",
    });
  const formFields = procedure ? checkForm(procedure, submission.formFields, violations) : submission.formFields;
  const attachments = readAttachments(submission.attachments, ports.limits.attachmentMaxBytes);
  violations.push(...attachments.violations);
  if (violations.length > 0 || !receivingUnit || applicantCommuneCode === undefined) throw invalidArgument(violations);
  return { submission, receivingUnit, applicantCommuneCode, formFields, attachments: attachments.attachments };
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
 * Boundary-free intake stays within the province (DOMAIN.md §1): a centre — a commune's, the province's, or an
 * agency's own desk — receives a dossier whichever of its province's communes or agencies decides it, not one
 * decided in another province, unless the deployment says provinces have agreed to it. Named on the field that
 * decides competence.
 */
function outsideReceivingProvince(
  ports: IntakePorts,
  receivingUnit: ReceivingUnit,
  dossier: { landCommuneCode?: string; applicantCommuneCode: string },
): FieldViolation | undefined {
  if (ports.acrossProvinces) return undefined;
  const receiving = receivingUnit.provinceCode;
  const competence = competenceCommuneOf(dossier);
  const deciding = ports.units.commune(competence.code)?.provinceCode;
  if (deciding === undefined || deciding === receiving) return undefined;
  return {
    field: competence.field,
    reason: `is in province ${deciding}; a receiving unit of province ${receiving} receives only dossiers decided in its own province`,
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
  { id, requestHash }: IdempotencyClaim,
): Promise<ApplicationRecord | undefined> {
  const remembered = await ports.store.get(idempotencyKeys, id);
  if (!remembered) return undefined;
  if (remembered.data.requestHash !== requestHash) {
    throw conflict("Idempotency-Key was already used with a different request body", { field: "Idempotency-Key" });
  }
  const existing = await ports.store.get(applications, remembered.data.dossierId);
  return existing?.data;
}

function buildApplication(
  caller: Caller,
  { submission, receivingUnit, applicantCommuneCode, formFields, attachments }: CheckedSubmission,
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
    applicantCommuneCode,
    landCommuneCode: submission.landCommuneCode ?? null,
    channel: submission.channel,
    applicant: {
      fullName: submission.applicant.fullName,
      citizenId: submission.applicant.citizenId,
      phone: submission.applicant.phone ?? "",
      email: submission.applicant.email ?? "",
      address: submission.applicant.address ?? "",
      ...preferencesOf(submission.applicant.notificationPreferences, submittedAt),
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
      receivingUnitName: receivingUnit.name,
    }),
    time: submittedAt,
    headers: trace,
  };
  const made = withOwnEvents(application, [submitted]);
  return { application: made.record, events: made.events };
}

/**
 * The applicant's choice as the event carries it: a flag per channel, the
 * language, and the consent's time — as the receiving system recorded it, or
 * the submission's when it gave none (the consent came with the application).
 */
function preferencesOf(
  preferences: Submission["applicant"]["notificationPreferences"],
  submittedAt: string,
): Pick<ApplicantRecord, "notificationPreferences"> {
  if (!preferences) return {};
  const chosen = new Set(preferences.channels);
  return {
    notificationPreferences: {
      email: chosen.has("email"),
      sms: chosen.has("sms"),
      zalo: chosen.has("zalo"),
      consentedAt: preferences.consentedAt ? new Date(preferences.consentedAt).toISOString() : submittedAt,
      language: preferences.language,
    },
  };
}
