import { afterEach, describe, expect, it, vi } from "vitest";
import { createHttpBackend, reportFileUrl } from "./http";
import type { Progress, StoreEvent } from "./generated/api";

class FakeEventSource {
  static made: FakeEventSource[] = [];
  listeners = new Map<string, ((ev: Event) => void)[]>();
  constructor(public url: string) {
    FakeEventSource.made.push(this);
  }
  addEventListener(type: string, cb: (ev: Event) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), cb]);
  }
  send(type: string, data: string) {
    for (const cb of this.listeners.get(type) ?? []) cb(new MessageEvent(type, { data }));
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  FakeEventSource.made = [];
});

describe("http backend events", () => {
  it("delivers progress and store events from one shared EventSource", () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    const b = createHttpBackend("http://h");
    const progress: Progress[] = [];
    const stores: StoreEvent[] = [];
    const offP = b.onProgress((p) => progress.push(p));
    const offS = b.onStoreEvent((e) => stores.push(e));
    expect(FakeEventSource.made).toHaveLength(1);
    expect(FakeEventSource.made[0].url).toBe("http://h/api/events");
    const es = FakeEventSource.made[0];
    const ev: StoreEvent = { store: "local", change: "artifact", path: "m.safetensors", detail: "safetensors" };
    es.send("store", JSON.stringify(ev));
    es.send("progress", JSON.stringify({ task: "indexing local", done: 1, total: 2, unit: "bytes", detail: "1 of 2 files" }));
    es.send("store", "not json");
    expect(stores).toEqual([ev]);
    expect(progress.map((p) => p.detail)).toEqual(["1 of 2 files"]);
    offS();
    es.send("store", JSON.stringify(ev));
    expect(stores).toHaveLength(1);
    offP();
  });
});

describe("report downloads", () => {
  it("builds GET /api/reports/<name>/<path> with each segment encoded and no secret in the URL", () => {
    expect(reportFileUrl("", "resnet-1.1.0", "evidence/a b#1.json")).toBe("/api/reports/resnet-1.1.0/evidence/a%20b%231.json");
    expect(createHttpBackend("http://h").reportFileUrl("r", "report.pdf")).toBe("http://h/api/reports/r/report.pdf");
  });
});
