/**
 * What the lineage explorer shows for a URL state: the focus's neighbourhood (with no focus, the
 * newest model's latest version), the nodes expansions and "N more" unfold, the path between two
 * nodes and the impact of a dataset, merged into one pure model (../../lineage/model) and its view.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { errorMessage, useBackend } from "../../backend";
import type { Impact, Subgraph } from "../../backend/generated/api";
import {
  buildView,
  emptyModel,
  expandRequest,
  foldKey,
  fromSubgraph,
  highlights,
  mergeSubgraph,
  type Dir,
  type GraphModel,
  type LineageUrlState,
} from "../../lineage/model";

export function useLineageGraph(url: LineageUrlState, go: (patch: Partial<LineageUrlState>) => void) {
  const backend = useBackend();
  const [base, setModel] = useState<GraphModel | null>(null);
  const [impactSub, setImpactSub] = useState<Subgraph | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [unfolded, setUnfolded] = useState<Set<string>>(new Set());
  const [pathSub, setPathSub] = useState<Subgraph | null>(null);
  const [impact, setImpact] = useState<Impact | null>(null);
  const [anchor, setAnchor] = useState<string | null>(null);

  // No focus: start from the newest model's latest version.
  useEffect(() => {
    if (url.focus) return;
    backend
      .call("list_models", { filter: "", after: "", limit: 1 })
      .then((r) => {
        const m = r.models[0];
        if (m) go({ focus: m.latestVersion ? `version:${m.name}@${m.latestVersion}` : `model:${m.name}`, up: 2, down: 2 });
      })
      .catch((e) => setError(errorMessage(e)));
  }, [url.focus, backend, go]);

  // Load the neighbourhood of the focus.
  useEffect(() => {
    if (!url.focus) return;
    let cancelled = false;
    setError(null);
    backend
      .call("lineage", { node: url.focus, up: url.up, down: url.down })
      .then((sub) => {
        if (cancelled) return;
        setModel(fromSubgraph(sub));
        setUnfolded(new Set());
        setAnchor(null);
      })
      .catch((e) => !cancelled && setError(errorMessage(e)));
    return () => {
      cancelled = true;
    };
  }, [backend, url.focus, url.up, url.down]);

  // Path between two nodes.
  useEffect(() => {
    if (!url.path) {
      setPathSub(null);
      return;
    }
    backend
      .call("lineage_path", { from: url.path[0], to: url.path[1] })
      .then(setPathSub)
      .catch((e) => setError(errorMessage(e)));
  }, [backend, url.path]);

  // Impact of a dataset: load what is downstream of it and highlight it.
  useEffect(() => {
    if (!url.impact) {
      setImpact(null);
      setImpactSub(null);
      return;
    }
    const ds = url.impact;
    Promise.all([backend.call("impact", { dataset: ds }), backend.call("lineage", { node: ds, up: 0, down: 8 })])
      .then(([imp, sub]) => {
        setImpact(imp);
        setImpactSub(sub);
      })
      .catch((e) => setError(errorMessage(e)));
  }, [backend, url.impact]);

  // What the focus load and expansions found, plus what path and impact need shown.
  const model = useMemo(() => {
    let m = base;
    for (const extra of [pathSub, impactSub]) if (extra) m = mergeSubgraph(m ?? emptyModel(url.focus ?? extra.focus), extra);
    return m;
  }, [base, pathSub, impactSub, url.focus]);

  const view = useMemo(() => {
    if (!model) return null;
    const pinned = [url.focus, url.sel, ...(url.path ?? []), url.impact].filter((x): x is string => !!x);
    return buildView(model, { unfolded, pinned, highlights: highlights({ path: pathSub, impact }) });
  }, [model, unfolded, url.focus, url.sel, url.path, url.impact, pathSub, impact]);

  /** Shows the nodes folded away on one side of `id`, loading one more hop if there is one. */
  const expand = useCallback(
    async (id: string, dir: Dir) => {
      if (!model) return;
      const req = expandRequest(model, id, dir);
      setUnfolded((u) => new Set(u).add(foldKey(id, dir)));
      if (!req) return;
      try {
        const sub = await backend.call("lineage", req);
        setAnchor(id);
        setModel((m) => (m ? mergeSubgraph(m, sub) : fromSubgraph(sub)));
      } catch (e) {
        setError(errorMessage(e));
      }
    },
    [backend, model],
  );

  /** Unfolds an "N more" node: what `owner` has on side `dir`, already loaded. */
  const unfold = useCallback((owner: string, dir: Dir) => setUnfolded((u) => new Set(u).add(foldKey(owner, dir))), []);

  return { view, impact, anchor, error, expand, unfold };
}
