/**
 * The registration form, pre-filled from `inspect_paths` (sniffers + semver policy + candidate
 * parents). Confirm registers with a progress bar; errors stay in the form and nothing is
 * registered. For an indexed artifact (from the Stores view) the name and training data come
 * from the index, and the request carries `fromIndex` so the server checks the digest again
 * and records where the version came from.
 */
import { useEffect, useRef, useState } from "react";
import { errorMessage, useBackend } from "../backend";
import type { InspectResponse, RegisterRequest } from "../backend/generated/api";
import { useApp } from "../app-state";
import { lineageHash, defaultLineageState } from "../lineage/model";
import { navigate, storeHash } from "../router";
import { bytes, plural, short } from "../format";
import { PickleVerdictList } from "./version/PickleVerdicts";
import { FilePicker } from "../components/FilePicker";
import { pickleVerdicts } from "./version/pickle";

const RELATIONS = ["finetune", "adapter", "merge", "quantized", "distilled", "pruned", "ensemble"];
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

function keyValues(text: string): [string, string][] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const i = s.indexOf("=");
      return i < 0 ? [s, ""] : [s.slice(0, i).trim(), s.slice(i + 1).trim()];
    });
}

export function RegisterView() {
  const backend = useBackend();
  const { pending, setPending, pendingOrigin, progress, refreshInfo, setNotice } = useApp();
  const origin = pendingOrigin ?? null;
  const [inspected, setInspected] = useState<InspectResponse | null>(null);
  const [model, setModel] = useState("");
  const [version, setVersion] = useState("");
  const [versionEdited, setVersionEdited] = useState(false);
  const [parent, setParent] = useState("");
  const [relation, setRelation] = useState("finetune");
  const [trainedOn, setTrainedOn] = useState("");
  const [params, setParams] = useState("");
  const [metrics, setMetrics] = useState("");
  const [message, setMessage] = useState("");
  const [allowUnsafe, setAllowUnsafe] = useState("");
  const dangerous = inspected ? pickleVerdicts(inspected.sniffed).some((v) => v.risk === "dangerous") : false;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"inspecting" | "registering" | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const nameTouched = useRef(false);
  // Only the latest inspect answer counts (typing a name fires several).
  const inspectSeq = useRef(0);

  const inspect = async (paths: string[], name: string | null) => {
    const seq = ++inspectSeq.current;
    setBusy("inspecting");
    setError(null);
    try {
      const r = await backend.call("inspect_paths", { paths, model: name });
      if (seq !== inspectSeq.current) return;
      setInspected(r);
      if (!nameTouched.current) setModel(r.model);
      setVersion((v) => (versionEdited && v ? v : r.suggestedVersion));
      setParent((p) => p || r.candidateParents[0]?.reference || "");
      const first = r.candidateParents[0];
      if (!parent && first?.relation) setRelation(first.relation);
    } catch (e) {
      if (seq !== inspectSeq.current) return;
      setInspected(null);
      setError(errorMessage(e));
    } finally {
      if (seq === inspectSeq.current) setBusy(null);
    }
  };

  useEffect(() => {
    if (!pending) return;
    nameTouched.current = false;
    setVersionEdited(false);
    setDone(null);
    setParent("");
    if (origin) {
      setModel(origin.model);
      setTrainedOn(origin.trainedOn.join(", "));
    }
    void inspect(pending, origin ? origin.model : null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [pending]);

  // A new name changes the suggestion (it is compared against that model's latest version).
  useEffect(() => {
    if (!pending || !nameTouched.current || !NAME.test(model)) return;
    const t = setTimeout(() => void inspect(pending, model), 350);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!pending || !inspected) return;
    if (!NAME.test(model)) {
      setError("Model names use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit.");
      return;
    }
    const metricPairs = keyValues(metrics);
    const bad = metricPairs.find(([, x]) => x === "" || !Number.isFinite(Number(x)));
    if (bad) {
      setError(`Metric "${bad[0]}" needs a numeric value, e.g. accuracy=0.93`);
      return;
    }
    if (dangerous && !allowUnsafe.trim()) {
      setError("Some files would run commands or code when loaded: say why they should be registered anyway.");
      return;
    }
    const req: RegisterRequest = {
      paths: pending,
      model,
      version: version && version !== inspected.suggestedVersion ? version : null,
      parents: parent ? [{ parent, relation }] : [],
      trainedOn: trainedOn.trim() ? trainedOn.split(",").map((s) => s.trim()).filter(Boolean) : [],
      params: Object.fromEntries(keyValues(params)),
      metrics: Object.fromEntries(metricPairs.map(([k, x]) => [k, Number(x)])),
      message,
      code: null,
      environment: null,
      run: null,
      ...(origin ? { fromIndex: origin.fromIndex } : {}),
      ...(dangerous ? { allowUnsafe } : {}),
    };
    setBusy("registering");
    setError(null);
    try {
      const r = await backend.call("register_version", req);
      setDone(r.node);
      const dedup = r.newBytes < r.totalSize ? ` (${bytes(r.totalSize - r.newBytes)} already stored)` : "";
      setNotice?.(`Registered ${r.model}@${r.version}: ${plural(r.fileCount, "file")}, ${bytes(r.totalSize)}${dedup} · ${r.bumpReason}`);
      setPending(null);
      await refreshInfo();
      navigate(lineageHash({ ...defaultLineageState(r.node), up: 2, down: 1, sel: r.node }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  if (!pending && !done) {
    return (
      <div className="page">
        <h1>Register a model version</h1>
        <p className="muted">Drop model files or a model folder anywhere on this window to start, or choose them:</p>
        <FilePicker />
      </div>
    );
  }

  const pct = progress && progress.total > 0 ? Math.round((100 * progress.done) / progress.total) : 0;
  return (
    <div className="page">
      <h1>Register a model version</h1>
      <form className="register" data-testid="register-form" onSubmit={submit}>
        <div className="cols">
          <div>
            <label>
              Model name
              <input
                data-testid="reg-model"
                value={model}
                onChange={(e) => {
                  nameTouched.current = true;
                  setModel(e.target.value);
                }}
                autoFocus
                aria-invalid={!!model && !NAME.test(model)}
              />
            </label>
            {model && !NAME.test(model) && <p className="field-error">lowercase letters, digits, '.', '_' and '-'</p>}
            <label>
              Version
              <input
                data-testid="reg-version"
                value={version}
                onChange={(e) => {
                  setVersionEdited(true);
                  setVersion(e.target.value);
                }}
              />
            </label>
            <p className="reason" data-testid="reg-bump-reason">
              {inspected ? (
                <>
                  <span className={`bump b-${inspected.bump}`}>{inspected.bump}</span> {inspected.bumpReason}
                  {inspected.latestVersion && <> (latest: {inspected.latestVersion})</>}
                </>
              ) : (
                busy === "inspecting" && "Reading files…"
              )}
            </p>
            <label>
              Parent
              <select data-testid="reg-parent" value={parent} onChange={(e) => setParent(e.target.value)}>
                <option value="">none</option>
                {inspected?.candidateParents.map((c) => (
                  <option key={c.reference} value={c.reference}>
                    {c.reference} — {c.reason}
                  </option>
                ))}
                {parent && !inspected?.candidateParents.some((c) => c.reference === parent) && <option value={parent}>{parent}</option>}
              </select>
            </label>
            <input placeholder="or type MODEL@VERSION" value={parent} onChange={(e) => setParent(e.target.value)} />
            <label>
              Relation
              <select data-testid="reg-relation" value={relation} onChange={(e) => setRelation(e.target.value)} disabled={!parent}>
                {RELATIONS.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>
            <label>
              Trained on (DATASET@VERSION or a data path, comma-separated)
              <input data-testid="reg-trained-on" value={trainedOn} onChange={(e) => setTrainedOn(e.target.value)} placeholder="web-text@2" />
            </label>
            <label>
              Params (k=v, one per line)
              <textarea rows={2} value={params} onChange={(e) => setParams(e.target.value)} placeholder="lr=3e-4" />
            </label>
            <label>
              Metrics (k=number)
              <textarea rows={2} value={metrics} onChange={(e) => setMetrics(e.target.value)} placeholder="accuracy=0.93" />
            </label>
            <label>
              Message: why does this version exist?
              <textarea data-testid="reg-message" rows={2} value={message} onChange={(e) => setMessage(e.target.value)} />
            </label>
            {dangerous && (
              <label>
                Reason to register files that run commands or code on load (kept in the audit log)
                <textarea data-testid="reg-allow-unsafe" rows={2} value={allowUnsafe} onChange={(e) => setAllowUnsafe(e.target.value)} />
              </label>
            )}
          </div>
          <div>
            <h2>{origin ? "From the index" : "Files to register"}</h2>
            {origin && (
              <p className="muted" data-testid="reg-source">
                Store <strong>{origin.store}</strong>: <span className="mono wrap">{origin.uri}</span>. Its digest is checked again when it is registered.
              </p>
            )}
            {inspected && (
              <>
                <p>
                  Format <strong data-testid="reg-format">{inspected.format}</strong> · {bytes(inspected.totalSize)} in {plural(inspected.files.length, "file")} ·
                  root <span className="mono">{short(inspected.rootDigest)}</span>
                </p>
                {inspected.interface.task && <p>Task: {inspected.interface.task}</p>}
                <PickleVerdictList sniffed={inspected.sniffed} />
                <p className="muted">
                  {inspected.interface.inputs.length} inputs · {inspected.interface.outputs.length} outputs · {inspected.interface.tensors.length} tensors
                </p>
                <ul className="files">
                  {inspected.files.slice(0, 200).map((f) => (
                    <li key={f.path}>
                      <span className="mono">{f.path}</span> <span className="muted">{bytes(f.size)} · {f.format}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {!inspected && busy === "inspecting" && <p className="muted">Sniffing and hashing…</p>}
          </div>
        </div>
        {error && (
          <p className="error" data-testid="reg-error" role="alert">
            {error}
          </p>
        )}
        {busy === "registering" && (
          <div className="progress inline" data-testid="reg-progress">
            <div className="bar" style={{ width: `${pct}%` }} />
            <span className="label">hashing and copying… {pct}%</span>
          </div>
        )}
        {done && <p className="muted">Registered {done}</p>}
        <div className="form-actions">
          <button type="button" onClick={() => { setPending(null); navigate(origin ? storeHash(origin.store) : "#/lineage"); }}>
            Cancel
          </button>
          <button className="primary" type="submit" data-testid="reg-submit" disabled={!inspected || busy !== null}>
            {busy === "registering" ? "Registering…" : `Register ${model || "…"}@${version || "…"}`}
          </button>
        </div>
      </form>
    </div>
  );
}
