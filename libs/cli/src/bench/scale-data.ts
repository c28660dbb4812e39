/**
 * Synthetic dossiers for `lienthong bench:scale`: the records intake and
 * routing would have stored for a year of submissions, built with the
 * services' own record types and the domain's rules (competent authority,
 * appointment, timeliness, dossier codes), spread over every sample unit,
 * procedure and status. Applicants are invented; no real person appears.
 *
 * The generator is deterministic for a seed, so that two processes (one per
 * store) can produce the same dossiers without passing them to each other.
 */
import { common } from "@lienthong/contracts";
import {
  DOSSIER_STATES,
  DossierStatus,
  classifyTimeliness,
  computeAppointment,
  formatDossierCode,
  dossierSequenceKey,
  isTerminalStatus,
  resolveCompetentAuthority,
  termsFor,
  type AdministrativeUnits,
  type DossierState,
  type Procedure,
  type ProcedureCatalog,
  type WorkingCalendar,
} from "@lienthong/domain";
import type { ApplicationRecord, TimelineEntry } from "@lienthong/intake";
import { agencyRecord, type AgencyRecord, type AssignmentRecord } from "@lienthong/routing";

export interface ScaleReferenceData {
  units: AdministrativeUnits;
  catalog: ProcedureCatalog;
  calendar: WorkingCalendar;
}

export interface SyntheticDossier {
  application: ApplicationRecord;
  assignment: AssignmentRecord;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Submissions are spread over the year before the generator's `now`. */
export const SCALE_SPAN_DAYS = 365;

/** mulberry32: a small, fast, seedable PRNG; Math.random cannot be replayed in a second process. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Lò", "Hà", "Cầm"];
const MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Minh", "Thu", "Đức", "Ngọc"];
const GIVEN_NAMES = ["An", "Bình", "Chi", "Dũng", "Giang", "Hoa", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Quân", "Thảo"];

/**
 * Where an accepted dossier stands, by when its decision was due to come
 * (weights are shares of dossiers): most of those due long ago are settled,
 * a few of those due lately are still open past their appointment
 * (overdue), and those not due yet are being processed or wait on the
 * applicant.
 */
const SETTLED_MIX: readonly (readonly [DossierStatus, number])[] = [
  [DossierStatus.RESULT_RETURNED, 92],
  [DossierStatus.DECIDED, 2],
  [DossierStatus.WITHDRAWN, 3],
  [DossierStatus.STOPPED, 3],
];
const LATELY_DUE_MIX: readonly (readonly [DossierStatus, number])[] = [
  [DossierStatus.RESULT_RETURNED, 70],
  [DossierStatus.DECIDED, 20],
  [DossierStatus.PROCESSING, 4],
  [DossierStatus.WITHDRAWN, 3],
  [DossierStatus.STOPPED, 3],
];
const NOT_DUE_MIX: readonly (readonly [DossierStatus, number])[] = [
  [DossierStatus.PROCESSING, 75],
  [DossierStatus.SUPPLEMENT_REQUESTED, 13],
  [DossierStatus.AWAITING_PAYMENT, 5],
  [DossierStatus.WITHDRAWN, 2],
  [DossierStatus.STOPPED, 5],
];
/** Decisions due within this many days are "lately due". */
const LATELY_DUE_DAYS = 60;
/** Share of applications refused at the intake check. */
const REFUSED_SHARE = 0.04;
/** Dossiers younger than this may still wait for their intake check. */
const UNCHECKED_HOURS = 36;

const STATE_OF: Record<DossierStatus, DossierState | undefined> = {
  [DossierStatus.SUBMITTED]: "submitted",
  [DossierStatus.ACCEPTED]: undefined,
  [DossierStatus.REFUSED]: "refused",
  [DossierStatus.PROCESSING]: "processing",
  [DossierStatus.SUPPLEMENT_REQUESTED]: "supplement_requested",
  [DossierStatus.AWAITING_PAYMENT]: "awaiting_payment",
  [DossierStatus.WITHDRAWN]: "withdrawn",
  [DossierStatus.STOPPED]: "stopped",
  [DossierStatus.DECIDED]: "decided",
  [DossierStatus.RESULT_RETURNED]: "result_returned",
};

const TIMELINESS: Record<ReturnType<typeof classifyTimeliness>, common.Timeliness> = {
  early: common.Timeliness.TIMELINESS_EARLY,
  on_time: common.Timeliness.TIMELINESS_ON_TIME,
  late: common.Timeliness.TIMELINESS_LATE,
};

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function weighted<T>(random: () => number, mix: readonly (readonly [T, number])[]): T {
  const total = mix.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [item, weight] of mix) {
    draw -= weight;
    if (draw < 0) return item;
  }
  return mix[mix.length - 1]![0];
}

