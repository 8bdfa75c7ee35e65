/**
 * Artifact stores: local folders, S3 buckets and HTTP listings where model files live. Lists
 * the stores, adds one (S3 credentials are sealed in the workspace), indexes on demand with
 * live progress and a report, browses the artifacts found (filter, unregistered only, paging,
 * details) and hands an unregistered one to the registration form. Watched stores push
 * changes (`onStoreEvent`): the rows and the artifacts refresh, and a small feed shows them.
 * The parts are in ./stores.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { useBackend } from "../backend";
import type { Artifact, StoreInfo } from "../backend/generated/api";
import { useApp } from "../app-state";
import { navigate, storeHash } from "../router";
import { ErrorBanner } from "../components/ErrorBanner";
import { useAction } from "../components/useAction";
import { useLoad } from "../components/useLoad";
import { ArtifactTable } from "./stores/ArtifactTable";
import { IndexReportCard, type IndexReports } from "./stores/IndexReport";
import { StoreAddForm } from "./stores/StoreAddForm";
import { StoreFeed, useStoreEvents } from "./stores/StoreFeed";
import { StoreTable } from "./stores/StoreTable";

export function StoresView({ store }: { store: string | null }) {
  const backend = useBackend();
  const { setPending, setNotice } = useApp();
  // The list, index runs, removals and staging report to the page's one error banner.
  const [error, setError] = useState<string | null>(null);
  const { data: stores, setData: setStores, refresh: loadStores } = useLoad(async () => (await backend.call("store_list", {})).stores, [backend], setError);
  const { running: indexing, run: runIndex } = useAction<string>(setError);
  const { running: staging, run: runStage } = useAction<number>(setError);
  const { run: runRemove } = useAction(setError);
  const [showAdd, setShowAdd] = useState(false);
  const [reports, setReports] = useState<IndexReports | null>(null);
  // Bumped to reload the artifacts page in place (same filter and offset).
  const [artifactsTick, setArtifactsTick] = useState(0);
  const reloadArtifacts = () => setArtifactsTick((t) => t + 1);
  const selected = useRef(store);
  useEffect(() => {
    selected.current = store;
  }, [store]);

  // Live: the rows and (if it is the one shown) the artifacts reload once events are quiet.
  const feed = useStoreEvents(
    useCallback(
      (touched: Set<string>) => {
        void loadStores();
        if (selected.current === null || touched.has(selected.current)) setArtifactsTick((t) => t + 1);
      },
      [loadStores],
    ),
  );

  const index = (name: string | null) =>
    runIndex(async () => {
      const r = await backend.call("index_stores", { store: name });
      setReports({ title: name ? `Index of ${name}` : "Index of every store", list: r.reports });
      await loadStores();
      reloadArtifacts();
    }, name ?? "*");

  const remove = (name: string) =>
    runRemove(async () => {
      const r = await backend.call("store_remove", { name });
      setStores(r.stores);
      setReports((x) => (x && x.list.some((rep) => rep.store === name) ? null : x));
      if (store === name) navigate(storeHash(null));
      reloadArtifacts();
    });

  const register = (a: Artifact) =>
    runStage(async () => {
      // Remote artifacts are downloaded here (progress events "downloading PATH").
      const s = await backend.call("stage_artifact", { id: a.id });
      setNotice?.(null);
      setPending(s.paths, { fromIndex: a.id, store: a.store, uri: s.artifact.uri, model: s.suggestedModel, trainedOn: s.trainedOn });
      navigate("#/register");
    }, a.id);

  const added = async (info: StoreInfo) => {
    setShowAdd(false);
    await loadStores();
    navigate(storeHash(info.name));
  };

  const empty = stores !== null && stores.length === 0;
  return (
    <div className="page stores">
      <div className="page-head">
        <h1>Stores</h1>
        {!empty && (
          <>
            <button data-testid="store-add-open" onClick={() => setShowAdd((x) => !x)} aria-expanded={showAdd}>
              {showAdd ? "Close" : "Add store"}
            </button>
            <button data-testid="index-all" onClick={() => void index(null)} disabled={indexing !== null || !stores?.length}>
              {indexing === "*" ? "Indexing every store…" : "Index all"}
            </button>
          </>
        )}
      </div>
      <ErrorBanner error={error} testId="stores-error" onDismiss={() => setError(null)} />
      {empty && <NoStores />}
      {(empty || showAdd) && <StoreAddForm onAdded={added} />}
      {stores && stores.length > 0 && (
        <StoreTable
          stores={stores}
          selected={store}
          indexing={indexing}
          onIndex={(name) => void index(name)}
          onRemove={(name) => void remove(name)}
          onShowReport={setReports}
        />
      )}
      {reports && <IndexReportCard reports={reports} onClose={() => setReports(null)} />}
      {stores && stores.length > 0 && <ArtifactTable store={store} tick={artifactsTick} staging={staging} onRegister={(a) => void register(a)} />}
      <StoreFeed feed={feed} />
    </div>
  );
}

function NoStores() {
  return (
    <div className="card" data-testid="stores-empty">
      <h2>No stores yet</h2>
      <p>
        A <strong>store</strong> is a place where model files already live: a local folder, an S3 bucket (or a prefix of one), or a folder served over
        HTTP. Pedigree <em>indexes</em> it: it lists the files, hashes local ones (remote ones are identified by their ETag and only their headers are
        read), sniffs model formats and interfaces, and reads DVC files for what each model was trained on. Nothing is copied or changed until you
        register an artifact. Local folders are watched: new files show up here as they land.
      </p>
    </div>
  );
}
