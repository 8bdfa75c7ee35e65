/** Runs `refresh` again whenever `stamp` changes after the first render (e.g. the view reloaded):
 * what is shown stays until the new answer arrives, unlike a change of `useLoad`'s deps. */
import { useEffect, useRef } from "react";

export function useRefreshOn(stamp: unknown, refresh: () => Promise<void>) {
  const seen = useRef(stamp);
  useEffect(() => {
    if (Object.is(seen.current, stamp)) return;
    seen.current = stamp;
    void refresh();
  }, [stamp, refresh]);
}
