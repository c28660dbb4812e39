import { existsSync } from "node:fs";
import { cpuPerUnit, processCpu } from "../src/bench/process-cpu";

/** Spins this thread for about `ms` of CPU. */
function burn(ms: number): void {
  const until = process.cpuUsage().user / 1000 + ms;
  while (process.cpuUsage().user / 1000 < until) Math.sqrt(Math.random());
}

// The figures come from Linux's /proc; elsewhere the bench leaves them out, which the second test checks.
const onLinux = existsSync(`/proc/${process.pid}/task/${process.pid}/stat`);

describe("processCpu", () => {
  (onLinux ? it : it.skip)("reads a process's CPU time, in all its threads and on its main thread", () => {
    const before = processCpu(process.pid);
    burn(300);
    const after = processCpu(process.pid);
    const spent = cpuPerUnit(before, after, 1);
    expect(spent).toBeDefined();
    // Ticks are 10 ms; the main thread spun at least 300 ms, and every thread together at least as much.
    expect(spent!.mainThreadMs).toBeGreaterThanOrEqual(280);
    expect(spent!.totalMs).toBeGreaterThanOrEqual(spent!.mainThreadMs);
    expect(after!.totalMs).toBeGreaterThanOrEqual(after!.mainThreadMs);
  });

  it("has nothing for a process that does not exist, and no figure per unit without both readings", () => {
    expect(processCpu(2 ** 22 + 1)).toBeUndefined();
    expect(cpuPerUnit(undefined, { totalMs: 10, mainThreadMs: 5 }, 1)).toBeUndefined();
    expect(cpuPerUnit({ totalMs: 10, mainThreadMs: 5 }, { totalMs: 30, mainThreadMs: 15 }, 0)).toBeUndefined();
    expect(cpuPerUnit({ totalMs: 10, mainThreadMs: 5 }, { totalMs: 30, mainThreadMs: 15 }, 4)).toEqual({
      totalMs: 5,
      mainThreadMs: 2.5,
    });
  });
});
