import { Presets, SingleBar } from "cli-progress";

export interface Progress {
  /** One item done; `label` names it (a province, a commune code). */
  tick(label: string): void;
  stop(): void;
}

export type ProgressFactory = (unit: string, total: number) => Progress;

const silent: Progress = { tick: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr, only for a person at a terminal: stdout stays the
 * report alone, and redirected or `--json` runs print no control characters.
 */
export function progressBars(enabled: boolean): ProgressFactory {
  if (!enabled) return () => silent;
  return (unit, total) => {
    const bar = new SingleBar(
      {
        format: `{bar} {value}/{total} ${unit} {label}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { label: "" });
    return {
      tick: (label) => bar.increment(1, { label }),
      stop: () => bar.stop(),
    };
  };
}
