/**
 * The lineage explorer: focus a node (search or URL), expand upstream/downstream one hop at a
 * time, unfold "N more", highlight the path between two nodes or the impact of a dataset. The
 * URL holds focus, depths, impact, path and selection; the graph model is pure (../lineage/model)
 * and what is loaded for a URL is ./lineage/useLineageGraph.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { DEFAULT_DEPTH, isMoreId, lineageHash, parseLineageQuery, type LineageUrlState } from "../lineage/model";
import { LineageCanvas } from "../lineage/LineageCanvas";
import { navigate } from "../router";
import { ErrorBanner } from "../components/ErrorBanner";
import { LineageToolbar } from "./lineage/LineageToolbar";
import { SidePanel } from "./lineage/SidePanel";
import { useLineageGraph } from "./lineage/useLineageGraph";

export function LineageView({ query }: { query: string }) {
  const url = useMemo(() => parseLineageQuery(query), [query]);
  const go = useCallback((patch: Partial<LineageUrlState>) => navigate(lineageHash({ ...url, ...patch })), [url]);
  const { view, impact, anchor, error, expand, unfold } = useLineageGraph(url, go);
  const [pathStart, setPathStart] = useState<string | null>(null);
  const [layoutMs, setLayoutMs] = useState<number | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  const onNodeClick = useCallback(
    (id: string, e: React.MouseEvent) => {
      if (isMoreId(id)) {
        const more = view?.nodes.find((n) => n.id === id)?.more;
        if (more) unfold(more.owner, more.dir);
        return;
      }
      if (pathStart && pathStart !== id) {
        go({ path: [pathStart, id], sel: id });
        setPathStart(null);
        return;
      }
      if (e.shiftKey && url.sel && url.sel !== id) {
        go({ path: [url.sel, id], sel: id });
        return;
      }
      go({ sel: id });
    },
    [view, unfold, pathStart, url.sel, go],
  );

  // "/" goes to the search; Escape cancels a path being picked and clears selection, path and impact.
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === "/" && !typing) {
        e.preventDefault();
        searchRef.current?.focus();
      } else if (e.key === "Escape") {
        setPathStart(null);
        if (url.sel || url.path || url.impact) go({ sel: null, path: null, impact: null });
      }
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [go, url.sel, url.path, url.impact]);

  const selNode = view?.nodes.find((n) => n.id === url.sel) ?? null;

  return (
    <div className="lineage">
      <LineageToolbar
        url={url}
        go={go}
        searchRef={searchRef}
        onPick={(n) => go({ focus: n.id, sel: n.id, path: null, up: DEFAULT_DEPTH, down: DEFAULT_DEPTH })}
        pathStart={pathStart}
        impact={impact}
        view={view}
        layoutMs={layoutMs}
      />
      <ErrorBanner error={error} />
      <div className="lineage-body">
        <div className="canvas" data-testid="lineage-canvas">
          {view && (
            <LineageCanvas
              view={view}
              selected={url.sel}
              marked={pathStart}
              anchor={anchor}
              onNodeClick={onNodeClick}
              onLayout={setLayoutMs}
              fitOn={`${url.focus}|${url.impact}|${url.path?.join(",")}`}
            />
          )}
          {!view && !error && <div className="loading">Loading lineage…</div>}
        </div>
        {url.sel && (
          <SidePanel
            id={url.sel}
            hiddenUp={selNode?.hiddenUp ?? 0}
            hiddenDown={selNode?.hiddenDown ?? 0}
            onExpand={(dir) => expand(url.sel!, dir)}
            onFocus={() => go({ focus: url.sel, up: url.up, down: url.down })}
            onPathFrom={() => setPathStart(url.sel)}
            onImpact={() => go({ impact: url.sel })}
            onClose={() => go({ sel: null })}
            onSelect={(id) => go({ sel: id })}
          />
        )}
      </div>
    </div>
  );
}
