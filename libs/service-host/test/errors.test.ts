import { status } from "@grpc/grpc-js";
import {
  PlatformError,
  conflict,
  failedPrecondition,
  invalidArgument,
  invalidField,
  loggableError,
  notFound,
} from "@lienthong/errors";
import { grpcStatusDetailsKey, retryAfterSecondsOf, toGrpcError, toProblem } from "@lienthong/service-host";
import { ConflictError } from "@lienthong/storage";
import { decodeStatusWithGoogleProtos } from "./support/google-rpc";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

const storageConflict = () => new ConflictError("applications", "abc", { kind: "version", expected: 3, actual: 4 });

describe("toProblem", () => {
  it("renders field violations as an RFC 9457 problem with our code and the trace id", () => {
    const problem = toProblem(
      invalidArgument([
        { field: "applicant.phone", reason: "must be 10 digits starting with 0" },
        { field: "procedureCode", reason: "unknown procedure" },
      ]),
      traceId,
    );
    expect(problem).toEqual({
      type: "https://lienthong.gov.vn/problems/invalid-argument",
      title: "Invalid argument",
      status: 400,
      detail: "The request is invalid",
      code: "INVALID_ARGUMENT",
      reason: "INVALID_ARGUMENT",
      retriable: false,
      violations: [
        { field: "applicant.phone", reason: "must be 10 digits starting with 0" },
        { field: "procedureCode", reason: "unknown procedure" },
      ],
      traceId,
    });
  });

  it.each([
    [notFound("dossier", "000.00.06.H56-231027-0361"), 404, "not-found"],
    [
      failedPrecondition("Cannot decide a dossier that is awaiting a supplement", {
        status: 5,
        allowedActions: ["resume", "withdraw"],
      }),
      409,
      "failed-precondition",
    ],
    [conflict("Dossier changed concurrently"), 409, "conflict"],
    [new PlatformError("ALREADY_EXISTS", "Idempotency key reused with a different body"), 409, "already-exists"],
    [new PlatformError("PERMISSION_DENIED", "Not competent for this dossier"), 403, "permission-denied"],
    [new PlatformError("UNAUTHENTICATED", "Missing API key"), 401, "unauthenticated"],
    [new PlatformError("RESOURCE_EXHAUSTED", "Rate limited"), 429, "resource-exhausted"],
    [new PlatformError("UNAVAILABLE", "Store unavailable"), 503, "unavailable"],
    [new PlatformError("DEADLINE_EXCEEDED", "Too slow"), 504, "deadline-exceeded"],
  ])("maps %p to HTTP %i", (error, httpStatus, slug) => {
    const problem = toProblem(error, traceId);
    expect(problem.status).toBe(httpStatus);
    expect(problem.type).toBe(`https://lienthong.gov.vn/problems/${slug}`);
    expect(problem.detail).toBe(error.message);
  });

  it("carries details such as the current status and the allowed actions", () => {
    const problem = toProblem(failedPrecondition("Illegal transition", { status: 5, allowedActions: ["resume"] }));
    expect(problem.details).toEqual({ status: 5, allowedActions: ["resume"] });
  });

  it("hides the message of an unknown error behind a generic 500", () => {
    const problem = toProblem(new Error('E11000 duplicate key { citizenId: "001203004567" }'), traceId);
    expect(problem).toMatchObject({ status: 500, code: "INTERNAL", traceId });
    expect(JSON.stringify(problem)).not.toContain("001203004567");
    expect(problem.detail).toContain("trace id");
  });

  it("treats storage's conflict as a retriable 409 CONFLICT naming the kind of conflict", () => {
    const problem = toProblem(storageConflict());
    expect(problem).toMatchObject({ status: 409, code: "CONFLICT", reason: "VERSION_MISMATCH", retriable: true });
  });

  it("answers a domain rule's refusal with its own code, never 500", () => {
    const problem = toProblem(invalidField("from", "is not a calendar date"));
    expect(problem).toMatchObject({ status: 400, violations: [{ field: "from", reason: "is not a calendar date" }] });
  });

  it("answers an oversized body with 413", () => {
    expect(toProblem(new PlatformError("PAYLOAD_TOO_LARGE", "too big")).status).toBe(413);
  });
});

