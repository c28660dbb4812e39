export type ReadinessState = "starting" | "ready" | "shutting_down";

/** A dependency probe (store.ping, bus.ping): false or a throw means not ready. */
export type ReadinessCheck = () => Promise<boolean | void>;

export interface ReadinessReport {
  ready: boolean;
  state: ReadinessState;
  /** Per check "ok" or "failed"; the failure's message is never exposed (it may hold a URL with credentials). */
  checks: Record<string, "ok" | "failed">;
}

export interface Readiness {
  readonly state: ReadinessState;
  markReady: () => void;
  /** Irreversible: a shutting-down process never becomes ready again. */
  markShuttingDown: () => void;
  addCheck: (name: string, check: ReadinessCheck) => void;
  /** Runs every check (each bounded by the check timeout) and reports. */
  evaluate: () => Promise<ReadinessReport>;
  /** Called on every state change; returns the unsubscribe function. */
  onChange: (listener: (state: ReadinessState) => void) => () => void;
}

export interface ReadinessOptions {
  /** A check slower than this counts as failed, so a probe never hangs. */
  checkTimeoutMs?: number;
}

/**
 * Tells the truth about whether to send traffic here: not before startup
 * completes, not while shutting down, not while a dependency is down.
 */
export function createReadiness(options: ReadinessOptions = {}): Readiness {
  const checkTimeoutMs = options.checkTimeoutMs ?? 2_000;
  const checks = new Map<string, ReadinessCheck>();
  const listeners = new Set<(state: ReadinessState) => void>();
  let state: ReadinessState = "starting";

  function moveTo(next: ReadinessState): void {
    if (state === next || state === "shutting_down") return;
    state = next;
    for (const listener of listeners) listener(state);
  }

  async function passes(check: ReadinessCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), checkTimeoutMs);
    });
    try {
      const outcome = await Promise.race([check().then((result) => result !== false), timeout]);
      return outcome;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    get state() {
      return state;
    },
    markReady: () => moveTo("ready"),
    markShuttingDown: () => moveTo("shutting_down"),
    addCheck(name, check) {
      checks.set(name, check);
    },
    async evaluate() {
      const entries = await Promise.all(
        [...checks].map(async ([name, check]) => [name, (await passes(check)) ? "ok" : "failed"] as const),
      );
      const results = Object.fromEntries(entries);
      const ready = state === "ready" && entries.every(([, result]) => result === "ok");
      return { ready, state, checks: results };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
