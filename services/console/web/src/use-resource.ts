import { useEffect, useState } from "react";

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** When the data was last loaded. */
  at: Date | undefined;
}

/**
 * Loads what `load` returns whenever `key` changes, and again every
 * `refreshMs` when given; a load still running when the key changes is
 * aborted, and its answer dropped.
 */
export function useResource<T>(
  key: string | undefined,
  load: (signal: AbortSignal) => Promise<T>,
  refreshMs?: number,
): Resource<T> {
  const [state, setState] = useState<Resource<T>>({ data: undefined, error: undefined, loading: true, at: undefined });
  useEffect(() => {
    if (key === undefined) return;
    const controller = new AbortController();
    const run = () => {
      setState((previous) => ({ ...previous, loading: true }));
      load(controller.signal).then(
        (data) => {
          if (!controller.signal.aborted) setState({ data, error: undefined, loading: false, at: new Date() });
        },
        (error: unknown) => {
          if (!controller.signal.aborted) setState({ data: undefined, error, loading: false, at: new Date() });
        },
      );
    };
    run();
    const timer = refreshMs ? setInterval(run, refreshMs) : undefined;
    return () => {
      controller.abort();
      if (timer) clearInterval(timer);
    };
    // `load` is recreated on every render; `key` names what it loads.
  }, [key, refreshMs]);
  return state;
}
