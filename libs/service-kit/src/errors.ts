import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Metadata, status as GrpcStatus } from "@grpc/grpc-js";

/**
 * The closed set of error codes every service speaks. Transports map them once
 * (toProblem for HTTP, toGrpcError for gRPC); use cases only ever throw these.
 */
export const errorCodes = [
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "FAILED_PRECONDITION",
  "CONFLICT",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "UNAUTHENTICATED",
  "RESOURCE_EXHAUSTED",
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "INTERNAL",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface FieldViolation {
  /** Path of the offending field in the request, e.g. "applicant.phone". */
  field: string;
  /** Why it is wrong, written by us: never echo the submitted value. */
  reason: string;
}

export interface ServiceErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  violations?: FieldViolation[];
  /** Machine-readable context for the caller, e.g. { status, allowedActions }. */
  details?: Record<string, unknown>;
}

/** Codes a caller may retry unchanged and reasonably expect a different outcome. */
const retriableByDefault: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "CONFLICT",
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "RESOURCE_EXHAUSTED",
]);

/**
 * The one error type of the platform. Its message is shown to callers, so it
 * must never contain personal data (DOMAIN.md §7).
 */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly violations: FieldViolation[] | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? retriableByDefault.has(code);
    this.violations = options.violations;
    this.details = options.details;
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}

export function invalidArgument(violations: FieldViolation[], message = "The request is invalid"): ServiceError {
  return new ServiceError("INVALID_ARGUMENT", message, { violations });
}

/** `ref` must be a non-personal reference such as a dossier code or id. */
export function notFound(what: string, ref: string): ServiceError {
  return new ServiceError("NOT_FOUND", `${what} ${ref} was not found`, { details: { resource: what, ref } });
}

export function failedPrecondition(message: string, details?: Record<string, unknown>): ServiceError {
  return new ServiceError("FAILED_PRECONDITION", message, { details });
}

export function conflict(message: string, details?: Record<string, unknown>): ServiceError {
  return new ServiceError("CONFLICT", message, { details });
}

/**
 * Brings any thrown value into the closed set. Other libraries (storage's
 * ConflictError) signal a conflict by shape — `code: "CONFLICT"` plus
 * `retriable` — so this package does not depend on them. Anything else is an
 * INTERNAL error whose own message is kept only as the cause.
 */
export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err;
  if (isGrpcError(err)) return fromGrpcError(err);
  if (isConflictShaped(err)) {
    return new ServiceError("CONFLICT", "The resource was changed concurrently; retry the request", {
      retriable: err.retriable,
      cause: err,
    });
  }
  return new ServiceError("INTERNAL", "Internal error", { cause: err });
}

/** An error from a gRPC client call (a downstream service), as grpc-js raises it. */
function isGrpcError(err: unknown): err is { code: number; details?: string; metadata: Metadata } {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === "number" &&
    (err as { metadata?: unknown }).metadata instanceof Metadata
  );
}

function isConflictShaped(err: unknown): err is { code: "CONFLICT"; retriable: boolean } {
  return (
    typeof err === "object" &&
    err !== null &&
    (err as { code?: unknown }).code === "CONFLICT" &&
    typeof (err as { retriable?: unknown }).retriable === "boolean"
  );
}

