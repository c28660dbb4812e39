import { readFileSync } from "node:fs";

/** CPU time a process has used since it started: in all its threads, and on its main thread (the event loop's). */
export interface ProcessCpu {
  totalMs: number;
  mainThreadMs: number;
}

/**
 * Linux reports times in /proc in USER_HZ ticks, which the kernel fixes at 100
 * per second for every program it runs, whatever its own timer frequency.
 */
const MS_PER_TICK = 10;

/**
 * The CPU time of a running process, read from Linux's /proc (its main
 * thread's task has the process's id). Undefined where there is no /proc
 * (macOS, Windows) or the process is gone: the figures that need it are then
 * left out, not guessed.
 */
export function processCpu(pid: number): ProcessCpu | undefined {
  const total = cpuMsOf(`/proc/${pid}/stat`);
  const mainThread = cpuMsOf(`/proc/${pid}/task/${pid}/stat`);
  return total === undefined || mainThread === undefined ? undefined : { totalMs: total, mainThreadMs: mainThread };
}

/** utime + stime of a stat file (proc(5): fields 14 and 15, counted after the command name, which may hold spaces). */
function cpuMsOf(file: string): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the name: state (field 3) comes first, so utime (14) and stime (15) are at 11 and 12.
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
  return (userTicks + systemTicks) * MS_PER_TICK;
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
