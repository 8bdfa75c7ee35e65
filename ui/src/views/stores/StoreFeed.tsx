/**
 * Live changes pushed by watched stores (`onStoreEvent`): the latest ones in a small feed, and a
 * callback once a burst has been quiet for 300 ms (an index run sends one event per file).
 */
import { useEffect, useRef, useState } from "react";
import { useBackend } from "../../backend";
import type { StoreEvent } from "../../backend/generated/api";

const FEED = 20;
const QUIET_MS = 300;

const SIGN: Record<string, string> = { added: "+", changed: "~", removed: "−", artifact: "★", error: "!", indexed: "✓" };

export type FeedEvent = StoreEvent & { seq: number };

/** The feed, newest first; `onQuiet` gets the stores a burst touched. Pass a stable `onQuiet`. */
export function useStoreEvents(onQuiet: (touched: Set<string>) => void): FeedEvent[] {
  const backend = useBackend();
  const [feed, setFeed] = useState<FeedEvent[]>([]);
  const feedSeq = useRef(0);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let touched = new Set<string>();
    const off = backend.onStoreEvent((e) => {
      setFeed((f) => [{ ...e, seq: ++feedSeq.current }, ...f].slice(0, FEED));
      touched.add(e.store);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const which = touched;
        touched = new Set();
        onQuiet(which);
      }, QUIET_MS);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [backend, onQuiet]);
  return feed;
}

export function StoreFeed({ feed }: { feed: FeedEvent[] }) {
  if (feed.length === 0) return null;
  return (
    <div className="card feed" data-testid="store-feed" aria-live="polite">
      <h2>Live changes</h2>
      <ul className="plain">
        {feed.map((e) => (
          <li key={e.seq} data-testid="store-event" className={`ev-${e.change}`}>
            <span className="sign" title={e.change}>
              {SIGN[e.change] ?? "·"}
            </span>{" "}
            <span className="mono">
              {e.store}
              {e.path && `:${e.path}`}
            </span>
            {e.detail && <span className="muted"> {e.detail}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
