import { createHash, randomUUID } from "node:crypto";
import { EventTypes, Topics, encodeEvent, common } from "@lienthong/contracts";
import { dossierSequenceKey, formatDossierCode } from "@lienthong/domain";
import { outboxWrites } from "@lienthong/messaging";
import { conflict, invalidArgument, type FieldViolation } from "@lienthong/service-kit";
import { ConflictError, type WriteOp } from "@lienthong/storage";
import { KeyedSerializer, parseInput } from "@lienthong/runtime";
import {
  Collections,
  type ApplicationRecord,
  type IdempotencyRecord,
  type SequenceRecord,
} from "../store/collections";
import type { Caller, IntakePorts } from "./ports";
import { submissionSchema, type Submission } from "./submission-schema";

/** Optimistic retries when another process allocated the same unit's next code first. */
const MAX_ALLOCATION_ATTEMPTS = 50;

/** Serialises code allocation per receiving unit inside this process; the store's version check guards across processes. */
const allocationQueue = new KeyedSerializer();

export interface SubmitResult {
  application: ApplicationRecord;
  /** False when an Idempotency-Key replay returned the dossier created earlier. */
  created: boolean;
}

/**
 * Validates an application, allocates its dossier code (per receiving unit per
 * day, consecutive, never reused), stores it and its `submitted` event in one
 * atomic commit. Nothing is stored or emitted for invalid input.
 */
export async function submitApplication(ports: IntakePorts, caller: Caller, input: unknown): Promise<SubmitResult> {
  const submission = parseInput(submissionSchema, input);
  checkReferences(ports, submission);
  const requestHash = hashSubmission(submission);

  if (submission.idempotencyKey) {
    const replay = await findReplay(ports, caller, submission.idempotencyKey, requestHash);
    if (replay) return { application: replay, created: false };
  }

  return allocationQueue.run(submission.receivingUnitCode, async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return { application: await storeWithNextCode(ports, caller, submission, requestHash), created: true };
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= MAX_ALLOCATION_ATTEMPTS) throw error;
        if (error.collection === Collections.idempotency && submission.idempotencyKey) {
          // A concurrent request with the same key won: answer as a replay of it.
          const replay = await findReplay(ports, caller, submission.idempotencyKey, requestHash);
          if (replay) return { application: replay, created: false };
        }
      }
    }
  });
}

function checkReferences(ports: IntakePorts, submission: Submission): void {
  const violations: FieldViolation[] = [];
  if (!ports.catalog.find(submission.procedureCode, ports.now())) {
    violations.push({ field: "procedureCode", reason: "is not a procedure in the catalog" });
  }
  if (!ports.units.commune(submission.receivingUnitCode)) {
    violations.push({ field: "receivingUnitCode", reason: "is not a known commune-level unit" });
  }
  if (submission.applicantCommuneCode && !ports.units.commune(submission.applicantCommuneCode)) {
    violations.push({ field: "applicantCommuneCode", reason: "is not a known commune-level unit" });
  }
  if (violations.length > 0) throw invalidArgument(violations);
}

/** A stable hash of everything that defines the request, to tell a replay from a different body. */
function hashSubmission(submission: Submission): string {
  const { idempotencyKey: _key, formFields, ...rest } = submission;
  const sortedFields = Object.fromEntries(Object.entries(formFields).sort(([a], [b]) => a.localeCompare(b)));
  return createHash("sha256").update(JSON.stringify({ ...rest, formFields: sortedFields })).digest("hex");
}

async function findReplay(
  ports: IntakePorts,
  caller: Caller,
  key: string,
  requestHash: string,
): Promise<ApplicationRecord | undefined> {
  const remembered = await ports.store.get<IdempotencyRecord>(Collections.idempotency, `${caller.clientId}:${key}`);
  if (!remembered) return undefined;
  if (remembered.data.requestHash !== requestHash) {
    throw conflict("Idempotency-Key was already used with a different request body", { field: "Idempotency-Key" });
  }
  const existing = await ports.store.get<ApplicationRecord>(Collections.applications, remembered.data.dossierId);
  return existing?.data;
}

async function storeWithNextCode(
  ports: IntakePorts,
  caller: Caller,
  submission: Submission,
  requestHash: string,
): Promise<ApplicationRecord> {
  const now = ports.now();
  // New communes have no confirmed agency codes yet (DOMAIN.md §5): the unit code stands in.
  const agencyCode = submission.receivingUnitCode;
  const sequenceId = dossierSequenceKey(agencyCode, now);
  const sequence = await ports.store.get<SequenceRecord>(Collections.sequences, sequenceId);
  const next = (sequence?.data.last ?? 0) + 1;

  const dossierId = randomUUID();
  const submittedAt = now.toISOString();
  const application: ApplicationRecord = {
    dossierId,
    dossierCode: formatDossierCode(agencyCode, now, next),
    status: common.DossierStatus.DOSSIER_STATUS_SUBMITTED,
    procedureCode: submission.procedureCode,
    receivingUnitCode: submission.receivingUnitCode,
    applicantCommuneCode: submission.applicantCommuneCode ?? submission.receivingUnitCode,
    channel: submission.channel,
    applicant: {
      fullName: submission.applicant.fullName,
      citizenId: submission.applicant.citizenId,
      phone: submission.applicant.phone ?? "",
      email: submission.applicant.email ?? "",
      address: submission.applicant.address ?? "",
    },
    formFields: submission.formFields,
    clientId: caller.clientId,
    submittedAt,
    appointmentAt: null,
    competentAuthorityCode: null,
    resultDocumentPath: null,
    timeline: [],
    updatedAt: submittedAt,
  };

  const events = outboxWrites([
    {
      topic: Topics.intake,
      key: dossierId,
      type: EventTypes.applicationSubmitted.type,
      data: encodeEvent("applicationSubmitted", {
        dossierId,
        dossierCode: application.dossierCode,
        status: application.status,
        procedureCode: application.procedureCode,
        receivingUnitCode: application.receivingUnitCode,
        applicantCommuneCode: application.applicantCommuneCode,
        channel: application.channel,
        submittedAt,
        applicant: application.applicant,
        clientId: caller.clientId,
      }),
      time: submittedAt,
    },
  ]);

  const ops: WriteOp[] = [
    { kind: "put", collection: Collections.sequences, id: sequenceId, data: { last: next }, expectedVersion: sequence?.version ?? 0 },
    { kind: "put", collection: Collections.applications, id: dossierId, data: application, expectedVersion: 0 },
    ...events,
  ];
  if (submission.idempotencyKey) {
    const remembered: IdempotencyRecord = { dossierId, requestHash };
    ops.push({
      kind: "put",
      collection: Collections.idempotency,
      id: `${caller.clientId}:${submission.idempotencyKey}`,
      data: remembered,
      expectedVersion: 0,
    });
  }
  await ports.commit(ops);
  return application;
}
