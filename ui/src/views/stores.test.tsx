import { describe, expect, it } from "vitest";
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { app, renderWithBackend, wrap } from "../test/render";
import { StoresView } from "./Stores";
import { RegisterView } from "./Register";
import { App } from "../App";
import type { Artifact, IndexReport, InspectResponse, StoreInfo } from "../backend/generated/api";

const report = (over: Partial<IndexReport> = {}): IndexReport => ({
  store: "local", files: 4, hashedFiles: 3, hashedBytes: 4096, unchanged: 1, added: 3, changed: 0, removed: 0,
  artifacts: 2, newArtifacts: 2, errors: [], elapsedMs: 1500, complete: true, ...over,
});

const store = (over: Partial<StoreInfo> = {}): StoreInfo => ({
  name: "local", uri: "file:///data/models", kind: "local", endpoint: null, region: null, credentials: "none",
  createdAt: "2026-11-26T10:00:00Z", lastIndexedAt: "2026-11-26T11:00:00Z", files: 4, artifacts: 2, unregistered: 1,
  lastReport: report(), ...over,
});

const artifact = (over: Partial<Artifact> = {}): Artifact => ({
  id: 7, name: "clf.safetensors", store: "local", path: "models/clf.safetensors", uri: "file:///data/models/models/clf.safetensors", kind: "file",
  format: "safetensors", size: 2048, fileCount: 1, digest: "ab".repeat(32), etag: null,
  interface: { inputs: [], outputs: [], tensors: [{ name: "head.weight", dtype: "F32", shape: ["10", "16"] }], task: null },
  metadata: { "safetensors.format": "pt" },
  hints: [
    { kind: "dvc_out", path: "dvc.lock", md5: null, source: "dvc.lock stage train" },
    { kind: "trained_on", path: "data/train.csv", md5: "0123456789abcdef", source: "dvc.lock stage train" },
  ],
  note: null, indexedAt: "2026-11-26T11:00:00Z", registeredAs: null, ...over,
});

const inspected: InspectResponse = {
  files: [{ path: "clf.safetensors", size: 2048, sha256: "ab".repeat(32), format: "safetensors" }],
  totalSize: 2048, format: "safetensors", interface: { inputs: [], outputs: [], tensors: [], task: null }, sniffed: {},
  model: "clf", modelExists: false, latestVersion: null, suggestedVersion: "1.0.0", bump: "initial",
  bumpReason: "first version of this model", rootDigest: "cd".repeat(32), candidateParents: [],
};

