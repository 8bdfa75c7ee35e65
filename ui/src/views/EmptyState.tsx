/** An empty workspace: drop files, open the demo workspace, or index a store. */
import { useState } from "react";
import { errorMessage, useBackend } from "../backend";
import { useApp } from "../app-state";
import { FilePicker } from "../components/FilePicker";
import { navigate } from "../router";
import { lineageHash, defaultLineageState } from "../lineage/model";

export const DEMO_FOCUS = "version:llm-legal@1.0.1";

export function EmptyState() {
  const backend = useBackend();
  const { refreshInfo } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const openDemo = async () => {
    setBusy(true);
    setError(null);
    try {
      await backend.call("open_demo", {});
      navigate(lineageHash({ ...defaultLineageState(DEMO_FOCUS), up: 2, down: 2 }));
      await refreshInfo();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="empty" data-testid="empty-state">
      <h1>No models yet</h1>
      <p>Pedigree keeps every version of your models with its data, code, runs and parents.</p>
      <div className="ways">
        <div className="way drop-hint">
          <div className="big">⤓</div>
          <h2>Drop model files here</h2>
          <p>safetensors, ONNX, GGUF, PyTorch, pickle, Keras, or whole MLflow / Hugging Face folders. Nothing is executed.</p>
          <FilePicker />
        </div>
        <div className="way">
          <div className="big">◎</div>
          <h2>Explore a sample</h2>
          <p>A base model with fine-tuned, distilled and quantized children, an ensemble, datasets, runs and code.</p>
          <button className="primary" data-testid="open-demo" disabled={busy} onClick={openDemo}>
            {busy ? "Creating demo…" : "Open demo workspace"}
          </button>
        </div>
      </div>
      <p className="muted">
        Models already in a folder, an S3 bucket or on a web server? <a href="#/stores" data-testid="empty-stores">Add it as a store</a>, index it, and
        register what it holds from there.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
