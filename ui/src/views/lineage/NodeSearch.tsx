/** The node search of the lineage toolbar: results as you type (120 ms after the last key), arrows and Enter to pick. */
import { useEffect, useState } from "react";
import { useBackend } from "../../backend";
import type { NodeRef } from "../../backend/generated/api";

export function NodeSearch({ inputRef, onPick }: { inputRef: React.RefObject<HTMLInputElement | null>; onPick: (n: NodeRef) => void }) {
  const backend = useBackend();
  const [q, setQ] = useState("");
  const [results, setResults] = useState<NodeRef[]>([]);
  const [active, setActive] = useState(0);
  useEffect(() => {
    if (!q.trim()) {
      setResults([]);
      return;
    }
    const t = setTimeout(() => {
      backend
        .call("search_nodes", { query: q, limit: 12 })
        .then((r) => {
          setResults(r.nodes);
          setActive(0);
        })
        .catch(() => setResults([]));
    }, 120);
    return () => clearTimeout(t);
  }, [q, backend]);
  const pick = (n: NodeRef) => {
    onPick(n);
    setQ("");
    setResults([]);
  };
  return (
    <div className="search">
      <input
        ref={inputRef}
        data-testid="node-search"
        placeholder="Search models, versions, datasets…  ( / )"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setActive((a) => Math.min(results.length - 1, a + 1));
          else if (e.key === "ArrowUp") setActive((a) => Math.max(0, a - 1));
          else if (e.key === "Enter" && results[active]) pick(results[active]);
          else if (e.key === "Escape") setQ("");
        }}
      />
      {results.length > 0 && (
        <ul className="results">
          {results.map((n, i) => (
            <li key={n.id} data-testid="search-result" data-node-id={n.id} className={i === active ? "active" : ""} onMouseDown={() => pick(n)}>
              <span className={`swatch k-${n.kind}`}>{n.kind}</span> {n.label}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
