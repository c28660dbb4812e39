import { trace } from "@opentelemetry/api";
import { createLogger, startTelemetry } from "@lienthong/service-kit";

const citizenId = "001203004567";
const phone = "0912345678";
const fullName = "Nguyễn Thị Lan";
const email = "lan.nguyen@example.vn";
const address = "12 Lê Lợi, phường Hạc Thành";

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe("createLogger", () => {
  beforeAll(() => {
    startTelemetry({ serviceName: "logger-test" });
  });

  it("redacts personal fields at every depth we log them", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "intake", destination });

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

  it("keeps what is needed to operate: service, level, message, non-personal fields", () => {
    const { lines, destination } = capture();
    createLogger({ service: "routing", destination }).warn({ dossierCode: "000.00.06.H56-231027-0361" }, "overdue");
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ service: "routing", level: "warn", msg: "overdue", dossierCode: "000.00.06.H56-231027-0361" });
  });

  it("writes the active span's trace_id and span_id on every line", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "intake", destination });
    let expected = { traceId: "", spanId: "" };
    trace.getTracer("logger-test").startActiveSpan("submit application", (span) => {
      expected = span.spanContext();
      logger.info("inside span");
      span.end();
    });
    logger.info("outside span");

    const [inside, outside] = lines.map((l) => JSON.parse(l));
    expect(expected.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(inside).toMatchObject({ trace_id: expected.traceId, span_id: expected.spanId });
    expect(outside.trace_id).toBeUndefined();
  });

  it("honours the level", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "intake", level: "warn", destination });
    logger.info("dropped");
    logger.error("kept");
    expect(lines).toHaveLength(1);
  });
});