describe("stores view", () => {
  it("lists stores and the selected store's artifacts with hints and registrations", async () => {
    const { backend, calls } = stubBackend({
      store_list: () => ({ stores: [store(), store({ name: "bucket", kind: "s3", uri: "s3://ml/models", credentials: "sealed in the workspace", lastIndexedAt: null, lastReport: null, unregistered: 0 })] }),
      list_artifacts: () => ({ artifacts: [artifact(), artifact({ id: 8, path: "old.safetensors", registeredAs: "version:old@1.2.0", hints: [] })], total: 2 }),
    });
    wrap(backend, <StoresView store="local" />, app());
    const rows = await screen.findAllByTestId("store-row");
    expect(rows.map((r) => r.getAttribute("data-store"))).toEqual(["local", "bucket"]);
    expect(rows[0].textContent).toContain("file:///data/models");
    expect(within(rows[0]).getByTestId("store-artifacts").textContent).toBe("2 · 1 unregistered");
    expect(rows[1].textContent).toContain("sealed in the workspace");
    expect(rows[1].textContent).toContain("never");

    const arts = await screen.findAllByTestId("artifact-row");
    expect(arts).toHaveLength(2);
    expect(calls.find((c) => c.op === "list_artifacts")!.req).toEqual({ store: "local", unregisteredOnly: false, query: null, offset: 0, limit: 100 });
    expect(within(arts[0]).getByTestId("artifact-hints").textContent).toContain("trained on data/train.csv (DVC)");
    expect(within(arts[0]).getByTestId("artifact-register")).toBeTruthy();
    expect(within(arts[1]).queryByTestId("artifact-register")).toBeNull();
    expect(within(arts[1]).getByTestId("artifact-registered").getAttribute("href")).toBe("#/versions/old@1.2.0");
    expect(screen.getByTestId("artifact-count").textContent).toBe("1–2 of 2");

    // Details: interface, metadata, digest.
    fireEvent.click(arts[0]);
    const details = screen.getByTestId("artifact-details");
    expect(details.textContent).toContain("head.weight");
    expect(details.textContent).toContain("safetensors.format");
    expect(details.textContent).toContain("ab".repeat(32));

    // Filter and toggle go to the server.
    fireEvent.change(screen.getByTestId("artifact-filter"), { target: { value: "clf" } });
    fireEvent.click(screen.getByTestId("artifact-unregistered"));
    await waitFor(() =>
      expect(calls.some((c) => c.op === "list_artifacts" && (c.req as { query: string }).query === "clf" && (c.req as { unregisteredOnly: boolean }).unregisteredOnly)).toBe(true),
    );
  });

  it("explains stores when there are none and adds an S3 store with sealed keys", async () => {
    let list: StoreInfo[] = [];
    const { backend, calls } = stubBackend({
      store_list: () => ({ stores: list }),
      store_add: (req) => {
        list = [store({ name: req.name, uri: req.uri, kind: "s3", credentials: "sealed in the workspace" })];
        return list[0];
      },
      list_artifacts: () => ({ artifacts: [], total: 0 }),
    });
    wrap(backend, <StoresView store={null} />, app());
    expect((await screen.findByTestId("stores-empty")).textContent).toContain("A store is");
    expect(screen.queryByTestId("store-s3-fields")).toBeNull();
    fireEvent.change(screen.getByTestId("store-name"), { target: { value: "bucket" } });
    fireEvent.change(screen.getByTestId("store-uri"), { target: { value: "s3://ml/models" } });
    expect(screen.getByTestId("store-s3-fields")).toBeTruthy();
    expect(screen.getByTestId("store-secret").getAttribute("type")).toBe("password");
    fireEvent.change(screen.getByTestId("store-endpoint"), { target: { value: "http://127.0.0.1:9000" } });
    fireEvent.change(screen.getByTestId("store-region"), { target: { value: "eu-west-1" } });
    fireEvent.change(screen.getByTestId("store-access-key"), { target: { value: "AKIAEXAMPLE" } });
    fireEvent.change(screen.getByTestId("store-secret"), { target: { value: "s3cr3t" } });
    fireEvent.click(screen.getByTestId("store-add-submit"));
    await waitFor(() => expect(calls.some((c) => c.op === "store_add")).toBe(true));
    expect(calls.find((c) => c.op === "store_add")!.req).toEqual({
      name: "bucket", uri: "s3://ml/models", endpoint: "http://127.0.0.1:9000", region: "eu-west-1",
      accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t", sessionToken: null, timeoutSecs: null, retries: null,
    });
    expect(await screen.findAllByTestId("store-row")).toHaveLength(1);
    expect(decodeURIComponent(window.location.hash)).toBe("#/stores/bucket");
  });

  it("shows the API's error in the add form and sends no S3 fields for a local folder", async () => {
    const { backend, calls } = stubBackend({
      store_list: () => ({ stores: [] }),
      store_add: () => Promise.reject({ code: "conflict", message: "a store named local already exists" }),
    });
    wrap(backend, <StoresView store={null} />, app());
    fireEvent.change(await screen.findByTestId("store-name"), { target: { value: "local" } });
    fireEvent.change(screen.getByTestId("store-uri"), { target: { value: "file:///data/models" } });
    fireEvent.click(screen.getByTestId("store-add-submit"));
    expect((await screen.findByTestId("store-add-error")).textContent).toBe("a store named local already exists");
    const req = calls.find((c) => c.op === "store_add")!.req as Record<string, unknown>;
    expect([req.endpoint, req.region, req.accessKeyId, req.secretAccessKey]).toEqual([null, null, null, null]);
  });

  it("indexes a store and shows the report with its problems", async () => {
    let release: () => void = () => {};
    const { backend, calls } = stubBackend({
      store_list: () => ({ stores: [store()] }),
      list_artifacts: () => ({ artifacts: [], total: 0 }),
      index_stores: () =>
        new Promise((res) =>
          (release = () =>
            res({
              reports: [
                report({
                  complete: false,
                  errors: [
                    { path: "broken.safetensors", message: "corrupt safetensors file: header length 1152921504606846976" },
                    { path: "", message: "listing failed: connection reset" },
                  ],
                }),
              ],
            })),
        ),
    });
    const state = app({ progress: { task: "indexing local", done: 10, total: 100, unit: "bytes", detail: "12 of 340 files" } });
    wrap(backend, <StoresView store="local" />, state);
    fireEvent.click(await screen.findByTestId("store-index"));
    expect((await screen.findByTestId("store-indexing")).textContent).toBe("Indexing… 12 of 340 files");
    expect(calls.find((c) => c.op === "index_stores")!.req).toEqual({ store: "local" });
    await act(async () => release());
    const rep = await screen.findByTestId("index-report");
    expect(within(rep).getByTestId("index-incomplete").textContent).toContain("Nothing was dropped");
    const errs = within(rep).getAllByTestId("index-error").map((e) => e.textContent);
    expect(errs[0]).toBe("broken.safetensors: corrupt safetensors file: header length 1152921504606846976");
    expect(errs[1]).toBe("(the store): listing failed: connection reset");
    const facts = within(rep).getByTestId("report-facts").textContent!;
    expect(facts).toContain("3 files, 4.0 KiB");
    expect(facts).toContain("3 / 0 / 0");
    expect(facts).toContain("2 (2 new)");
    expect(facts).toContain("1.5 s");
  });

  it("removes a store only after a confirmation", async () => {
    const { backend, calls } = stubBackend({
      store_list: () => ({ stores: [store()] }),
      store_remove: () => ({ stores: [] }),
      list_artifacts: () => ({ artifacts: [], total: 0 }),
    });
    wrap(backend, <StoresView store={null} />, app());
    fireEvent.click(await screen.findByTestId("store-remove"));
    expect(calls.some((c) => c.op === "store_remove")).toBe(false);
    fireEvent.click(screen.getByTestId("store-remove-confirm"));
    expect(await screen.findByTestId("stores-empty")).toBeTruthy();
    expect(calls.find((c) => c.op === "store_remove")!.req).toEqual({ name: "local" });
  });

  it("refreshes the rows and the artifacts on a store event and shows it in the feed", async () => {
    const { backend, calls, emitStore } = stubBackend({
      store_list: () => ({ stores: [store(), store({ name: "other", uri: "file:///other" })] }),
      list_artifacts: () => ({ artifacts: [artifact()], total: 1 }),
    });
    wrap(backend, <StoresView store="local" />, app());
    await screen.findAllByTestId("artifact-row");
    const count = (op: string) => calls.filter((c) => c.op === op).length;
    const [lists, arts] = [count("store_list"), count("list_artifacts")];

    // Another store changed: its row refreshes, the artifacts shown do not.
    act(() => emitStore({ store: "other", change: "added", path: "x.onnx", detail: null }));
    await waitFor(() => expect(count("store_list")).toBe(lists + 1));
    await new Promise((r) => setTimeout(r, 250));
    expect(count("list_artifacts")).toBe(arts);

    // A burst for the selected store: one refresh of each once it is quiet.
    act(() => {
      emitStore({ store: "local", change: "added", path: "new.safetensors", detail: null });
      emitStore({ store: "local", change: "artifact", path: "new.safetensors", detail: "safetensors" });
    });
    await waitFor(() => expect(count("list_artifacts")).toBe(arts + 1));
    expect(count("store_list")).toBe(lists + 2);
    const feed = screen.getAllByTestId("store-event").map((e) => e.textContent);
    expect(feed[0]).toBe("★ local:new.safetensors safetensors");
    expect(feed[1]).toBe("+ local:new.safetensors");
    expect(feed[2]).toBe("+ other:x.onnx");
  });
});

