import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { intake, protoRoot } from "@lienthong/contracts";
import { invalidArgument, unauthenticated } from "@lienthong/errors";
import {
  type AuditEvent,
  type Caller,
  type ClientIdentity,
  type GrpcServerHandle,
  type Identification,
  type PresentedCredentials,
  type UnaryContext,
  createGrpcServer,
  createLogger,
  createReadiness,
  grpcStatusDetailsKey,
  startGrpcServer,
  unary,
  withDeadline,
} from "@lienthong/service-host";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { readGrpcErrorDetails, waitFor } from "@lienthong/testing";
import { captureLogger } from "./support/capture";
import { decodeStatusWithGoogleProtos } from "./support/google-rpc";

type Intake = InstanceType<typeof intake.IntakeServiceClient>;

/** Two methods are enough to exercise the wrapper: grpc-js answers UNIMPLEMENTED for the ones not served. */
const { submitApplication: submitMethod, getApplication: getMethod } = intake.IntakeServiceService;
const twoMethods = { submitApplication: submitMethod, getApplication: getMethod };
const getApplicationOnly = { getApplication: getMethod };
const anyone = { public: "tests of the gRPC call wrapper" } as const;

/** Resolves after `ms`, or as soon as `signal` aborts, so no handler outlives its test. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function call<Req, Res>(
  method: (
    req: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    cb: (err: grpc.ServiceError | null, res: Res) => void,
  ) => unknown,
  request: Req,
  options: Partial<grpc.CallOptions> = withDeadline(2_000),
  metadata = new grpc.Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, options, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Sends raw bytes as the request of `path`: what a client with another (or a broken) schema would send. */
function callWithBytes(client: grpc.Client, path: string, bytes: Buffer, metadata = new grpc.Metadata()) {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (raw: Buffer) => raw,
      (raw: Buffer) => raw,
      bytes,
      metadata,
      withDeadline(2_000),
      (error, value) => (error ? reject(error) : resolve(value)),
    );
  });
}

/** Field 1 (dossier_ref) announced as a string of 255 bytes that never come: not decodable. */
const undecodable = Buffer.from([0x0a, 0xff, 0x01, 0x41]);

function grpcErrorOf(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: grpc.ServiceError) => err,
  );
}

function loadClient<T>(
  protoFile: string,
  includeDir: string,
  serviceName: string,
): new (address: string, credentials: grpc.ChannelCredentials) => T {
  const definition = grpc.loadPackageDefinition(loadSync(protoFile, { includeDirs: [includeDir], enums: String }));
  const ctor = serviceName
    .split(".")
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], definition);
  return ctor as new (address: string, credentials: grpc.ChannelCredentials) => T;
}

type HealthClient = grpc.Client & {
  check(
    req: { service: string },
    options: Partial<grpc.CallOptions>,
    cb: (err: grpc.ServiceError | null, res: { status: string }) => void,
  ): void;
};
const Health = loadClient<HealthClient>(
  path.basename(healthProtoPath),
  path.dirname(healthProtoPath),
  "grpc.health.v1.Health",
);

async function healthStatus(address: string, service: string): Promise<string> {
  const health = new Health(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) =>
      health.check({ service }, withDeadline(1_000), (err, res) => (err ? reject(err) : resolve(res.status))),
    );
  } finally {
    health.close();
  }
}

