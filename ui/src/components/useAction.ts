/**
 * One async action behind a button or a form: `busy` while it runs (`running` says which one,
 * e.g. the store being indexed), its failure as a message in `error`, cleared when it starts.
 * Several actions can report to one error (pass its setter); `run` never throws.
 */
import { useCallback, useState } from "react";
import { errorMessage } from "../backend";

export function useAction<K = true>(sharedSetError?: (error: string | null) => void) {
  const [running, setRunning] = useState<K | null>(null);
  const [ownError, setOwnError] = useState<string | null>(null);
  const setError = sharedSetError ?? setOwnError;
  const run = useCallback(
    async (action: () => Promise<void>, key?: K) => {
      setRunning(key ?? (true as K));
      setError(null);
      try {
        await action();
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        setRunning(null);
      }
    },
    [setError],
  );
  return { busy: running !== null, running, error: ownError, setError, run };
}