describe("registering an indexed artifact", () => {
  it("stages it, pre-fills the form, and registers with fromIndex", async () => {
    window.location.hash = "#/stores/local";
    const { backend, calls } = stubBackend({
      workspace_info: () => ({ workspace: "/ws", models: 0, versions: 0, datasetVersions: 0, auditEvents: 1 }),
      store_list: () => ({ stores: [store()] }),
      list_artifacts: () => ({ artifacts: [artifact()], total: 1 }),
      stage_artifact: (req) => ({
        artifact: artifact({ id: req.id }),
        paths: ["/data/models/models/clf.safetensors"],
        trainedOn: ["/data/models/data/train.csv"],
        parents: [],
        suggestedModel: "clf",
      }),
      inspect_paths: (req) => ({ ...inspected, model: req.model ?? "from-path" }),
      // Left pending: the request is what this test checks.
      register_version: () => new Promise(() => {}),
    });
    renderWithBackend(backend, <App />);
    fireEvent.click(await screen.findByTestId("artifact-register"));
    await screen.findByTestId("register-form");
    expect(calls.find((c) => c.op === "stage_artifact")!.req).toEqual({ id: 7 });
    expect(window.location.hash).toBe("#/register");
    await waitFor(() => expect((screen.getByTestId("reg-version") as HTMLInputElement).value).toBe("1.0.0"));
    expect(calls.find((c) => c.op === "inspect_paths")!.req).toEqual({ paths: ["/data/models/models/clf.safetensors"], model: "clf" });
    expect((screen.getByTestId("reg-model") as HTMLInputElement).value).toBe("clf");
    expect((screen.getByTestId("reg-trained-on") as HTMLInputElement).value).toBe("/data/models/data/train.csv");
    expect(screen.getByTestId("reg-source").textContent).toContain("file:///data/models/models/clf.safetensors");
    fireEvent.click(screen.getByTestId("reg-submit"));
    await waitFor(() => expect(calls.some((c) => c.op === "register_version")).toBe(true));
    const req = calls.find((c) => c.op === "register_version")!.req as { fromIndex?: number; paths: string[]; model: string; trainedOn: string[] };
    expect(req.fromIndex).toBe(7);
    expect(req.model).toBe("clf");
    expect(req.paths).toEqual(["/data/models/models/clf.safetensors"]);
    expect(req.trainedOn).toEqual(["/data/models/data/train.csv"]);
  });

  it("a dropped file's registration carries no fromIndex", async () => {
    const { backend, calls } = stubBackend({
      inspect_paths: () => inspected,
      register_version: () => new Promise(() => {}),
    });
    wrap(backend, <RegisterView />, app({ pending: ["/up/clf.safetensors"] }));
    await waitFor(() => expect((screen.getByTestId("reg-submit") as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId("reg-submit"));
    await waitFor(() => expect(calls.some((c) => c.op === "register_version")).toBe(true));
    expect("fromIndex" in (calls.find((c) => c.op === "register_version")!.req as object)).toBe(false);
  });
});
