import { trace } from "@opentelemetry/api";
import { startTelemetry } from "@lienthong/service-host";
import { redactPersonal } from "../src/logger";
import { captureLogger } from "./support/capture";

const citizenId = "001203004567";
const phone = "0912345678";
const fullName = "Nguyễn Thị Lan";
const email = "lan.nguyen@example.vn";
const address = "12 Lê Lợi, phường Hạc Thành";

describe("createLogger (through captureLogger)", () => {
  beforeAll(() => {
    startTelemetry({ serviceName: "logger-test" });
  });

  it("redacts personal fields at every depth we log them", () => {
    const { logger, lines } = captureLogger("intake");

    logger.info({ fullName, citizenId, phone, email, address }, "top level");
    logger.info({ applicant: { fullName, citizenId, phone } }, "applicant object");
    logger.info({ request: { applicant: { citizen_id: citizenId } } }, "nested applicant");
    logger.info({ event: { payload: { contact: { phone, email } } } }, "depth four");
    logger.info({ req: { body: { anything: fullName } }, headers: { authorization: "Bearer eyJsecret" } }, "request");
    logger.info({ dossier: { owner: { full_name: fullName, address } } }, "snake case");

    const output = lines.join("");
    expect(lines).toHaveLength(6);
    for (const secret of [citizenId, phone, fullName, email, address, "eyJsecret"]) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain("[redacted]");
  });

  it("redacts at any depth, in arrays, in child bindings and on errors, keeping the error an error", () => {
    const { logger, lines, entries } = captureLogger("intake");
    const deep = { a: { b: { c: { d: { e: { f: { citizenId } } } } } } };
    logger.info({ deep, list: [{ phone }, { contacts: [{ email }] }] }, "deep and in arrays");
    logger.child({ applicant: { fullName } }).info("child bindings");
    const error = Object.assign(new Error("gateway refused"), { phone });
    logger.error({ err: error }, "with an error");

    const output = lines.join("");
    for (const secret of [citizenId, phone, fullName, email]) expect(output).not.toContain(secret);
    expect(entries()[2]).toMatchObject({ err: { type: "Error", message: "gateway refused", phone: "[redacted]" } });
    // The caller's objects are never changed: a copy carries the censored value.
    expect(error.phone).toBe(phone);
    expect(deep.a.b.c.d.e.f.citizenId).toBe(citizenId);
  });

  it("logs an object without personal data as given, and stops on a cycle", () => {
    const plain = { dossierCode: "000.00.06.H56-231027-0361", nested: { status: 3 }, bytes: Buffer.from("0912345678") };
    expect(redactPersonal(plain)).toBe(plain);
    const cyclic: Record<string, unknown> = { dossierId: "d-1" };
    cyclic.self = cyclic;
    expect(redactPersonal(cyclic)).toBe(cyclic);
  });

  it("keeps what is needed to operate: service, level, message, non-personal fields", () => {
    const { logger, entries } = captureLogger("routing");
    logger.warn({ dossierCode: "000.00.06.H56-231027-0361" }, "overdue");
    expect(entries()[0]).toMatchObject({
      service: "routing",
      level: "warn",
      msg: "overdue",
      dossierCode: "000.00.06.H56-231027-0361",
    });
  });

  it("writes the active span's trace_id and span_id on every line", () => {
    const { logger, entries } = captureLogger("intake");
    let expected = { traceId: "", spanId: "" };
    trace.getTracer("logger-test").startActiveSpan("submit application", (span) => {
      expected = span.spanContext();
      logger.info("inside span");
      span.end();
    });
    logger.info("outside span");

    const [inside, outside] = entries();
    expect(expected.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(inside).toMatchObject({ trace_id: expected.traceId, span_id: expected.spanId });
    expect(outside?.trace_id).toBeUndefined();
  });

  it("honours the level", () => {
    const { logger, lines } = captureLogger("intake", "warn");
    logger.info("dropped");
    logger.error("kept");
    expect(lines).toHaveLength(1);
  });
});
