import { decodeEvent } from "@lienthong/contracts";
import { notFound, toPlatformError } from "@lienthong/errors";
import type { AdministrativeUnits } from "@lienthong/domain";
import {
  CloudEventHeaders,
  DEAD_LETTER_ID,
  DeadLetterLedger,
  type DeadLetterRecord,
  type DeadLetterScope,
  type ReceivedRecord,
} from "@lienthong/messaging";
import { z } from "zod";
import type { AuditEvent } from "./audit/audit-log";
import { callerIds, type Caller } from "./auth/caller";
import type { HttpApp } from "./http";
import { redactPersonal, redactionCensor } from "./logger";
import { parseInput } from "./validation";

const OPERATORS = { staff: ["operator"] } as const;

/** `lienthong.deadletter.<group>.v1:<partition>:<offset>`, as the ledger names a letter. */

const listQuery = z
  .object({
    state: z.enum(["open", "replaying", "replayed", "discarded"]).optional(),
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
    state: z.enum(["open", "replaying", "replayed", "discarded"]),
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

/**
 * What a letter's payload may show: ids, codes, types, times, statuses and
 * numbers — never a name, a free text (an official's summary, a reason) or
 * anything personal. An allow-list, so a field added to an event later is
 * masked until someone decides otherwise.
 */
const SHOWN_TEXT = /^(?:[a-z]+(?:Id|Code|Type|At|Version)|code|status|channel|outcome|timeliness|level|kind|state)$/;

/** Keys that name a person's data whatever their shape (a citizen's id is an "…Id" too). */
const PERSONAL_KEY = /citizen|phone|email|address|fullName|birth/i;

function maskText(value: unknown, key: string): unknown {
  if (typeof value === "string") return SHOWN_TEXT.test(key) && !PERSONAL_KEY.test(key) ? value : redactionCensor;
  if (Array.isArray(value)) return value.map((item) => maskText(item, key));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, maskText(inner, name)]));
  }
  return value;
}

/** The headers a letter shows: CloudEvents attributes and trace context; a foreign producer's own, never. */
function shownHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => name.startsWith("ce_") || ["traceparent", "tracestate", "content-type"].includes(name),
    ),
  );
}

function summary({ headers: _headers, value: _value, ...letter }: DeadLetterRecord & { id: string }) {
  return letter;
}

/** The letter's event decoded and masked: operators see what failed, never whose it is. */
function detail(letter: DeadLetterRecord & { id: string }) {
  let payload: unknown = null;
  let payloadError: string | null = null;
  if (letter.value === "") {
    return { ...summary(letter), headers: {}, payload, payloadError: "not kept once the letter was settled" };
  }
  try {
    const decoded = decodeEvent(letter.type, Buffer.from(letter.value, "base64"));
    const plain = JSON.parse(
      JSON.stringify(decoded.payload, (_key, value: unknown) =>
        value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value,
      ),
    ) as object;
    // Personal keys first (whole applicant objects), then every text the allow-list does not name.
    payload = maskText(redactPersonal(plain), "");
  } catch (error) {
    payloadError = error instanceof Error ? error.message : "the payload does not decode";
  }
  return { ...summary(letter), headers: shownHeaders(letter.headers), payload, payloadError };
}

/** The unit fields lifecycle events carry, most telling first. */
const UNIT_FIELDS = ["receivingUnitCode", "competentAuthorityCode", "applicantCommuneCode", "landCommuneCode"];

/** Every `provinceCode` the payload carries, however deep (an authority's, in routing's and signature's events). */
function provinceCodesIn(value: unknown): string[] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "provinceCode" && typeof inner === "string" && /^\d{2}$/.test(inner) ? [inner] : provinceCodesIn(inner),
  );
}

/** Where the service keeps a dossier's units: its province by the dossier's id, if it knows the dossier. */
export type DossierProvinceLookup = (dossierId: string) => Promise<string | undefined>;

/**
 * The province of the dossier a dead-lettered record is about: a province
 * code its event carries, else the province of a unit it names, else what the
 * service's own store says of the dossier (the record's key); "" when none
 * tells (a record that names no dossier the service knows).
 */
export function dossierProvinceOf(
  units: Pick<AdministrativeUnits, "provinceOf">,
  lookup: () => DossierProvinceLookup | undefined,
): (record: ReceivedRecord) => Promise<string> {
  return async (record) => {
    const carried = carriedProvince(units, record);
    if (carried) return carried;
    return (record.key ? await lookup()?.(record.key) : undefined) ?? "";
  };
}

/** The province an event names, by a province code or by a unit the reference data knows. */
function carriedProvince(units: Pick<AdministrativeUnits, "provinceOf">, record: ReceivedRecord) {
  let payload: Record<string, unknown>;
  try {
    payload = decodeEvent(record.headers[CloudEventHeaders.type] ?? "", record.value).payload as unknown as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  const carried = provinceCodesIn(payload)[0];
  if (carried) return carried;
  for (const field of UNIT_FIELDS) {
    const code = payload[field];
    if (typeof code !== "string" || code === "") continue;
    const province = units.provinceOf(code);
    if (province) return province;
  }
  return undefined;
}

/**
 * The provinces an operator acts for: the province codes among its units (38),
 * as routing and intake read an operator's dossiers. An agency's staff (38.CA)
 * are no province's IT.
 */
export function scopeOf(operator: { unitCodes: ReadonlySet<string> }): DeadLetterScope {
  return { provinces: new Set([...operator.unitCodes].filter((code) => /^\d{2}$/.test(code))) };
}

/** Called only with an id that passed idParams, so it has the shape of one. */
function deadLetterTarget(id: string): string {
  return `dead-letter:${id}`;
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
  /** An operator's action on a letter, in the audit chain whatever its end: done, or refused with why. */
  const audited = async <T>(action: string, id: string, caller: Caller, act: () => Promise<T>): Promise<T> => {
    const target = deadLetterTarget(id);
    try {
      const result = await act();
      audit({ action, outcome: "done", target, ...callerIds(caller) });
      return result;
    } catch (error) {
      const refusal = toPlatformError(error);
      const outcome = refusal.code === "NOT_FOUND" ? "not_found" : "refused";
      audit({ action, outcome, target, reason: refusal.reason, ...callerIds(caller) });
      throw error;
    }
  };
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
      audit({ action: "list_dead_letters", outcome: "allowed", target: "dead-letters", ...callerIds(caller) });
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
      const { outcome, letter } = await ledger.lookup(scopeOf(caller.official), id);
      audit({ action: "read_dead_letter", outcome, target: deadLetterTarget(id), ...callerIds(caller) });
      if (!letter) throw notFound("Dead letter", id);
      response.json(detail({ id, ...letter.data }));
    },
  });
  http.route({
    method: "post",
    path: "/ops/dead-letters/:id/replay",
    access: OPERATORS,
    body: "none",
    doc: {
      operationId: "replayDeadLetter",
      summary: "Send the letter's record to its consumer group's replay topic, with its event id (audited)",
      params: idParams,
      responses: { 202: { description: "Sent back; the letter is closed as replayed", json: letterSummary } },
    },
    handle: async (request, response, caller) => {
      const { id } = parseInput(idParams, request.params);
      const replayed = await audited("replay_dead_letter", id, caller, () =>
        ledger.replay(scopeOf(caller.official), id, caller.official.subject, now()),
      );
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
      const discarded = await audited("discard_dead_letter", id, caller, () =>
        ledger.discard(scopeOf(caller.official), id, caller.official.subject, reason, now()),
      );
      response.json(summary(discarded));
    },
  });
}
