import { decodeEvent } from "@lienthong/contracts";
import type { AdministrativeUnits } from "@lienthong/domain";
import {
  CloudEventHeaders,
  DeadLetterLedger,
  type DeadLetterRecord,
  type DeadLetterScope,
  type ReceivedRecord,
} from "@lienthong/messaging";
import redact from "@pinojs/redact";
import { z } from "zod";
import { MALFORMED_TARGET } from "./audit/audit-targets";
import type { AuditEvent } from "./audit/audit-log";
import { callerIds } from "./auth/caller";
import type { HttpApp } from "./http";
import { redactPaths, redactionCensor } from "./logger";
import { parseInput } from "./validation";

const OPERATORS = { staff: ["operator"] } as const;

/** `lienthong.deadletter.<group>.v1:<partition>:<offset>`, as the ledger names a letter. */
const DEAD_LETTER_ID = /^lienthong\.deadletter\.[a-z0-9-]+(\.[a-z0-9-]+)*\.v1:\d+:\d+$/;

const listQuery = z
  .object({
    state: z.enum(["open", "replayed", "discarded"]).optional(),
    type: z.string().max(200).optional().meta({ description: "ce_type; empty for records that are not CloudEvents" }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const idParams = z.object({ id: z.string().regex(DEAD_LETTER_ID, "is not a dead letter's id") });

const discardBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(3, "must say why, in a few words")
      .max(500)
      .meta({ description: "Why the letter is given up; kept with it, never in the audit log" }),
  })
  .strict();

const letterSummary = z
  .object({
    id: z.string(),
    group: z.string(),
    type: z.string(),
    eventId: z.string(),
    key: z.string().meta({ description: "The dossier id" }),
    originalTopic: z.string(),
    originalPartition: z.number().int(),
    originalOffset: z.string(),
    reason: z.string(),
    error: z.string(),
    attempts: z.number().int(),
    firstFailedAt: z.string(),
    failedAt: z.string(),
    state: z.enum(["open", "replayed", "discarded"]),
    settledBy: z.string().nullable(),
    settledAt: z.string().nullable(),
    discardReason: z.string().nullable(),
  })
  .meta({ id: "DeadLetter", description: "A record its consumer gave up on, and what became of it" });

const letterDetail = letterSummary
  .extend({
    headers: z.record(z.string(), z.string()),
    payload: z
      .unknown()
      .meta({ description: "The decoded event, personal fields masked; null when the record does not decode" }),
    payloadError: z.string().nullable(),
  })
  .meta({ id: "DeadLetterDetail" });

const maskPersonal = redact({ paths: redactPaths, censor: redactionCensor, serialize: false });

function summary({ headers: _headers, value: _value, ...letter }: DeadLetterRecord & { id: string }) {
  return letter;
}

/** The letter's event decoded and masked: operators see what failed, never whose it is. */
function detail(letter: DeadLetterRecord & { id: string }) {
  let payload: unknown = null;
  let payloadError: string | null = null;
  try {
    const decoded = decodeEvent(letter.type, Buffer.from(letter.value, "base64"));
    const plain = JSON.parse(
      JSON.stringify(decoded.payload, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value,
      ),
    ) as object;
    payload = maskPersonal(plain);
  } catch (error) {
    payloadError = error instanceof Error ? error.message : "the payload does not decode";
  }
  return { ...summary(letter), headers: letter.headers, payload, payloadError };
}

/** The unit fields lifecycle events carry, most telling first. */
const UNIT_FIELDS = ["receivingUnitCode", "competentAuthorityCode", "applicantCommuneCode", "landCommuneCode"];

/**
 * The province of the dossier a dead-lettered record is about, read from its
 * event's unit fields; "" when the record does not decode or names no unit
 * the reference data knows.
 */
export function dossierProvinceOf(
  units: Pick<AdministrativeUnits, "commune" | "province">,
): (record: ReceivedRecord) => string {
  return (record) => {
    let payload: Record<string, unknown>;
    try {
      payload = decodeEvent(record.headers[CloudEventHeaders.type] ?? "", record.value).payload as unknown as Record<
        string,
        unknown
      >;
    } catch {
      return "";
    }
    for (const field of UNIT_FIELDS) {
      const code = payload[field];
      if (typeof code !== "string" || code === "") continue;
      const province = units.commune(code)?.provinceCode ?? units.province(code.split(".")[0] ?? "")?.code;
      if (province) return province;
    }
    return "";
  };
}

/** The provinces an operator acts for: its province-level unit codes (38, or an agency of it such as 38.CA). */
export function scopeOf(operator: { unitCodes: ReadonlySet<string> }): DeadLetterScope {
  return {
    provinces: new Set(
      [...operator.unitCodes].map((unit) => unit.split(".")[0] ?? "").filter((code) => /^\d{2}$/.test(code)),
    ),
  };
}

function deadLetterTarget(id: string): string {
  return DEAD_LETTER_ID.test(id) ? `dead-letter:${id}` : MALFORMED_TARGET;
}

/**
 * The operators' hold on the service's dead letters (decision 36): list,
 * inspect (payload decoded, personal fields masked), replay, discard with a
 * reason. Replay and discard are recorded in the audit chain with the
 * letter's id; the discard reason, free text, stays with the letter.
 */
export function deadLetterRoutes(
  http: HttpApp,
  ledger: DeadLetterLedger,
  audit: (event: AuditEvent) => void,
  now: () => Date,
): void {
  http.route({
    method: "get",
    path: "/ops/dead-letters",
    access: OPERATORS,
    doc: {
      operationId: "listDeadLetters",
      summary: "The service's dead letters, newest first, by state and event type",
      query: listQuery,
      responses: { 200: { description: "A page of letters", json: z.object({ letters: z.array(letterSummary) }) } },
    },
    handle: async (request, response, caller) => {
      const query = parseInput(listQuery, request.query);
      const page = await ledger.list(scopeOf(caller.official), query);
      response.json({ letters: page.letters.map(summary) });
    },
  });
  http.route({
    method: "get",
    path: "/ops/dead-letters/:id",
    access: OPERATORS,
    doc: {
      operationId: "getDeadLetter",
      summary: "One dead letter: why it failed, its headers and its payload with personal fields masked",
      params: idParams,
      responses: { 200: { description: "The letter", json: letterDetail } },
    },
    handle: async (request, response, caller) => {
      const { id } = parseInput(idParams, request.params);
      response.json(detail(await ledger.get(scopeOf(caller.official), id)));
    },
  });
  http.route({
    method: "post",
    path: "/ops/dead-letters/:id/replay",
    access: OPERATORS,
    body: "none",
    doc: {
      operationId: "replayDeadLetter",
      summary: "Send the letter's record back to its topic, with its event id (audited)",
      params: idParams,
      responses: { 202: { description: "Sent back; the letter is closed as replayed", json: letterSummary } },
    },
    handle: async (request, response, caller) => {
      const { id } = parseInput(idParams, request.params);
      const replayed = await ledger.replay(scopeOf(caller.official), id, caller.official.subject, now());
      audit({ action: "replay_dead_letter", outcome: "done", target: deadLetterTarget(id), ...callerIds(caller) });
      response.status(202).json(summary(replayed));
    },
  });
  http.route({
    method: "post",
    path: "/ops/dead-letters/:id/discard",
    access: OPERATORS,
    doc: {
      operationId: "discardDeadLetter",
      summary: "Give the letter up, saying why (audited)",
      params: idParams,
      body: discardBody,
      responses: { 200: { description: "Closed as discarded", json: letterSummary } },
    },
    handle: async (request, response, caller) => {
      const { id } = parseInput(idParams, request.params);
      const { reason } = parseInput(discardBody, request.body);
      const discarded = await ledger.discard(scopeOf(caller.official), id, caller.official.subject, reason, now());
      audit({ action: "discard_dead_letter", outcome: "done", target: deadLetterTarget(id), ...callerIds(caller) });
      response.json(summary(discarded));
    },
  });
}
