/** A fixed-row-height windowed list: renders only the rows in view (plus a margin). */
import { useEffect, useRef, useState } from "react";

export function VirtualList<T>({
  items,
  rowHeight,
  render,
  onEnd,
  height = "100%",
}: {
  items: T[];
  rowHeight: number;
  render: (item: T, index: number) => React.ReactNode;
  onEnd?: () => void;
  height?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [view, setView] = useState(600);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setView(el.clientHeight || 600));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(top / rowHeight) - 10);
  const last = Math.min(items.length, Math.ceil((top + view) / rowHeight) + 10);
  useEffect(() => {
    if (onEnd && last >= items.length - 5 && items.length > 0) onEnd();
  }, [last, items.length, onEnd]);
  return (
    <div className="vlist" ref={ref} style={{ height }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <div style={{ height: items.length * rowHeight, position: "relative" }}>
        {items.slice(first, last).map((it, i) => (
          <div key={first + i} className="vrow" style={{ position: "absolute", top: (first + i) * rowHeight, height: rowHeight, left: 0, right: 0 }}>
            {render(it, first + i)}
          </div>
        ))}
      </div>
    </div>
  );
}
