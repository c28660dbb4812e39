import {
  RECEIVING_UNIT_CODE_PATTERN,
  RECEIVING_UNIT_CODE_RULE,
  refinePrintable,
  refineWellFormed,
  validateCitizenId,
} from "@lienthong/domain";
import { z } from "zod";
import { attachmentsSchema } from "./attachments";

/** Channels as commune systems name them over REST; gRPC sends the enum number. */
export const CHANNELS = { online: 1, counter: 2, post: 3 } as const;

const VIETNAM_PHONE = /^(\+84|0)\d{9,10}$/;

/** How the applicant agreed to be told (common.proto NotificationPreferences): the channels, consent, language. */
const notificationPreferencesSchema = z.object({
  channels: z.array(z.enum(["email", "sms", "zalo"])).max(3),
  consent: z.literal(true, "must be true: the applicant agrees to be told on the chosen channels"),
  /** When the applicant agreed, as the receiving system recorded it; the submission's time when not given. */
  consentedAt: z.iso.datetime({ offset: true, error: "must be an RFC 3339 time with an offset" }).optional(),
  language: z.enum(["vi", "en"]).default("vi"),
});

/**
 * Text is stored in NFC. The applicant's name is printed on the signed result,
 * so it must be text the result document can print (libs/domain
 * printable-text.ts: Vietnamese and Latin letters, digits, punctuation); other
 * text is only refused when it is not well-formed (lone surrogates, control
 * characters). Reasons name the character, never the text.
 */
const applicantSchema = z
  .object({
    fullName: z
      .string()
      .normalize("NFC")
      .trim()
      .min(1, "is required")
      .max(200, "must be at most 200 characters")
      .superRefine(refinePrintable()),
    citizenId: z.string().superRefine((value, ctx) => {
      const reason = validateCitizenId(value);
      if (reason) ctx.addIssue({ code: "custom", message: reason });
    }),
    phone: z
      .string()
      .trim()
      .regex(VIETNAM_PHONE, "must be a Vietnamese phone number (0xxxxxxxxx or +84xxxxxxxxx)")
      .optional(),
    email: z.email("must be a valid email address").optional(),
    address: z
      .string()
      .normalize("NFC")
      .trim()
      .max(500, "must be at most 500 characters")
      .superRefine(refineWellFormed())
      .optional(),
    /** The channels the applicant agreed to be told on (notification honours it); absent: every channel given. */
    notificationPreferences: notificationPreferencesSchema.optional(),
  })
  .refine((applicant) => applicant.phone !== undefined || applicant.email !== undefined, {
    message: "a phone number or an email address is required to reach the applicant",
    path: ["phone"],
  })
  .refine((applicant) => !applicant.notificationPreferences?.channels.includes("email") || applicant.email, {
    message: "email is chosen to be told on, but no email address is given",
    path: ["notificationPreferences", "channels"],
  })
  .refine(
    (applicant) =>
      !applicant.notificationPreferences?.channels.some((channel) => channel !== "email") || applicant.phone,
    {
      message: "sms or zalo is chosen to be told on, but no phone number is given",
      path: ["notificationPreferences", "channels"],
    },
  );

export const formFieldsSchema = z.record(
  z.string(),
  z
    .string()
    .normalize("NFC")
    .max(2000, "must be at most 2000 characters")
    .superRefine(refineWellFormed({ multiline: true })),
);

const unitCode = z.string().regex(/^\d{5}$/, "must be a 5-digit commune-level unit code");

export const submissionSchema = z.object({
  idempotencyKey: z.string().min(1).max(200, "must be at most 200 characters").optional(),
  procedureCode: z.string().regex(/^\d\.\d{6}(\.[0-9A-Z.]+)?$/, "must be a procedure code like 1.000894"),
  /** A commune's centre (5 digits), or a unit above the commune the deployment names (38.TTPVHCC, 38.STP). */
  receivingUnitCode: z.string().regex(RECEIVING_UNIT_CODE_PATTERN, RECEIVING_UNIT_CODE_RULE),
  /** Defaults to a receiving commune; required above the commune (submit-application.ts). */
  applicantCommuneCode: unitCode.optional(),
  /** Land and construction procedures: the commune where the land lies decides competence. */
  landCommuneCode: unitCode.optional(),
  applicant: applicantSchema,
  channel: z
    .union([z.enum(["online", "counter", "post"]), z.literal(1), z.literal(2), z.literal(3)])
    .default("online")
    .transform((channel) => (typeof channel === "number" ? channel : CHANNELS[channel])),
  formFields: formFieldsSchema.default({}),
  attachments: attachmentsSchema,
});

export type SubmissionInput = z.input<typeof submissionSchema>;
export type Submission = z.output<typeof submissionSchema>;
