/**
 * State the user edits, put back to `value` whenever `key` (by default `value` itself) changes,
 * e.g. after a reload brings a new policy. Adjusted while rendering rather than in an effect, so
 * an edit made before the first effects have run is not overwritten by them.
 */
import { useState } from "react";

export function useFollow<T>(value: T, key: unknown = value) {
  const [state, setState] = useState(value);
  const [followed, setFollowed] = useState(key);
  if (!Object.is(followed, key)) {
    setFollowed(key);
    setState(value);
  }
  return [state, setState] as const;
}
