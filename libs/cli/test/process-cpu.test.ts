import { existsSync } from "node:fs";
import { cpuPerUnit, processCpu, statCpuTicks } from "../src/bench/process-cpu";

// The readings come from Linux's /proc; elsewhere the bench leaves the figures out.
const onLinux = existsSync(`/proc/${process.pid}/task/${process.pid}/stat`);

// The kernel splits a thread's and a process's run time into user and system time separately and rounds each part
// down to a tick, so the process's figure may trail its main thread's by up to two ticks (CI saw 290 against 300).
const twoTicksMs = 20;

describe("processCpu", () => {
  (onLinux ? it : it.skip)("reads a process's CPU time, in all its threads and on its main thread", () => {
    const before = processCpu(process.pid)!;
    expect(before.totalMs).toBeGreaterThanOrEqual(before.mainThreadMs - twoTicksMs);
    // Spin this (the main) thread until its reading has moved 300 ms: a reader of the wrong fields never gets there.
    const deadline = Date.now() + 20_000;
    const userBefore = process.cpuUsage().user;
    let after = before;
    while (after.mainThreadMs - before.mainThreadMs < 300 && Date.now() < deadline) {
      for (let index = 0; index < 100_000; index += 1) Math.sqrt(index);
      after = processCpu(process.pid)!;
    }
    const spent = cpuPerUnit(before, after, 1)!;
    expect(spent.mainThreadMs).toBeGreaterThanOrEqual(300);
    // The whole process spent at least what its main thread did, and about what Node counts for it (10 ms ticks).
    expect(spent.totalMs).toBeGreaterThanOrEqual(spent.mainThreadMs - twoTicksMs);
    expect((process.cpuUsage().user - userBefore) / 1000).toBeGreaterThanOrEqual(spent.mainThreadMs - 100);
  });

  it("has nothing for a process that does not exist", () => {
    expect(processCpu(2 ** 22 + 1)).toBeUndefined();
  });
});

describe("statCpuTicks", () => {
  it("adds utime and stime, counting fields after a command name with spaces and parentheses", () => {
    const stat = "4242 (node (a) b) S 1 4242 4242 0 -1 4194304 1500 0 0 0 731 269 0 0 20 0 11 0 123 0 0";
    expect(statCpuTicks(stat)).toBe(731 + 269);
    expect(statCpuTicks("1 (init) S 0 1 1 0 -1 0 0 0 0 0 5 7 0 0")).toBe(12);
  });

  it("has nothing for a line without those fields", () => {
    expect(statCpuTicks("4242 (node) S 1")).toBeUndefined();
    expect(statCpuTicks("")).toBeUndefined();
  });
});

describe("cpuPerUnit", () => {
  it("divides what was spent between two readings, and has nothing without both or without units", () => {
    expect(cpuPerUnit({ totalMs: 10, mainThreadMs: 5 }, { totalMs: 30, mainThreadMs: 15 }, 4)).toEqual({
      totalMs: 5,
      mainThreadMs: 2.5,
    });
    expect(cpuPerUnit(undefined, { totalMs: 10, mainThreadMs: 5 }, 1)).toBeUndefined();
    expect(cpuPerUnit({ totalMs: 10, mainThreadMs: 5 }, { totalMs: 30, mainThreadMs: 15 }, 0)).toBeUndefined();
  });
});
