import { common } from "@lienthong/contracts";
import {
  codePointName,
  dossierActions,
  isDossierAction,
  isPrintableCodePoint,
  malformedTextReason,
  refinePrintable,
  refineWellFormed,
  type DossierAction,
  type TextCheckOptions,
} from "@lienthong/domain";
import { invalidField } from "@lienthong/errors";
import { parseInput } from "@lienthong/service-host";
import { z } from "zod";

/** The action a REST path segment names (the workflow's names are the contract's). */
export function dossierActionOf(name: string): DossierAction {
  if (!isDossierAction(name)) throw invalidField("action", `must be one of ${dossierActions.join(", ")}`);
  return name;
}

/**
 * Text an official writes, stored in NFC and refused when not well-formed
 * (controls, lone surrogates, bytes that were not UTF-8; libs/domain
 * printable-text.ts). Reasons and listed items may hold line breaks.
 */
const text = (max: number, options: TextCheckOptions = {}) =>
  z
    .string()
    .normalize("NFC")
    .trim()
    .min(1, "must not be blank")
    .max(max, `must be at most ${max} characters`)
    .superRefine(refineWellFormed(options));

/**
 * The decision's summary is printed on the signed result: only what the
 * result document can print, or the signature would fail after the decision.
 */
const printedText = (max: number) =>
  z
    .string()
    .normalize("NFC")
    .trim()
    .min(1, "must not be blank")
    .max(max, `must be at most ${max} characters`)
    .superRefine(refinePrintable({ multiline: true }));

/**
 * An action's body. Who acts is not part of it: the official is the token's
 * subject (an `officialId` sent by older callers is ignored, like any other
 * field the schema does not name).
 */
export const requestSchema = z.object({
  /** The version the official saw; absent or 0 skips the optimistic check. */
  expectedVersion: z.number().int().nonnegative().optional(),
  reason: text(2000, { multiline: true }).optional(),
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
  summary: printedText(2000).optional(),
  /** apologize: the new appointment (plan-apology.ts checks it against the current one and the calendar). */
  newAppointmentAt: z.iso.datetime({ offset: true }).optional(),
});
export type ActionInput = z.output<typeof requestSchema>;

/** What each action cannot do without (DOMAIN.md §2: a refusal names its reason, a supplement request lists every item). */
const REQUIRED: Record<DossierAction, (keyof ActionInput)[]> = {
  accept: [],
  refuse: ["reason"],
  request_supplement: ["missingItems"],
  // Without an amount, the catalog's fee for the dossier's channel (plan-action.ts).
  request_payment: [],
  record_payment: ["receiptNumber"],
  decide: ["outcome", "summary"],
  stop: ["reason"],
  resume: [],
  transfer: ["targetAgencyCode"],
  withdraw: [],
  return_result: [],
  // Form 04 prints the reason and the new date (DOMAIN.md §10).
  apologize: ["reason", "newAppointmentAt"],
};

/**
 * What the desk's slips print (signature, docs/decisions.md §58): only what the slip's font can print, or the
 * slip would fail after the action.
 */
const PRINTED: Partial<Record<DossierAction, ("reason" | "missingItems")[]>> = {
  refuse: ["reason"],
  request_supplement: ["missingItems"],
  apologize: ["reason"],
};

/** An action to apply: its validated fields, and who takes it. */
export interface ActionRequest extends ActionInput {
  action: DossierAction;
  /**
   * The official's staff id, the subject of their verified token; "" for the
   * system (AUTO_ACCEPT, an applicant's request relayed by intake).
   */
  officialId: string;
}

/** Line breaks and tabs, which a multi-line slip field may hold (tabs print as spaces). */
const LINE_WHITESPACE = new Set([0x09, 0x0a, 0x0d]);

/**
 * Why a slip could not print this text: libs/domain's reasons, but naming the slip, not the result document, so the
 * official knows which paper refused it.
 */
function slipUnprintableReason(text: string): string | undefined {
  const malformed = malformedTextReason(text, { multiline: true });
  if (malformed !== undefined) return malformed;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    if (!isPrintableCodePoint(codePoint) && !LINE_WHITESPACE.has(codePoint)) {
      return `contains a character the slip cannot print: ${codePointName(codePoint)}`;
    }
  }
  return undefined;
}

/** Validates an action's body: field formats, then what that action requires. */
export function parseActionInput(action: DossierAction, input: unknown): ActionInput {
  const schema = requestSchema.superRefine((body, ctx) => {
    for (const field of REQUIRED[action]) {
      const value = body[field];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) {
        ctx.addIssue({ code: "custom", path: [field], message: `is required to ${action.replace(/_/g, " ")}` });
      }
    }
    for (const field of PRINTED[action] ?? []) {
      const value = body[field];
      const texts = Array.isArray(value) ? value : value === undefined ? [] : [value];
      texts.forEach((text, index) => {
        const reason = slipUnprintableReason(text);
        const path = Array.isArray(value) ? [field, index] : [field];
        if (reason !== undefined) ctx.addIssue({ code: "custom", path, message: reason });
      });
    }
  });
  return parseInput(schema, input);
}