/**
 * What may be logged about an error: its type, code and stack frames. The
 * message line is dropped for errors we did not raise ourselves, because
 * driver messages (a duplicate-key error, say) can quote the stored value.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (err instanceof ServiceError) {
    const cause = err.cause === undefined ? undefined : loggableError(err.cause);
    return { type: err.name, code: err.code, message: err.message, stack: framesOf(err), ...(cause && { cause }) };
  }
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const loggableCode = typeof code === "string" || typeof code === "number" ? { code } : {};
    return { type: err.name, ...loggableCode, stack: framesOf(err) };
  }
  return { type: typeof err };
}

function framesOf(err: Error): string | undefined {
  return err.stack
    ?.split("\n")
    .filter((line) => line.trimStart().startsWith("at "))
    .join("\n");
}

// ---------------------------------------------------------------- HTTP

const httpStatusByCode: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  // An illegal transition conflicts with the dossier's current state: 409 in REST terms.
  FAILED_PRECONDITION: 409,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
};

const titleByCode: Record<ErrorCode, string> = {
  INVALID_ARGUMENT: "Invalid argument",
  NOT_FOUND: "Not found",
  FAILED_PRECONDITION: "Failed precondition",
  CONFLICT: "Conflict",
  ALREADY_EXISTS: "Already exists",
  PERMISSION_DENIED: "Permission denied",
  UNAUTHENTICATED: "Unauthenticated",
  RESOURCE_EXHAUSTED: "Too many requests",
  UNAVAILABLE: "Service unavailable",
  DEADLINE_EXCEEDED: "Deadline exceeded",
  INTERNAL: "Internal error",
};

export const problemTypeBase = "https://lienthong.gov.vn/problems/";
export const problemContentType = "application/problem+json";

/** An RFC 9457 problem document, with our code, violations and trace id as extensions. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  retriable: boolean;
  violations?: FieldViolation[];
  details?: Record<string, unknown>;
  traceId?: string;
}

export function httpStatusOf(code: ErrorCode): number {
  return httpStatusByCode[code];
}

export function toProblem(err: unknown, traceId?: string): Problem {
  const error = toServiceError(err);
  const problem: Problem = {
    type: problemTypeBase + error.code.toLowerCase().replace(/_/g, "-"),
    title: titleByCode[error.code],
    status: httpStatusByCode[error.code],
    detail: publicDetail(error),
    code: error.code,
    retriable: error.retriable,
  };
  if (error.violations?.length) problem.violations = error.violations;
  if (error.details && error.code !== "INTERNAL") problem.details = error.details;
  if (traceId) problem.traceId = traceId;
  return problem;
}

function publicDetail(error: ServiceError): string {
  // An internal error's message may come from anywhere; the trace id is what support needs.
  if (error.code === "INTERNAL") return "An internal error occurred; quote the trace id when reporting it.";
  return error.message;
}

// ---------------------------------------------------------------- gRPC

const grpcStatusByCode: Record<ErrorCode, GrpcStatus> = {
  INVALID_ARGUMENT: GrpcStatus.INVALID_ARGUMENT,
  NOT_FOUND: GrpcStatus.NOT_FOUND,
  FAILED_PRECONDITION: GrpcStatus.FAILED_PRECONDITION,
  // gRPC's guidance: ABORTED for concurrency conflicts the client retries at a higher level.
  CONFLICT: GrpcStatus.ABORTED,
  ALREADY_EXISTS: GrpcStatus.ALREADY_EXISTS,
  PERMISSION_DENIED: GrpcStatus.PERMISSION_DENIED,
  UNAUTHENTICATED: GrpcStatus.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: GrpcStatus.RESOURCE_EXHAUSTED,
  UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  DEADLINE_EXCEEDED: GrpcStatus.DEADLINE_EXCEEDED,
  INTERNAL: GrpcStatus.INTERNAL,
};

export const grpcStatusDetailsKey = "grpc-status-details-bin";
/** ErrorInfo.domain of our errors; ErrorInfo.reason carries the ErrorCode. */
export const errorDomain = "lienthong.gov.vn";
const typeUrlPrefix = "type.googleapis.com/";
const badRequestType = `${typeUrlPrefix}google.rpc.BadRequest`;
const errorInfoType = `${typeUrlPrefix}google.rpc.ErrorInfo`;

/** The shape grpc-js accepts from a handler as an error (ServerErrorResponse). */
export interface GrpcError extends Error {
  code: GrpcStatus;
  details: string;
  metadata: Metadata;
}

export function grpcStatusOf(code: ErrorCode): GrpcStatus {
  return grpcStatusByCode[code];
}

/**
 * Maps an error for a gRPC reply: the status code, a readable `details` string
 * listing `field: reason`, and the same facts as a google.rpc.Status (with
 * BadRequest and ErrorInfo details) in the grpc-status-details-bin trailer.
 */
export function toGrpcError(err: unknown): GrpcError {
  const error = toServiceError(err);
  const status = grpcStatusByCode[error.code];
  const message = publicDetail(error);
  const violations = error.violations ?? [];
  const details = violations.length
    ? `${message}: ${violations.map((v) => `${v.field}: ${v.reason}`).join("; ")}`
    : message;
  const metadata = new Metadata();
  metadata.set(grpcStatusDetailsKey, Buffer.from(encodeRpcStatus(status, message, error.code, violations)));
  return Object.assign(new Error(details), { code: status, details, metadata });
}

// Field numbers below are those of google/rpc/status.proto, error_details.proto
// and google/protobuf/any.proto; only the fields we send are written.
function encodeRpcStatus(code: number, message: string, reason: ErrorCode, violations: FieldViolation[]): Uint8Array {
  const w = new BinaryWriter();
  w.uint32((1 << 3) | 0).int32(code); // Status.code
  w.uint32((2 << 3) | 2).string(message); // Status.message
  if (violations.length) writeAny(w, badRequestType, encodeBadRequest(violations));
  writeAny(w, errorInfoType, encodeErrorInfo(reason));
  return w.finish();
}

