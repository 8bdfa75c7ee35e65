/**
 * One page of indexed artifacts (store, filter, unregistered only), loaded 120 ms after the last
 * change; a new store, filter or toggle starts at the first page. `tick` reloads the page in
 * place. A page emptied by removals steps back to the last one that has rows.
 */
import { useEffect, useRef, useState } from "react";
import { errorMessage, useBackend } from "../../backend";
import type { Artifact } from "../../backend/generated/api";

export const PAGE = 100;

export interface ArtifactQuery {
  store: string | null;
  query: string;
  unregisteredOnly: boolean;
}

export function useArtifactPage({ store, query, unregisteredOnly }: ArtifactQuery, tick: number) {
  const backend = useBackend();
  const [offset, setOffset] = useState(0);
  const [rows, setRows] = useState<Artifact[]>([]);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const gen = useRef(0);

  useEffect(() => setOffset(0), [store, query, unregisteredOnly]);

  useEffect(() => {
    const g = ++gen.current;
    const t = setTimeout(() => {
      backend
        .call("list_artifacts", { store, unregisteredOnly, query: query.trim() || null, offset, limit: PAGE })
        .then((r) => {
          if (g !== gen.current) return;
          if (r.artifacts.length === 0 && offset > 0 && r.total > 0) {
            setOffset(Math.max(0, Math.floor((r.total - 1) / PAGE) * PAGE));
            return;
          }
          setRows(r.artifacts);
          setTotal(r.total);
          setError(null);
          setLoaded(true);
        })
        .catch((e) => g === gen.current && setError(errorMessage(e)));
    }, 120);
    return () => clearTimeout(t);
  }, [backend, store, unregisteredOnly, query, offset, tick]);

  return { rows, total, offset, setOffset, loaded, error };
}
