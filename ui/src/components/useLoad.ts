/**
 * Data a view loads from the backend: `load` runs on mount and again whenever `deps` change
 * (what was shown for the old deps is dropped first); `refresh` runs it again on demand (after a
 * change, on a live event, from a button) and keeps what is shown until the answer arrives.
 * Only the answer to the latest run is kept: an earlier, slower one is dropped. A failure is a
 * message in `error` (the data stays), cleared by the next success. Like `useAction`, several
 * loads and actions can report to one error: pass its setter (a stable one, e.g. from useState).
 * `refresh` never throws.
 */
import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import { errorMessage } from "../backend";

export function useLoad<T>(load: () => Promise<T>, deps: DependencyList, sharedSetError?: (error: string | null) => void) {
  const [data, setData] = useState<T | null>(null);
  const [ownError, setOwnError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const setError = sharedSetError ?? setOwnError;
  // Each run takes a number; only the latest run's answer is applied.
  const latest = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);

  const refresh = useCallback(async () => {
    const n = ++latest.current;
    setLoading(true);
    try {
      const value = await run();
      if (n !== latest.current) return;
      setData(() => value);
      setError(null);
    } catch (e) {
      if (n === latest.current) setError(errorMessage(e));
    } finally {
      if (n === latest.current) setLoading(false);
    }
  }, [run, setError]);

  useEffect(() => {
    setData(null);
    setError(null);
    void refresh();
    // Answers still on their way belong to the old deps (or to an unmounted view).
    return () => void latest.current++;
  }, [refresh, setError]);

  return { data, setData, error: ownError, setError, loading, refresh };
}