function hex(random: () => number, digits: number): string {
  let out = "";
  for (let i = 0; i < digits; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** A version-4-shaped UUID from the seeded generator. */
function uuid(random: () => number): string {
  const variant = "89ab"[Math.floor(random() * 4)]!;
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${variant}${hex(random, 3)}-${hex(random, 12)}`;
}

function digits(random: () => number, count: number): string {
  let out = "";
  for (let i = 0; i < count; i++) out += Math.floor(random() * 10).toString();
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Synthetic form values that pass the procedure's own field patterns. */
function formFieldsOf(procedure: Procedure, fullName: string, citizenId: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const field of procedure.formFields) {
    if (/citizenid/i.test(field.name)) fields[field.name] = citizenId;
    else if (/phone/i.test(field.name)) fields[field.name] = "0912345678";
    else if (/name/i.test(field.name)) fields[field.name] = fullName;
    else if (field.required) fields[field.name] = "Nội dung mẫu";
  }
  return fields;
}

export interface GeneratorOptions {
  count: number;
  /** The instant the year of submissions ends at. */
  now: Date;
  seed: number;
  reference: ScaleReferenceData;
}

/**
 * Yields `count` dossiers in submission order (so that each receiving unit's
 * daily dossier codes count up as intake issues them) and, once done, the
 * last sequence number of every unit and day for intake's counters.
 */
export class ScaleDossierGenerator {
  private readonly random: () => number;
  private readonly procedures: Procedure[];
  private readonly communes: { code: string; provinceCode: string; fullName: string }[];
  /** `dossierSequenceKey` → last sequence issued. */
  readonly sequences = new Map<string, number>();

  constructor(private readonly options: GeneratorOptions) {
    this.random = seededRandom(options.seed);
    this.procedures = options.reference.catalog.current(options.now);
    this.communes = options.reference.units
      .provinces()
      .flatMap((province) => options.reference.units.communesOf(province.code));
    if (this.procedures.length === 0 || this.communes.length === 0)
      throw new Error("the reference data has no procedure or no commune to generate dossiers for");
  }

  *dossiers(): Generator<SyntheticDossier> {
    const { count, now } = this.options;
    const end = now.getTime() - HOUR_MS;
    const start = end - SCALE_SPAN_DAYS * DAY_MS;
    const step = (end - start) / count;
    for (let index = 0; index < count; index++) {
      yield this.dossier(Math.floor(start + (index + this.random()) * step), now.getTime());
    }
  }

  private dossier(submittedMs: number, nowMs: number): SyntheticDossier {
    const random = this.random;
    const { units, calendar } = this.options.reference;
    const receiving = pick(random, this.communes);
    const procedure = pick(random, this.procedures);
    // Boundary-free intake: one in five applicants lives in another commune than where they hand in.
    const home = random() < 0.2 ? pick(random, this.communes) : receiving;
    const dossierId = uuid(random);
    const submittedAt = new Date(submittedMs);
    const sequenceKey = dossierSequenceKey(receiving.code, submittedAt);
    const sequence = (this.sequences.get(sequenceKey) ?? 0) + 1;
    this.sequences.set(sequenceKey, sequence);
    const dossierCode = formatDossierCode(receiving.code, submittedAt, sequence);
    const channel = random() < 0.6 ? common.Channel.CHANNEL_ONLINE : common.Channel.CHANNEL_COUNTER;
    // The time limit and fee of the channel the dossier came through, as routing counts them.
    const terms = termsFor(procedure, channel === common.Channel.CHANNEL_ONLINE ? "online" : "in_person");
    const fullName = `${pick(random, FAMILY_NAMES)} ${pick(random, MIDDLE_NAMES)} ${pick(random, GIVEN_NAMES)}`;
    const citizenId = `0${digits(random, 11)}`;

    const ageMs = nowMs - submittedMs;
    const draw = random();
    const unchecked = ageMs < UNCHECKED_HOURS * HOUR_MS && draw < 0.5;
    const accepted = !unchecked && draw < 1 - REFUSED_SHARE;
    const authority = accepted ? this.authorityOf(procedure, home.code) : null;
    const acceptedMs = accepted ? Math.min(submittedMs + (0.5 + random() * 8) * HOUR_MS, nowMs - 1) : undefined;
    const appointmentMs =
      acceptedMs === undefined
        ? undefined
        : computeAppointment(new Date(acceptedMs), terms.processingTime, calendar, authority?.provinceCode).getTime();
    // Most decisions come before the appointment, some after it.
    const decisionDueMs =
      acceptedMs === undefined || appointmentMs === undefined
        ? undefined
        : acceptedMs + (appointmentMs - acceptedMs) * (0.2 + random() * 1.0);
    const status =
      decisionDueMs === undefined
        ? unchecked
          ? DossierStatus.SUBMITTED
          : DossierStatus.REFUSED
        : weighted(
            random,
            decisionDueMs > nowMs
              ? NOT_DUE_MIX
              : nowMs - decisionDueMs < LATELY_DUE_DAYS * DAY_MS
                ? LATELY_DUE_MIX
                : SETTLED_MIX,
          );
    const state = STATE_OF[status] ?? "processing";
    const finished = status === DossierStatus.DECIDED || status === DossierStatus.RESULT_RETURNED;
    const finishedMs = finished ? decisionDueMs : undefined;
    const timeliness =
      finishedMs !== undefined && appointmentMs !== undefined
        ? TIMELINESS[classifyTimeliness(new Date(finishedMs), new Date(appointmentMs))]
        : common.Timeliness.TIMELINESS_UNSPECIFIED;
    const lastMs = Math.max(finishedMs ?? acceptedMs ?? submittedMs, submittedMs);
    const paused =
      status === DossierStatus.SUPPLEMENT_REQUESTED ||
      status === DossierStatus.AWAITING_PAYMENT ||
      status === DossierStatus.STOPPED;
    const open = !isTerminalStatus(status);
    const appointmentAt = appointmentMs === undefined ? null : iso(appointmentMs);
    const pastAppointment = appointmentMs !== undefined && appointmentMs < nowMs;
    // A running dossier whose appointment passed was detected overdue (once); a late result was too.
    const overdue =
      (status === DossierStatus.PROCESSING && pastAppointment) || timeliness === common.Timeliness.TIMELINESS_LATE;
    const running = status === DossierStatus.PROCESSING && appointmentMs !== undefined && !pastAppointment;
    const dueSoonPassed = appointmentMs !== undefined && appointmentMs - nowMs < 2 * DAY_MS;
    const documentId = finished ? uuid(random) : "";
    const officialId = `can-bo-${receiving.code}`;

    const assignment: AssignmentRecord = {
      dossierId,
      dossierCode,
      state,
      status: DOSSIER_STATES[state] ?? status,
      procedureCode: procedure.code,
      procedureName: procedure.name,
      procedureVersion: accepted ? procedure.version : 0,
      channel,
      submittedAt: iso(submittedMs),
      receivingUnitCode: receiving.code,
      receivingProvinceCode: receiving.provinceCode,
      competenceCommuneCode: home.code,
      competentAuthority: authority,
      competentAuthorityCode: authority?.code ?? "",
      competentCommuneCode: authority?.communeCode ?? "",
      competentProvinceCode: authority?.provinceCode ?? "",
      queueAgencyCode: authority?.code ?? receiving.code,
      queueKey: `${appointmentAt ?? ""}|${dossierId}`,
      open,
      acceptedAt: acceptedMs === undefined ? null : iso(acceptedMs),
      acceptedBy: accepted ? officialId : "",
      appointmentAt,
      pausedAt: paused ? iso(lastMs) : null,
      missingItems: status === DossierStatus.SUPPLEMENT_REQUESTED ? ["Bản sao giấy khai sinh"] : [],
      payment:
        status === DossierStatus.AWAITING_PAYMENT
          ? { amountVnd: terms.fee || 50_000, requestedAt: iso(lastMs), receiptNumber: "", recordedAt: null }
          : null,
      reason: status === DossierStatus.REFUSED ? "Hồ sơ chưa đủ thành phần" : "",
      dueSoonAt: running && !dueSoonPassed ? iso(appointmentMs - DAY_MS) : null,
      overdueCheckAt: running ? iso(appointmentMs + DAY_MS) : null,
      dueSoonFiredFor: running && dueSoonPassed ? appointmentAt : null,
      overdueFiredFor: overdue ? appointmentAt : null,
      overdue,
      apologies: 0,
      applicantFullName: fullName,
      traceparent: `00-${hex(random, 32)}-${hex(random, 16)}-01`,
      decision:
        finishedMs === undefined
          ? null
          : {
              outcome: common.DecisionOutcome.DECISION_OUTCOME_APPROVED,
              officialId: `chu-tich-${authority?.code ?? receiving.code}`,
              summary: "Đồng ý giải quyết",
              decidedAt: iso(finishedMs),
              signatureRequestId: uuid(random),
            },
      result:
        finishedMs === undefined
          ? null
          : { documentId, downloadPath: `/v1/documents/${documentId}`, issuedAt: iso(finishedMs), timeliness },
      finishedAt: finishedMs === undefined ? null : iso(finishedMs),
      timeliness,
      updatedAt: iso(lastMs),
    };

    const timeline: TimelineEntry[] = [];
    const entry = (at: number, entryStatus: number, eventType: string, source: string) =>
      timeline.push({ status: entryStatus, eventType, occurredAt: iso(at), source, eventId: uuid(random) });
    entry(submittedMs, DossierStatus.SUBMITTED, "gov.lienthong.application.submitted.v1", "intake");
    if (status === DossierStatus.REFUSED)
      entry(lastMs, DossierStatus.REFUSED, "gov.lienthong.application.refused.v1", "routing");
    if (acceptedMs !== undefined) {
      entry(acceptedMs, DossierStatus.ACCEPTED, "gov.lienthong.application.accepted.v1", "routing");
      entry(acceptedMs, DossierStatus.PROCESSING, "gov.lienthong.dossier.routed.v1", "routing");
    }
    if (finishedMs !== undefined) {
      entry(finishedMs, 0, "gov.lienthong.dossier.decided.v1", "routing");
      entry(finishedMs, DossierStatus.DECIDED, "gov.lienthong.dossier.result_issued.v1", "routing");
    }
    if (status === DossierStatus.RESULT_RETURNED)
      entry(lastMs, DossierStatus.RESULT_RETURNED, "gov.lienthong.dossier.result_returned.v1", "routing");

    const application: ApplicationRecord = {
      dossierId,
      dossierCode,
      status,
      procedureCode: procedure.code,
      receivingUnitCode: receiving.code,
      applicantCommuneCode: home.code,
      landCommuneCode: null,
      channel,
      applicant: {
        fullName,
        citizenId,
        phone: `09${digits(random, 8)}`,
        email: `nguoi.nop.${dossierId.slice(0, 8)}@example.vn`,
        address: `Thôn ${1 + Math.floor(random() * 20)}, ${units.commune(home.code)?.fullName ?? home.fullName}`,
      },
      formFields: formFieldsOf(procedure, fullName, citizenId),
      attachments: [
        {
          name: "don-de-nghi.pdf",
          mediaType: "application/pdf",
          sizeBytes: 40_000 + Math.floor(random() * 400_000),
          sha256: hex(random, 64),
        },
      ],
      clientId: channel === common.Channel.CHANNEL_ONLINE ? "portal" : `commune-system-${receiving.code}`,
      submittedAt: iso(submittedMs),
      listKey: `${iso(submittedMs)}|${dossierId}`,
      appointmentAt,
      competentAuthorityCode: authority?.code ?? null,
      competentAuthorityName: authority?.name ?? null,
      supplementRequest:
        status === DossierStatus.SUPPLEMENT_REQUESTED
          ? { requestedAt: iso(lastMs), missingItems: assignment.missingItems }
          : null,
      withdrawalRequestedAt: status === DossierStatus.WITHDRAWN ? iso(lastMs) : null,
      resultDocumentPath: finished ? `/v1/documents/${documentId}` : null,
      ...(finished && { resultDocumentId: documentId }),
      timeline,
      updatedAt: iso(lastMs),
    };
    return { application, assignment };
  }

  private authorityOf(procedure: Procedure, communeCode: string): AgencyRecord {
    return agencyRecord(
      resolveCompetentAuthority({
        procedure,
        applicantCommuneCode: communeCode,
        units: this.options.reference.units,
        agencyKinds: this.options.reference.catalog.agencyKinds,
      }),
    );
  }
}
