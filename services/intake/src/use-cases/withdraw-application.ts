import { lifecycleEvent } from "@lienthong/contracts";
import { applicantMayWithdraw, refineWellFormed, statusLabel } from "@lienthong/domain";
import { failedPrecondition } from "@lienthong/errors";
import { parseInput } from "@lienthong/service-host";
import { z } from "zod";
import type { ApplicationRecord } from "../store/collections";
import type { Caller, IntakePorts } from "./ports";
import { updateApplication } from "./update-application";

export const withdrawalSchema = z.object({
  reason: z
    .string()
    .normalize("NFC")
    .trim()
    .min(1, "is required")
    .max(1000, "must be at most 1000 characters")
    .superRefine(refineWellFormed({ multiline: true })),
});

/**
 * The applicant asks to withdraw the dossier (rút hồ sơ). Allowed where the
 * workflow allows the "withdraw" action; routing decides and
 * answers with DossierWithdrawn (status 7), which the timeline projects.
 * Asking again while the first request is pending changes nothing.
 */
export async function withdrawApplication(
  ports: IntakePorts,
  caller: Caller,
  dossierRef: string,
  input: unknown,
): Promise<ApplicationRecord> {
  const { reason } = parseInput(withdrawalSchema, input);
  return updateApplication(ports, caller, dossierRef, "withdraw", (record) => {
    if (record.withdrawalRequestedAt) return undefined;
    assertWithdrawable(record);
    const requestedAt = ports.now().toISOString();
    const event = {
      ...lifecycleEvent("withdrawalRequested", {
        dossierId: record.dossierId,
        dossierCode: record.dossierCode,
        requestedAt,
        reason,
      }),
      time: requestedAt,
    };
    return { record: { ...record, withdrawalRequestedAt: requestedAt, updatedAt: requestedAt }, events: [event] };
  });
}

function assertWithdrawable(record: ApplicationRecord): void {
  const { status } = record;
  if (applicantMayWithdraw(status)) return;
  throw failedPrecondition(
    `Dossier ${record.dossierCode} cannot be withdrawn at status ${status} (${statusLabel(status)})`,
    { status },
  );
}
