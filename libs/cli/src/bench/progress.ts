import { SingleBar, Presets } from "cli-progress";

/**
 * Progress for people, all on stderr so that stdout carries the report alone
 * (one JSON object with --json): phase lines always, bars only when asked.
 */
export class Progress {
  constructor(private readonly bars: boolean) {}

  line(text: string): void {
    process.stderr.write(`${text}\n`);
  }

  bar(label: string, unit: string, total: number): { update(value: number): void; stop(): void } {
    if (!this.bars) return { update: () => undefined, stop: () => undefined };
    const bar = new SingleBar(
      {
        format: `  ${label} [{bar}] {value}/{total} ${unit}  {eta_formatted} left`,
        hideCursor: true,
        clearOnComplete: true,
        stream: process.stderr,
        etaBuffer: 20,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (value) => bar.update(Math.min(value, total)), stop: () => bar.stop() };
  }

  /** A bar over a load run's seconds, warm-up then measurement, around `run`. */
  async overLoad<T>(
    label: string,
    settings: { warmupSeconds: number; durationSeconds: number },
    run: (onTick: (phase: "warmup" | "measure", second: number) => void) => Promise<T>,
  ): Promise<T> {
    const bar = this.bar(label, "s", settings.warmupSeconds + settings.durationSeconds);
    try {
      return await run((phase, second) => bar.update(phase === "warmup" ? second : settings.warmupSeconds + second));
    } finally {
      bar.stop();
    }
  }
}
