import * as grpc from "@grpc/grpc-js";
import { routing as contract } from "@lienthong/contracts";
import { grpcStatusDetailsKey } from "@lienthong/service-host";
import { readGrpcErrorDetails } from "@lienthong/testing";
import { MUONG_LAT, grpcCall, startRouting, type RoutingHarness } from "./support/routing-harness";

interface Problem {
  status: number;
  code: string;
  violations?: { field: string; reason: string }[];
}

/**
 * Dates shaped YYYY-MM-DD that name no day (31 February, month 13, 29 February
 * of a common year) are the caller's mistake: 400 / INVALID_ARGUMENT naming
 * the field, never a 500 from a date computed out of them.
 */
describe("routing: impossible dates in an indicators range", () => {
  let routing: RoutingHarness;

  beforeAll(async () => {
    routing = await startRouting();
  });
  afterAll(async () => {
    await routing.stop();
  });

  it.each([
    { query: "from=2026-02-31&to=2026-03-31", field: "from" },
    { query: "from=2026-02-29&to=2026-03-31", field: "from" },
    { query: "from=2026-04-31&to=2026-05-31", field: "from" },
    { query: "from=2026-01-01&to=2026-13-01", field: "to" },
    { query: "from=2026-01-01&to=2026-01-32", field: "to" },
  ])("GET /v1/indicators/{unit}?$query answers 400 problem+json naming $field", async ({ query, field }) => {
    const response = await fetch(`${routing.running.httpUrl}/v1/indicators/${MUONG_LAT}?${query}`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Problem;
    expect(problem).toMatchObject({ status: 400, code: "INVALID_ARGUMENT" });
    expect(problem.violations?.map((violation) => violation.field)).toEqual([field]);
    expect(problem.violations?.[0]?.reason).toMatch(/calendar date/);
  });

  it.each([
    { fromDate: "2026-02-31", toDate: "2026-03-31", field: "from" },
    { fromDate: "2026-01-01", toDate: "2026-13-01", field: "to" },
  ])(
    "GetIndicators with from_date $fromDate, to_date $toDate answers INVALID_ARGUMENT with a BadRequest on $field",
    async ({ fromDate, toDate, field }) => {
      const client = new contract.RoutingServiceClient(
        `127.0.0.1:${routing.running.grpcPort}`,
        grpc.credentials.createInsecure(),
      );
      try {
        const getIndicators = grpcCall<contract.GetIndicatorsRequest, contract.GetIndicatorsResponse>(
          (request, callback) => client.getIndicators(request, callback),
        );
        const error = await getIndicators(
          contract.GetIndicatorsRequest.fromPartial({ unitCode: MUONG_LAT, fromDate, toDate }),
        ).then(
          () => {
            throw new Error("GetIndicators answered OK for an impossible date");
          },
          (rejection: grpc.ServiceError) => rejection,
        );
        expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
        expect(error.details).toContain(`${field}: `);
        const trailer = error.metadata.get(grpcStatusDetailsKey)[0];
        expect(Buffer.isBuffer(trailer)).toBe(true);
        const details = readGrpcErrorDetails(trailer as Buffer);
        expect(details.code).toBe(grpc.status.INVALID_ARGUMENT);
        expect(details.violations.map((violation) => violation.field)).toEqual([field]);
        expect(details.violations[0]?.reason).toMatch(/calendar date/);
        expect(details.info?.reason).toBe("INVALID_ARGUMENT");
      } finally {
        client.close();
      }
    },
  );
});
