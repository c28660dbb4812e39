import { type ReadinessState, createLifecycle, createLogger, createReadiness } from "@lienthong/service-host";
import { killFixtures, runFixture } from "./support/child";

const silent = createLogger({ service: "lifecycle-test", level: "silent" });

describe("createLifecycle.shutdown", () => {
  it("marks not ready first, then runs the steps in reverse order of registration", async () => {
    const readiness = createReadiness();
    readiness.markReady();
    const lifecycle = createLifecycle({ logger: silent, readiness, timeoutMs: 1_000 });
    const ran: { step: string; state: ReadinessState }[] = [];
    const step = (name: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ran.push({ step: name, state: readiness.state });
    };
    // Registered in start order: dependencies first, intake last.
    lifecycle.onShutdown("close store", step("close store"));
    lifecycle.onShutdown("close bus", step("close bus"));
    lifecycle.onShutdown("stop outbox relay", step("stop outbox relay"));
    lifecycle.onShutdown("drain consumers", step("drain consumers"));
    lifecycle.onShutdown("stop grpc", step("stop grpc"));
    lifecycle.onShutdown("stop http", step("stop http"));

    const report = await lifecycle.shutdown();

    expect(ran.map((r) => r.step)).toEqual([
      "stop http",
      "stop grpc",
      "drain consumers",
      "stop outbox relay",
      "close bus",
      "close store",
    ]);
    expect(ran.every((r) => r.state === "shutting_down")).toBe(true);
    expect(report).toEqual({ ok: true, completed: ran.map((r) => r.step), failed: [], timedOut: false });
  });

  it("goes on after a failing step and reports it", async () => {
    const lifecycle = createLifecycle({ logger: silent, readiness: createReadiness(), timeoutMs: 1_000 });
    const ran: string[] = [];
    lifecycle.onShutdown("close store", () => void ran.push("close store"));
    lifecycle.onShutdown("flush outbox", () => {
      throw new Error("broker gone");
    });
    const report = await lifecycle.shutdown();
    expect(ran).toEqual(["close store"]);
    expect(report).toMatchObject({ ok: false, failed: ["flush outbox"], completed: ["close store"] });
  });

  it("gives up after the timeout without running the remaining steps", async () => {
    const lifecycle = createLifecycle({ logger: silent, readiness: createReadiness(), timeoutMs: 100 });
    const ran: string[] = [];
    lifecycle.onShutdown("close store", () => void ran.push("close store"));
    lifecycle.onShutdown("drain consumers", () => new Promise<void>((resolve) => setTimeout(resolve, 1_000)));
    const started = Date.now();
    const report = await lifecycle.shutdown();
    expect(Date.now() - started).toBeLessThan(800);
    expect(report).toMatchObject({ ok: false, timedOut: true, completed: [] });
    // Once the slow step does finish, the steps after it must still not run.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ran).toEqual([]);
  });

  it("runs once however often it is called", async () => {
    const lifecycle = createLifecycle({ logger: silent, readiness: createReadiness(), timeoutMs: 1_000 });
    let runs = 0;
    lifecycle.onShutdown("close store", () => void runs++);
    const [a, b] = await Promise.all([lifecycle.shutdown(), lifecycle.shutdown()]);
    expect(a).toBe(b);
    expect(runs).toBe(1);
  });
});

describe("installSignalHandlers in a real process", () => {
  afterAll(killFixtures);

  it("on SIGTERM marks not ready, runs the steps in reverse order and exits 0", async () => {
    const child = runFixture("test/fixtures/signal-service.ts");
    await child.waitForLine((l) => l.msg === "fixture ready");
    child.process.kill("SIGTERM");
    expect(await child.exited).toBe(0);
    const steps = child.lines.filter((l) => l.msg === "running step");
    expect(steps.map((l) => l.step)).toEqual(["stop http", "close bus", "close store"]);
    expect(steps.every((l) => l.ready_state === "shutting_down")).toBe(true);
  });

  it("exits 1 when a step outlives the timeout", async () => {
    const child = runFixture("test/fixtures/signal-service.ts", { env: { STEP_MODE: "hang" } });
    await child.waitForLine((l) => l.msg === "fixture ready");
    const started = Date.now();
    child.process.kill("SIGINT");
    expect(await child.exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(child.lines.some((l) => l.msg === "shutdown timed out")).toBe(true);
  });
});
