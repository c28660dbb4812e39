import { lifecycleEvent } from "@lienthong/contracts";
import { DossierStatus, refineWellFormed, statusLabel } from "@lienthong/domain";
import { type FieldViolation, failedPrecondition, invalidArgument } from "@lienthong/errors";
import { parseInput } from "@lienthong/service-host";
import { z } from "zod";
import type { ApplicationRecord } from "../store/collections";
import { attachmentsSchema, readAttachments } from "./attachments";
import type { Caller, IntakePorts } from "./ports";
import { formFieldsSchema } from "./submission-schema";
import { checkForm } from "./submit-application";
import { updateApplication } from "./update-application";

export const supplementSchema = z
  .object({
    formFields: formFieldsSchema.default({}),
    attachments: attachmentsSchema,
    providedItems: z
      .array(
        z
          .string()
          .normalize("NFC")
          .trim()
          .min(1, "must not be empty")
          .max(500, "must be at most 500 characters")
          .superRefine(refineWellFormed()),
      )
      .max(100)
      .default([]),
  })
  .refine((input) => input.attachments.length > 0 || Object.keys(input.formFields).length > 0, {
    message: "a supplement needs attachments or form fields",
    path: ["attachments"],
  });

/**
 * The applicant hands in every requested item at once (DOMAIN.md §2, status 5).
 * Form fields are merged into the form and checked against the procedure
 * version the dossier was submitted under; attachments are added; the
 * SupplementProvided event tells routing to resume processing (5 → 4).
 */
export async function provideSupplement(
  ports: IntakePorts,
  caller: Caller,
  dossierRef: string,
  input: unknown,
): Promise<ApplicationRecord> {
  const supplement = parseInput(supplementSchema, input);
  const uploads = readAttachments(supplement.attachments, ports.limits.attachmentMaxBytes);
  if (uploads.violations.length > 0) throw invalidArgument(uploads.violations);

  return updateApplication(ports, caller, dossierRef, "supplement", (record) => {
    assertAwaitingSupplement(record);
    const violations: FieldViolation[] = [];
    const procedure = ports.catalog.find(record.procedureCode, new Date(record.submittedAt));
    const merged = { ...record.formFields, ...supplement.formFields };
    const formFields = procedure ? checkForm(procedure, merged, violations) : merged;
    if (violations.length > 0) throw invalidArgument(violations);

    const providedAt = ports.now().toISOString();
    const updated: ApplicationRecord = {
      ...record,
      formFields,
      attachments: [...(record.attachments ?? []), ...uploads.attachments],
      supplementRequest: null,
      updatedAt: providedAt,
    };
    const event = {
      ...lifecycleEvent("supplementProvided", {
        dossierId: record.dossierId,
        dossierCode: record.dossierCode,
        providedAt,
        attachments: uploads.attachments,
        providedItems: supplement.providedItems,
      }),
      time: providedAt,
    };
    return { record: updated, events: [event] };
  });
}

function assertAwaitingSupplement(record: ApplicationRecord): void {
  const { status } = record;
  if (status !== DossierStatus.SUPPLEMENT_REQUESTED) {
    throw failedPrecondition(
      `A supplement is accepted only at status 5 (${statusLabel(DossierStatus.SUPPLEMENT_REQUESTED)}); dossier ${record.dossierCode} is at status ${status} (${statusLabel(status)})`,
      { status },
    );
  }
  if (record.withdrawalRequestedAt) {
    throw failedPrecondition(
      `Dossier ${record.dossierCode} has a pending withdrawal request; no supplement is accepted`,
      { status },
    );
  }
  if (!record.supplementRequest) {
    throw failedPrecondition(
      `The supplement requested for dossier ${record.dossierCode} was already provided; processing resumes next`,
      { status },
    );
  }
}