describe("toGrpcError", () => {
  it("lists field: reason in details and encodes a google.rpc.Status with BadRequest in the trailer", () => {
    const err = toGrpcError(
      invalidArgument([
        { field: "applicant.citizen_id", reason: "must be 12 digits" },
        { field: "receiving_unit_code", reason: "unknown commune" },
      ]),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toBe(
      "The request is invalid: applicant.citizen_id: must be 12 digits; receiving_unit_code: unknown commune",
    );

    const bytes = err.metadata.get(grpcStatusDetailsKey)[0] as Buffer;
    const decoded = decodeStatusWithGoogleProtos(bytes);
    expect(decoded.code).toBe(status.INVALID_ARGUMENT);
    expect(decoded.message).toBe("The request is invalid");
    expect(decoded.details).toEqual([
      {
        typeUrl: "type.googleapis.com/google.rpc.BadRequest",
        value: {
          fieldViolations: [
            { field: "applicant.citizen_id", description: "must be 12 digits" },
            { field: "receiving_unit_code", description: "unknown commune" },
          ],
        },
      },
      {
        typeUrl: "type.googleapis.com/google.rpc.ErrorInfo",
        value: {
          reason: "INVALID_ARGUMENT",
          domain: "lienthong.gov.vn",
          metadata: { retriable: "false", reason: "INVALID_ARGUMENT" },
        },
      },
    ]);
  });

  it("maps conflicts, ours and storage's, to ABORTED", () => {
    expect(toGrpcError(conflict("changed")).code).toBe(status.ABORTED);
    expect(toGrpcError(storageConflict()).code).toBe(status.ABORTED);
  });

  it("maps each code to its gRPC status", () => {
    expect(toGrpcError(notFound("dossier", "d-1")).code).toBe(status.NOT_FOUND);
    expect(toGrpcError(failedPrecondition("no")).code).toBe(status.FAILED_PRECONDITION);
    expect(toGrpcError(new PlatformError("UNAUTHENTICATED", "no key")).code).toBe(status.UNAUTHENTICATED);
    expect(toGrpcError(new PlatformError("PERMISSION_DENIED", "no")).code).toBe(status.PERMISSION_DENIED);
    expect(toGrpcError(new PlatformError("ALREADY_EXISTS", "dup")).code).toBe(status.ALREADY_EXISTS);
  });

  it("tells a rate-limited caller when to come back with a google.rpc.RetryInfo, as REST does with Retry-After", () => {
    const limited = new PlatformError("RESOURCE_EXHAUSTED", "More than 1200 requests a minute from this client", {
      reason: "CLIENT_RATE_LIMITED",
      details: { retryAfterSeconds: 45, limitPerMinute: 1200 },
    });
    const err = toGrpcError(limited);
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    const decoded = decodeStatusWithGoogleProtos(err.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
    const retryInfo = decoded.details.find((detail) => detail.typeUrl.endsWith("/google.rpc.RetryInfo"));
    expect(Number((retryInfo?.value.retryDelay as { seconds: unknown }).seconds)).toBe(45);
    expect(retryAfterSecondsOf(limited)).toBe(45);

    // Only a refusal that says when: no RetryInfo for a plain RESOURCE_EXHAUSTED or another code.
    for (const other of [new PlatformError("RESOURCE_EXHAUSTED", "full"), conflict("changed")]) {
      const details = decodeStatusWithGoogleProtos(
        toGrpcError(other).metadata.get(grpcStatusDetailsKey)[0] as Buffer,
      ).details;
      expect(details.map((detail) => detail.typeUrl)).not.toContain("type.googleapis.com/google.rpc.RetryInfo");
      expect(retryAfterSecondsOf(other)).toBeUndefined();
    }
  });

  it("never sends an unknown error's message", () => {
    const err = toGrpcError(new TypeError("cannot read phone 0912345678"));
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).not.toContain("0912345678");
    const decoded = decodeStatusWithGoogleProtos(err.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
    expect(decoded.message).not.toContain("0912345678");
  });
});

describe("loggableError", () => {
  it("keeps type, code and frames but drops a foreign error's message", () => {
    const logged = loggableError(new Error("duplicate key citizenId 001203004567"));
    expect(logged.type).toBe("Error");
    expect(String(logged.stack)).toContain("at ");
    expect(JSON.stringify(logged)).not.toContain("001203004567");
  });

  it("keeps our own message, which is written without personal data", () => {
    expect(loggableError(conflict("Dossier changed concurrently")).message).toBe("Dossier changed concurrently");
  });
});
