import { timingSafeEqual } from "node:crypto";
import { DOSSIER_CODE_PATTERN, lastFour, statusLabel } from "@lienthong/domain";
import { PlatformError, notFound } from "@lienthong/errors";
import { isPlatformId } from "@lienthong/service-host";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { findApplication } from "../store/find-application";
import type { ApplicationRecord } from "../store/collections";
import type { events } from "@lienthong/contracts";
import type { IntakePorts } from "./ports";

export interface LookupLimits {
  perCodePerMinute: number;
  perIpPerMinute: number;
}

/**
 * Bounds guessing on the public lookup: per dossier code, so a code's second
 * factor (10,000 possibilities) cannot be enumerated, and per client IP, so
 * one client cannot sweep many codes. Every attempt counts, found or not.
 */
export class LookupRateLimiter {
  private readonly perCode: RateLimiterMemory;
  private readonly perIp: RateLimiterMemory;

  constructor(limits: LookupLimits) {
    this.perCode = new RateLimiterMemory({ keyPrefix: "lookup-code", points: limits.perCodePerMinute, duration: 60 });
    this.perIp = new RateLimiterMemory({ keyPrefix: "lookup-ip", points: limits.perIpPerMinute, duration: 60 });
  }

  /** RESOURCE_EXHAUSTED, with `retryAfterSeconds` in its details, when either limit is spent. */
  async admit(clientIp: string, dossierCode: string): Promise<void> {
    try {
      await this.perIp.consume(clientIp);
      await this.perCode.consume(dossierCode);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new PlatformError("RESOURCE_EXHAUSTED", `Too many status lookups; retry after ${retryAfterSeconds} s`, {
        details: { retryAfterSeconds },
      });
    }
  }
}

export interface PublicStatus {
  dossierCode: string;
  status: number;
  statusLabel: string;
  procedureName: string;
  submittedAt: string;
  appointmentAt: string | undefined;
  /** Once the result is signed: where the applicant downloads it (signature's REST API), until it expires. */
  resultDownloadPath?: string;
  resultDownloadExpiresAt?: string;
  /** The desk's signed slips, oldest first, each downloadable like the result. */
  slips: PublicSlip[];
}

export interface PublicSlip {
  kind: events.SlipKind;
  issuedAt: string;
  downloadPath: string;
  downloadExpiresAt: string;
}

const FACTOR = /^\d{4}$/;

/**
 * Public status tracking (the QR link on the slip): the dossier code plus the
 * last four digits of the applicant's citizen ID or phone. An unknown code and
 * a wrong factor give the same NOT_FOUND, so neither can be probed; only
 * status, procedure and dates are returned, and a link that downloads for ten
 * minutes each signed document the applicant holds: the result once signed
 * (docs/decisions.md §23) and the desk's slips (§58).
 */
export async function lookupStatus(
  ports: IntakePorts,
  limiter: LookupRateLimiter,
  request: { clientIp: string; dossierCode: string; secondFactor: string },
): Promise<PublicStatus> {
  const dossierCode = request.dossierCode.trim().toUpperCase();
  await limiter.admit(request.clientIp, dossierCode);
  const record = DOSSIER_CODE_PATTERN.test(dossierCode)
    ? (await findApplication(ports.store, dossierCode))?.data
    : undefined;
  if (!record || !FACTOR.test(request.secondFactor) || !factorMatches(record, request.secondFactor)) {
    throw notFound("dossier", "with this code and second factor");
  }
  const { status } = record;
  const answer: PublicStatus = {
    dossierCode: record.dossierCode,
    status,
    statusLabel: statusLabel(status),
    procedureName: ports.catalog.find(record.procedureCode, new Date(record.submittedAt))?.name ?? record.procedureCode,
    submittedAt: record.submittedAt,
    appointmentAt: record.appointmentAt ?? undefined,
    slips: (record.slips ?? []).map(({ kind, documentId, issuedAt }) => {
      const link = ports.documentLink(documentId);
      return { kind, issuedAt, downloadPath: link.path, downloadExpiresAt: link.expiresAt.toISOString() };
    }),
  };
  // Ids only: which dossier's documents links were handed out for, never to whom.
  if (answer.slips.length > 0)
    ports.audit({ clientId: "", action: "issue_slip_links", target: record.dossierId, decision: "allowed" });
  const documentId = resultDocumentOf(record);
  if (documentId === undefined) return answer;
  const link = ports.documentLink(documentId);
  ports.audit({ clientId: "", action: "issue_result_link", target: record.dossierId, decision: "allowed" });
  return { ...answer, resultDownloadPath: link.path, resultDownloadExpiresAt: link.expiresAt.toISOString() };
}

/**
 * The signed result's document id, once there is one. Records projected
 * before the id was kept have signature's download path, `/v1/documents/{id}`.
 */
function resultDocumentOf(record: ApplicationRecord): string | undefined {
  if (record.resultDocumentId !== undefined) return record.resultDocumentId;
  const fromPath = /^\/v1\/documents\/([^/]+)$/.exec(record.resultDocumentPath ?? "")?.[1];
  return fromPath !== undefined && isPlatformId(fromPath) ? fromPath : undefined;
}

function factorMatches(record: ApplicationRecord, factor: string): boolean {
  const candidates = [record.applicant.citizenId, record.applicant.phone]
    .filter((value) => value.length >= 4)
    .map(lastFour);
  // Both candidates are compared, always, in constant time: no timing hint of which one (if any) matched.
  return candidates.map((candidate) => safeEqual(candidate, factor)).includes(true);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
