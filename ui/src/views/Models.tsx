/** The models list: searchable, paged by name, virtualized. */
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { ModelSummary } from "../backend/generated/api";
import { VirtualList } from "../components/VirtualList";
import { modelHash, navigate } from "../router";
import { when } from "../format";

export function ModelsView() {
  const backend = useBackend();
  const [filter, setFilter] = useState("");
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const gen = useRef(0);

  useEffect(() => {
    const g = ++gen.current;
    setLoading(true);
    const t = setTimeout(() => {
      backend
        .call("list_models", { filter: filter.trim().toLowerCase(), after: "", limit: 200 })
        .then((r) => {
          if (g !== gen.current) return;
          setModels(r.models);
          setNext(r.nextAfter);
          setError(null);
        })
        .catch((e) => setError(errorMessage(e)))
        .finally(() => g === gen.current && setLoading(false));
    }, 120);
    return () => clearTimeout(t);
  }, [backend, filter]);

  const more = useCallback(() => {
    if (!next || loading) return;
    setLoading(true);
    const g = gen.current;
    backend
      .call("list_models", { filter: filter.trim().toLowerCase(), after: next, limit: 200 })
      .then((r) => {
        if (g !== gen.current) return;
        setModels((m) => [...m, ...r.models]);
        setNext(r.nextAfter);
      })
      .catch((e) => setError(errorMessage(e)))
      .finally(() => setLoading(false));
  }, [backend, filter, next, loading]);

  return (
    <div className="page">
      <div className="page-head">
        <h1>Models</h1>
        <input data-testid="models-search" placeholder="Filter by name…" value={filter} onChange={(e) => setFilter(e.target.value)} autoFocus />
      </div>
      {error && <div className="banner error">{error}</div>}
      <div className="table-head models-grid">
        <span>Model</span>
        <span>Latest</span>
        <span>Versions</span>
        <span>Updated</span>
        <span>Created by</span>
      </div>
      {!loading && models.length === 0 && <p className="muted pad">No model matches “{filter}”.</p>}
      <VirtualList
        items={models}
        rowHeight={44}
        height="calc(100vh - 190px)"
        onEnd={more}
        render={(m) => (
          <div
            className="row models-grid clickable"
            data-testid="model-row"
            data-model={m.name}
            tabIndex={0}
            onClick={() => navigate(modelHash(m.name))}
            onKeyDown={(e) => e.key === "Enter" && navigate(modelHash(m.name))}
          >
            <strong>{m.name}</strong>
            <span className="mono">{m.latestVersion ?? "–"}</span>
            <span>{m.versionCount}</span>
            <span>{m.latestAt ? when(m.latestAt) : "–"}</span>
            <span className="muted">{m.createdBy}</span>
          </div>
        )}
      />
    </div>
  );
}