function writeAny(w: BinaryWriter, typeUrl: string, value: Uint8Array): void {
  w.uint32((3 << 3) | 2).fork(); // Status.details (repeated Any)
  w.uint32((1 << 3) | 2).string(typeUrl); // Any.type_url
  w.uint32((2 << 3) | 2).bytes(value); // Any.value
  w.join();
}

function encodeBadRequest(violations: FieldViolation[]): Uint8Array {
  const w = new BinaryWriter();
  for (const v of violations) {
    w.uint32((1 << 3) | 2).fork(); // BadRequest.field_violations
    w.uint32((1 << 3) | 2).string(v.field); // FieldViolation.field
    w.uint32((2 << 3) | 2).string(v.reason); // FieldViolation.description
    w.join();
  }
  return w.finish();
}

function encodeErrorInfo(reason: ErrorCode): Uint8Array {
  const w = new BinaryWriter();
  w.uint32((1 << 3) | 2).string(reason); // ErrorInfo.reason
  w.uint32((2 << 3) | 2).string(errorDomain); // ErrorInfo.domain
  return w.finish();
}

/** What a grpc-status-details-bin trailer says, decoded. */
export interface RpcStatusDetails {
  code: number;
  message: string;
  violations: FieldViolation[];
  reason?: string;
  domain?: string;
}

export function decodeRpcStatus(bytes: Uint8Array): RpcStatusDetails {
  const out: RpcStatusDetails = { code: 0, message: "", violations: [] };
  forEachField(bytes, (field, r) => {
    if (field === 1) out.code = r.int32();
    else if (field === 2) out.message = r.string();
    else if (field === 3) {
      let typeUrl = "";
      let value: Uint8Array = new Uint8Array();
      forEachField(r.bytes(), (f, ar) => {
        if (f === 1) typeUrl = ar.string();
        else if (f === 2) value = ar.bytes();
        else return false;
        return true;
      });
      if (typeUrl === badRequestType) out.violations.push(...decodeBadRequest(value));
      if (typeUrl === errorInfoType) Object.assign(out, decodeErrorInfo(value));
    } else return false;
    return true;
  });
  return out;
}

function decodeBadRequest(bytes: Uint8Array): FieldViolation[] {
  const violations: FieldViolation[] = [];
  forEachField(bytes, (field, r) => {
    if (field !== 1) return false;
    const v: FieldViolation = { field: "", reason: "" };
    forEachField(r.bytes(), (f, vr) => {
      if (f === 1) v.field = vr.string();
      else if (f === 2) v.reason = vr.string();
      else return false;
      return true;
    });
    violations.push(v);
    return true;
  });
  return violations;
}

function decodeErrorInfo(bytes: Uint8Array): { reason?: string; domain?: string } {
  const info: { reason?: string; domain?: string } = {};
  forEachField(bytes, (field, r) => {
    if (field === 1) info.reason = r.string();
    else if (field === 2) info.domain = r.string();
    else return false;
    return true;
  });
  return info;
}

/** Calls `read` for each field; when it returns false the field is skipped. */
function forEachField(bytes: Uint8Array, read: (field: number, r: BinaryReader) => boolean): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (!read(field, r)) r.skip(wireType);
  }
}

const errorCodeByGrpcStatus = new Map<number, ErrorCode>(
  errorCodes.map((code) => [grpcStatusByCode[code], code] as const),
);

/**
 * Turns an error received by a gRPC client back into a ServiceError, so a
 * service calling another one can rethrow it through its own transport.
 */
export function fromGrpcError(err: { code?: number; details?: string; metadata?: Metadata }): ServiceError {
  const raw = err.metadata?.get(grpcStatusDetailsKey)[0];
  const decoded = Buffer.isBuffer(raw) ? decodeRpcStatus(raw) : undefined;
  const ours = decoded?.domain === errorDomain && errorCodes.includes(decoded.reason as ErrorCode);
  const code: ErrorCode = ours
    ? (decoded.reason as ErrorCode)
    : (errorCodeByGrpcStatus.get(err.code ?? GrpcStatus.UNKNOWN) ?? "INTERNAL");
  const message = decoded?.message ?? err.details ?? "Remote call failed";
  return new ServiceError(code, message, {
    cause: err,
    ...(decoded?.violations.length && { violations: decoded.violations }),
  });
}
