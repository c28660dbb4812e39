import { Metadata, status } from "@grpc/grpc-js";
import {
  ServiceError,
  conflict,
  decodeRpcStatus,
  failedPrecondition,
  fromGrpcError,
  grpcStatusDetailsKey,
  invalidArgument,
  loggableError,
  notFound,
  toGrpcError,
  toProblem,
} from "@lienthong/service-kit";
import { decodeStatusWithGoogleProtos } from "./support/google-rpc";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

/** Storage's ConflictError, by shape: service-kit must not depend on storage. */
class StorageConflictError extends Error {
  readonly code = "CONFLICT";
  readonly retriable = true;
}

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
    [new ServiceError("ALREADY_EXISTS", "Idempotency key reused with a different body"), 409, "already-exists"],
    [new ServiceError("PERMISSION_DENIED", "Not competent for this dossier"), 403, "permission-denied"],
    [new ServiceError("UNAUTHENTICATED", "Missing API key"), 401, "unauthenticated"],
    [new ServiceError("RESOURCE_EXHAUSTED", "Rate limited"), 429, "resource-exhausted"],
    [new ServiceError("UNAVAILABLE", "Store unavailable"), 503, "unavailable"],
    [new ServiceError("DEADLINE_EXCEEDED", "Too slow"), 504, "deadline-exceeded"],
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

  it("treats storage's conflict as a retriable 409 CONFLICT", () => {
    const problem = toProblem(new StorageConflictError("applications/abc expected version 3"));
    expect(problem).toMatchObject({ status: 409, code: "CONFLICT", retriable: true });
    expect(problem.detail).not.toContain("applications/abc");
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
        value: { reason: "INVALID_ARGUMENT", domain: "lienthong.gov.vn" },
      },
    ]);
  });

  it("maps conflicts, ours and storage's, to ABORTED", () => {
    expect(toGrpcError(conflict("changed")).code).toBe(status.ABORTED);
    expect(toGrpcError(new StorageConflictError("x")).code).toBe(status.ABORTED);
  });

  it("maps each code to its gRPC status", () => {
    expect(toGrpcError(notFound("dossier", "d-1")).code).toBe(status.NOT_FOUND);
    expect(toGrpcError(failedPrecondition("no")).code).toBe(status.FAILED_PRECONDITION);
    expect(toGrpcError(new ServiceError("UNAUTHENTICATED", "no key")).code).toBe(status.UNAUTHENTICATED);
    expect(toGrpcError(new ServiceError("PERMISSION_DENIED", "no")).code).toBe(status.PERMISSION_DENIED);
    expect(toGrpcError(new ServiceError("ALREADY_EXISTS", "dup")).code).toBe(status.ALREADY_EXISTS);
  });

  it("never sends an unknown error's message", () => {
    const err = toGrpcError(new TypeError("cannot read phone 0912345678"));
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).not.toContain("0912345678");
    const decoded = decodeRpcStatus(err.metadata.get(grpcStatusDetailsKey)[0] as Buffer);
    expect(decoded.message).not.toContain("0912345678");
  });
});

describe("fromGrpcError", () => {
  it("restores the ServiceError a remote service sent, violations included", () => {
    const sent = toGrpcError(invalidArgument([{ field: "dossier_ref", reason: "required" }]));
    const received = fromGrpcError({ code: sent.code, details: sent.details, metadata: sent.metadata });
    expect(received).toBeInstanceOf(ServiceError);
    expect(received.code).toBe("INVALID_ARGUMENT");
    expect(received.violations).toEqual([{ field: "dossier_ref", reason: "required" }]);
  });

  it("falls back to the status code when the trailer is absent", () => {
    const received = fromGrpcError({
      code: status.UNAVAILABLE,
      details: "No connection established",
      metadata: new Metadata(),
    });
    expect(received.code).toBe("UNAVAILABLE");
    expect(received.retriable).toBe(true);
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
