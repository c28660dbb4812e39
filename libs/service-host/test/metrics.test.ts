import { PersonalLabelError, createMetrics, isPersonalLabel } from "@lienthong/service-host";

describe("createMetrics", () => {
  it("labels every series with the service and exposes default process metrics", async () => {
    const metrics = createMetrics({ service: "routing" });
    const overdue = metrics.gauge({
      name: "dossiers_overdue",
      help: "Open dossiers past their appointment",
      labelNames: ["commune_code"],
    });
    overdue.set({ commune_code: "15001" }, 3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('dossiers_overdue{commune_code="15001",service="routing"} 3');
    expect(text).toMatch(/process_resident_memory_bytes\{service="routing"\}/);
  });

  it("can leave out the default metrics", async () => {
    const metrics = createMetrics({ service: "routing", collectDefaults: false });
    expect(await metrics.registry.metrics()).not.toContain("process_cpu");
  });

  it.each([
    "citizenId",
    "citizen_id",
    "name",
    "fullName",
    "full_name",
    "phone",
    "phone_number",
    "email",
    "address",
    "applicant_address",
    "CCCD",
  ])("refuses the personal label %s", (label) => {
    const metrics = createMetrics({ service: "intake", collectDefaults: false });
    expect(() => metrics.counter({ name: "applications_total", help: "h", labelNames: [label] })).toThrow(
      PersonalLabelError,
    );
    expect(() => metrics.histogram({ name: "lookup_seconds", help: "h", labelNames: ["route", label] })).toThrow(
      PersonalLabelError,
    );
    expect(() => metrics.gauge({ name: "open_dossiers", help: "h", labelNames: [label] })).toThrow(PersonalLabelError);
    expect(metrics.registry.getMetricsAsArray()).toHaveLength(0);
  });

  it("accepts operational labels", () => {
    for (const label of ["procedure_code", "commune_code", "status", "route", "method", "topic", "hostname"]) {
      expect(isPersonalLabel(label)).toBe(false);
    }
  });

  it("returns the registered metric when asked twice for the same name, and refuses a type clash", () => {
    const metrics = createMetrics({ service: "intake", collectDefaults: false });
    const first = metrics.counter({
      name: "applications_total",
      help: "Applications received",
      labelNames: ["channel"],
    });
    const second = metrics.counter({
      name: "applications_total",
      help: "Applications received",
      labelNames: ["channel"],
    });
    expect(second).toBe(first);
    expect(() => metrics.gauge({ name: "applications_total", help: "x" })).toThrow(/another type/);
  });
});
