import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** CPU time a process has used since it started: in all its threads, and on its main thread (the event loop's). */
export interface ProcessCpu {
  totalMs: number;
  mainThreadMs: number;
}

let ticksPerSecond: number | null | undefined;

/** The clock ticks /proc counts in (USER_HZ: 100 on x86-64 and arm64), as the system says; null if it does not. */
function clockTicksPerSecond(): number | null {
  if (ticksPerSecond === undefined) {
    try {
      const answer = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
      ticksPerSecond = Number.isInteger(answer) && answer > 0 ? answer : null;
    } catch {
      ticksPerSecond = null;
    }
  }
  return ticksPerSecond;
}

/**
 * The CPU time of a running process, read from Linux's /proc (its main
 * thread's task has the process's id). Undefined where there is no /proc
 * (macOS, Windows), the process is gone or the tick length is unknown: the
 * figures that need it are then left out, not guessed.
 */
export function processCpu(pid: number): ProcessCpu | undefined {
  const ticks = clockTicksPerSecond();
  if (ticks === null) return undefined;
  // The main thread first: a tick that lands between the two reads then counts in the whole process's figure too.
  const mainThread = cpuTicksOf(`/proc/${pid}/task/${pid}/stat`);
  const total = cpuTicksOf(`/proc/${pid}/stat`);
  if (total === undefined || mainThread === undefined) return undefined;
  return { totalMs: (total * 1000) / ticks, mainThreadMs: (mainThread * 1000) / ticks };
}

function cpuTicksOf(file: string): number | undefined {
  try {
    return statCpuTicks(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * utime + stime of a /proc stat line (proc(5): fields 14 and 15), in clock
 * ticks. The command name (field 2) is in parentheses and may hold spaces and
 * parentheses itself, so the fields are counted from the last ")".
 */
export function statCpuTicks(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the name: state (field 3) is fields[0], so utime (14) and stime (15) are fields[11] and fields[12].
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isInteger(userTicks) || !Number.isInteger(systemTicks)) return undefined;
  return userTicks + systemTicks;
}

/** What a process spent per unit of work between two readings; undefined when either reading is missing. */
export function cpuPerUnit(
  before: ProcessCpu | undefined,
  after: ProcessCpu | undefined,
  units: number,
): ProcessCpu | undefined {
  if (before === undefined || after === undefined || !(units > 0)) return undefined;
  return {
    totalMs: (after.totalMs - before.totalMs) / units,
    mainThreadMs: (after.mainThreadMs - before.mainThreadMs) / units,
  };
}
