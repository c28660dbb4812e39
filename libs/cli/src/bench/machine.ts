import * as os from "node:os";

/** The machine a benchmark ran on: its figures only compare with baselines measured on it in the same run. */
export interface MachineFigures {
  cores: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGiB: number;
  /** 1-minute load average just before the run: other work on the machine skews every figure. */
  loadAverageAtStart: number;
}

export function describeMachine(): MachineFigures {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    node: process.versions.node,
    os: `${os.platform()} ${os.release()}`,
    memoryGiB: os.totalmem() / 2 ** 30,
    loadAverageAtStart: os.loadavg()[0] ?? 0,
  };
}