describe("createGrpcServer against a real grpc-js client", () => {
  const { logger, lines, entries } = captureLogger("intake");
  let server: GrpcServerHandle;
  let client: Intake;
  let address: string;
  let seenContext: UnaryContext | undefined;

  const implementation: Pick<intake.IntakeServiceServer, "submitApplication" | "getApplication"> = {
    submitApplication: unary(anyone, async (request: intake.SubmitApplicationRequest) => {
      const violations = [];
      if (!request.procedureCode) violations.push({ field: "procedure_code", reason: "required" });
      if (!/^\d{12}$/.test(request.applicant?.citizenId ?? ""))
        violations.push({ field: "applicant.citizen_id", reason: "must be 12 digits" });
      if (violations.length) throw invalidArgument(violations);
      return { application: undefined };
    }),
    getApplication: unary(anyone, async (request: intake.GetApplicationRequest, context) => {
      seenContext = context;
      if (request.dossierRef === "slow") await sleep(2_000, context.signal);
      if (request.dossierRef === "stuck")
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      if (request.dossierRef === "crash") throw new Error("lookup failed for phone 0912345678");
      return { application: undefined };
    }),
  };

  beforeAll(async () => {
    const grpcServer = createGrpcServer({
      service: "intake",
      logger,
      protoRoot,
      maxCallDurationMs: 300,
      services: [{ definition: twoMethods, implementation }],
    });
    server = await startGrpcServer(grpcServer, { host: "127.0.0.1", port: 0, shutdownTimeoutMs: 500 });
    address = `127.0.0.1:${server.port}`;
    client = new intake.IntakeServiceClient(address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  it("answers a unary call and logs one line with method, code and duration", async () => {
    lines.length = 0;
    await call(
      client.getApplication.bind(client),
      intake.GetApplicationRequest.fromPartial({ dossierRef: "000.00.06.H56-231027-0361" }),
    );
    const callLines = entries().filter((l) => l.msg === "grpc call");
    expect(callLines).toHaveLength(1);
    expect(callLines[0]).toMatchObject({
      grpc_method: "/gov.lienthong.intake.v1.IntakeService/GetApplication",
      grpc_code: "OK",
    });
    expect(typeof callLines[0]?.duration_ms).toBe("number");
  });

  it("reports SERVING through the standard health service", async () => {
    expect(await healthStatus(address, "")).toBe("SERVING");
    expect(await healthStatus(address, "gov.lienthong.intake.v1.IntakeService")).toBe("SERVING");
  });

  it("lists the services through server reflection and serves their descriptors", async () => {
    const reflectionProtoDir = path.join(path.dirname(require.resolve("@grpc/reflection/package.json")), "build/proto");
    interface ReflectionResponse {
      listServicesResponse?: { service: { name: string }[] };
      fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
    }
    type ReflectionClient = grpc.Client & {
      serverReflectionInfo(options: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<object, ReflectionResponse>;
    };
    const Reflection = loadClient<ReflectionClient>(
      "grpc/reflection/v1/reflection.proto",
      reflectionProtoDir,
      "grpc.reflection.v1.ServerReflection",
    );
    const reflection = new Reflection(address, grpc.credentials.createInsecure());
    const ask = (request: object) =>
      new Promise<ReflectionResponse>((resolve, reject) => {
        const stream = reflection.serverReflectionInfo(withDeadline(2_000));
        stream.on("data", (response) => {
          resolve(response);
          stream.end();
        });
        stream.on("error", reject);
        stream.write(request);
      });

    const listed = await ask({ listServices: "" });
    const names = listed.listServicesResponse?.service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["gov.lienthong.intake.v1.IntakeService", "grpc.health.v1.Health"]));
    // Only what this server implements, not every service under proto/.
    expect(names).not.toContain("gov.lienthong.routing.v1.RoutingService");

    const file = await ask({ fileContainingSymbol: "gov.lienthong.intake.v1.IntakeService" });
    expect(file.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(0);
    reflection.close();
  });

  it("sends INVALID_ARGUMENT with field violations in grpc-status-details-bin", async () => {
    const err = await grpcErrorOf(
      call(
        client.submitApplication.bind(client),
        intake.SubmitApplicationRequest.fromPartial({
          idempotencyKey: "k-1",
          receivingUnitCode: "15001",
          applicant: { fullName: "Nguyễn Văn An", citizenId: "12345" },
        }),
      ),
    );
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain("procedure_code: required");
    expect(err.details).toContain("applicant.citizen_id: must be 12 digits");
    expect(err.details).not.toContain("12345");

    const trailer = err.metadata.get(grpcStatusDetailsKey)[0] as Buffer;
    const decoded = decodeStatusWithGoogleProtos(trailer);
    expect(decoded.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(decoded.details[0]).toEqual({
      typeUrl: "type.googleapis.com/google.rpc.BadRequest",
      value: {
        fieldViolations: [
          { field: "procedure_code", description: "required" },
          { field: "applicant.citizen_id", description: "must be 12 digits" },
        ],
      },
    });
    expect(readGrpcErrorDetails(trailer).violations).toHaveLength(2);
  });

  it("replies DEADLINE_EXCEEDED when the client deadline is shorter than the handler", async () => {
    lines.length = 0;
    const started = Date.now();
    const err = await grpcErrorOf(
      call(
        client.getApplication.bind(client),
        intake.GetApplicationRequest.fromPartial({ dossierRef: "slow" }),
        withDeadline(100),
      ),
    );
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1_500);
    // Which side notices first is a race: the server's deadline timer, or the client's cancel. Either is
    // logged on the server, after the client gave up: wait for the line.
    const callLines = () => entries().filter((l) => l.msg === "grpc call");
    await waitFor(() => callLines().length > 0, { description: "the call's log line" });
    expect(callLines()).toHaveLength(1);
    expect(["DEADLINE_EXCEEDED", "CANCELLED"]).toContain(callLines()[0]?.grpc_code);
  });

  it("caps a call without a deadline at the server's maximum and aborts the handler's signal", async () => {
    const started = Date.now();
    const err = await grpcErrorOf(
      call(client.getApplication.bind(client), intake.GetApplicationRequest.fromPartial({ dossierRef: "stuck" }), {}),
    );
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(seenContext?.signal.aborted).toBe(true);
  });

  it("answers bytes that are not the method's request message with INVALID_ARGUMENT, not INTERNAL", async () => {
    const err = await grpcErrorOf(callWithBytes(client, getMethod.path, undecodable));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain("body");
  });

  it("answers UNIMPLEMENTED for a method of the service it does not serve", async () => {
    const err = await grpcErrorOf(
      call(client.listApplications.bind(client), intake.ListApplicationsRequest.fromPartial({})),
    );
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("hides an unexpected error's message behind INTERNAL", async () => {
    const err = await grpcErrorOf(
      call(client.getApplication.bind(client), intake.GetApplicationRequest.fromPartial({ dossierRef: "crash" })),
    );
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(err.details).not.toContain("0912345678");
    expect(lines.join("")).not.toContain("0912345678");
  });
});

describe("gRPC health follows readiness and shutdown", () => {
  it("is NOT_SERVING until ready and again once shutting down", async () => {
    const readiness = createReadiness();
    const grpcServer = createGrpcServer({
      service: "intake",
      logger: createLogger({ service: "intake", level: "silent" }),
      readiness,
      services: [
        {
          definition: getApplicationOnly,
          implementation: { getApplication: unary(anyone, async () => ({ application: undefined })) },
        },
      ],
    });
    const server = await startGrpcServer(grpcServer, { host: "127.0.0.1", port: 0 });
    const address = `127.0.0.1:${server.port}`;
    try {
      expect(await healthStatus(address, "")).toBe("NOT_SERVING");
      readiness.markReady();
      expect(await healthStatus(address, "")).toBe("SERVING");
      expect(await healthStatus(address, "gov.lienthong.intake.v1.IntakeService")).toBe("SERVING");
      readiness.markShuttingDown();
      expect(await healthStatus(address, "gov.lienthong.intake.v1.IntakeService")).toBe("NOT_SERVING");
    } finally {
      await server.close();
    }
  });
});

describe("createGrpcServer refuses to start a method without a declared access", () => {
  const logger = createLogger({ service: "intake", level: "silent" });
  const start = (implementation: grpc.UntypedServiceImplementation) => () =>
    createGrpcServer({ service: "intake", logger, services: [{ definition: twoMethods, implementation }] });
  const answer = unary(anyone, async () => ({ application: undefined }));

  it("names a method whose handler is a plain grpc-js function", () => {
    const plain: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) => callback(null, {});
    expect(start({ submitApplication: plain, getApplication: answer })).toThrow(
      "gRPC method /gov.lienthong.intake.v1.IntakeService/SubmitApplication: no unary(access, …) handler",
    );
  });

  it("names a method of the definition left without a handler", () => {
    expect(start({ getApplication: answer })).toThrow(
      /IntakeService\/SubmitApplication: no unary\(access, …\) handler/,
    );
  });

  it("names a method whose access nobody can meet", () => {
    const nobody = unary({ staff: [] }, async () => ({ application: undefined }));
    expect(start({ submitApplication: nobody, getApplication: answer })).toThrow(
      /IntakeService\/SubmitApplication: an official's or staff endpoint must name at least one role/,
    );
  });
});

const muongLatSystem: ClientIdentity = { clientId: "muong-lat-commune-system", unitCodes: new Set(["14845"]) };
const MUONG_LAT_KEY = "key-of-muong-lat";

/** Stands in for Identities.identify: one valid key; every official's token refused, as an expired one is. */
async function identify({ apiKey, authorization }: PresentedCredentials): Promise<Identification> {
  const caller: Caller = {};
  if (apiKey !== undefined) {
    if (apiKey !== MUONG_LAT_KEY) return { caller, refusal: unauthenticated("The API key is not valid") };
    caller.client = muongLatSystem;
  }
  if (authorization !== undefined) {
    return { caller, refusal: unauthenticated("The official's token is refused: it has expired") };
  }
  return { caller };
}

describe("access to gRPC methods: decided from the metadata, before the message is read", () => {
  const decisions: AuditEvent[] = [];
  const handled: string[] = [];
  let decoded = 0;
  let server: GrpcServerHandle;
  let client: Intake;
  // GetApplication as generated, counting the messages the server decodes.
  const countingGet = {
    ...getMethod,
    requestDeserialize: (bytes: Buffer) => {
      decoded += 1;
      return getMethod.requestDeserialize(bytes);
    },
  };

  const metadataOf = (headers: Record<string, string>) => {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    return metadata;
  };

  beforeAll(async () => {
    const grpcServer = createGrpcServer({
      service: "intake",
      logger: createLogger({ service: "intake", level: "silent" }),
      identify,
      audit: (event) => decisions.push(event),
      services: [
        {
          definition: { submitApplication: submitMethod, getApplication: countingGet },
          implementation: {
            getApplication: unary({ client: true }, async (request: intake.GetApplicationRequest, context) => {
              handled.push(`${context.caller.client.clientId} ${request.dossierRef}`);
              return { application: undefined };
            }),
            submitApplication: unary({ official: ["receiving_officer"] }, async () => ({ application: undefined })),
          },
        },
      ],
    });
    server = await startGrpcServer(grpcServer, { host: "127.0.0.1", port: 0, shutdownTimeoutMs: 500 });
    client = new intake.IntakeServiceClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => {
    decisions.length = 0;
    handled.length = 0;
    decoded = 0;
  });

  it("answers UNAUTHENTICATED, not INVALID_ARGUMENT, to undecodable bytes without a valid key: the message is never read", async () => {
    for (const headers of [{}, { "x-api-key": "ltk.stolen.guess" }] as Record<string, string>[]) {
      const refused = await grpcErrorOf(callWithBytes(client, getMethod.path, undecodable, metadataOf(headers)));
      expect(refused.code).toBe(grpc.status.UNAUTHENTICATED);
    }
    expect(decoded).toBe(0);
    // With a valid key the same bytes are read, and refused for what they are.
    const read = await grpcErrorOf(
      callWithBytes(client, getMethod.path, undecodable, metadataOf({ "x-api-key": MUONG_LAT_KEY })),
    );
    expect(read.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(decoded).toBe(1);
    expect(handled).toEqual([]);
  });

  it("lets a client with a valid key in, telling the handler who called", async () => {
    await call(
      client.getApplication.bind(client),
      intake.GetApplicationRequest.fromPartial({ dossierRef: "000.00.06.H56-231027-0361" }),
      withDeadline(2_000),
      metadataOf({ "x-api-key": MUONG_LAT_KEY }),
    );
    expect(handled).toEqual(["muong-lat-commune-system 000.00.06.H56-231027-0361"]);
    expect(decisions).toEqual([
      expect.objectContaining({
        action: getMethod.path,
        outcome: "allowed",
        clientId: "muong-lat-commune-system",
      }),
    ]);
  });

  it("names the client whose key verified when the official's token is refused", async () => {
    const refused = await grpcErrorOf(
      call(
        client.submitApplication.bind(client),
        intake.SubmitApplicationRequest.fromPartial({ idempotencyKey: "k-1" }),
        withDeadline(2_000),
        metadataOf({ "x-api-key": MUONG_LAT_KEY, authorization: "Bearer expired.token.here" }),
      ),
    );
    expect(refused.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(decisions).toEqual([
      {
        action: submitMethod.path,
        outcome: "denied",
        clientId: "muong-lat-commune-system",
        reason: "UNAUTHENTICATED",
      },
    ]);
  });

  it("records no target: the dossier is named in the message, which the use case reads and audits", async () => {
    await call(
      client.getApplication.bind(client),
      intake.GetApplicationRequest.fromPartial({ dossierRef: "000.00.06.H56-231027-0361" }),
      withDeadline(2_000),
      metadataOf({ "x-api-key": MUONG_LAT_KEY }),
    );
    await grpcErrorOf(
      call(
        client.getApplication.bind(client),
        intake.GetApplicationRequest.fromPartial({ dossierRef: "000.00.06.H56-231027-0361" }),
      ),
    );
    expect(decisions.map(({ outcome, target }) => ({ outcome, target }))).toEqual([
      { outcome: "allowed", target: undefined },
      { outcome: "denied", target: undefined },
    ]);
  });
});
