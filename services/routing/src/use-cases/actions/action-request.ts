import { common } from "@lienthong/contracts";
import { dossierActions, isDossierAction, type DossierAction } from "@lienthong/domain";
import { invalidField } from "@lienthong/errors";
import { parseInput } from "@lienthong/service-host";
import { z } from "zod";

/** The action a REST path segment names (the workflow's names are the contract's). */
export function dossierActionOf(name: string): DossierAction {
  if (!isDossierAction(name)) throw invalidField("action", `must be one of ${dossierActions.join(", ")}`);
  return name;
}

const text = (max: number) =>
  z.string().trim().min(1, "must not be blank").max(max, `must be at most ${max} characters`);

const requestSchema = z.object({
  officialId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, "must be an official's staff id (lowercase letters, digits, . _ -)"),
  /** The version the official saw; absent or 0 skips the optimistic check. */
  expectedVersion: z.number().int().nonnegative().optional(),
  reason: text(2000).optional(),
  missingItems: z.array(text(500)).max(100, "must list at most 100 items").optional(),
  amountVnd: z.number().int().positive("must be a positive number of đồng").max(Number.MAX_SAFE_INTEGER).optional(),
  receiptNumber: text(100).optional(),
  targetAgencyCode: z
    .string()
    .regex(/^[0-9A-Z.]{1,35}$/, "must be an agency code (dot-separated groups of 0-9 A-Z) or a 5-digit commune code")
    .optional(),
  outcome: z
    .union([
      z.enum(["approved", "rejected"]),
      z.literal(common.DecisionOutcome.DECISION_OUTCOME_APPROVED),
      z.literal(common.DecisionOutcome.DECISION_OUTCOME_REJECTED),
    ])
    .transform((outcome) =>
      outcome === "approved" || outcome === common.DecisionOutcome.DECISION_OUTCOME_APPROVED
        ? common.DecisionOutcome.DECISION_OUTCOME_APPROVED
        : common.DecisionOutcome.DECISION_OUTCOME_REJECTED,
    )
    .optional(),
  summary: text(2000).optional(),
});
export type ActionInput = z.output<typeof requestSchema>;

/** What each action cannot do without (DOMAIN.md §2: a refusal names its reason, a supplement request lists every item). */
const REQUIRED: Record<DossierAction, (keyof ActionInput)[]> = {
  accept: [],
  refuse: ["reason"],
  request_supplement: ["missingItems"],
  request_payment: ["amountVnd"],
  record_payment: ["receiptNumber"],
  decide: ["outcome", "summary"],
  stop: ["reason"],
  resume: [],
  transfer: ["targetAgencyCode"],
  withdraw: [],
  return_result: [],
};

export interface ActionRequest extends ActionInput {
  action: DossierAction;
}

/** Validates an action's body: field formats, then what that action requires. */
export function parseActionRequest(action: DossierAction, input: unknown): ActionRequest {
  const schema = requestSchema.superRefine((body, ctx) => {
    for (const field of REQUIRED[action]) {
      const value = body[field];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) {
        ctx.addIssue({ code: "custom", path: [field], message: `is required to ${action.replace(/_/g, " ")}` });
      }
    }
  });
  return { ...parseInput(schema, input), action };
}
