/** Record an evaluation: dataset (NAME@VERSION), metric and value, optional slice and threshold. */
import { useState } from "react";
import { useBackend } from "../../backend";
import { FieldError } from "../../components/FieldError";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";

export function EvaluateForm({ reference, datasets, onDone }: { reference: string; datasets: string[]; onDone: () => Promise<void> }) {
  const backend = useBackend();
  const [dataset, setDataset] = useState(datasets[0] ?? "");
  const [metric, setMetric] = useState("");
  const [value, setValue] = useState("");
  const [slice, setSlice] = useState("");
  const [threshold, setThreshold] = useState("");
  const { busy, error, setError, run } = useAction();
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const v = Number(value);
    if (!dataset.trim() || !metric.trim() || value.trim() === "" || !Number.isFinite(v)) {
      setError("Give a dataset (NAME@VERSION), a metric name and a number.");
      return;
    }
    await run(async () => {
      await backend.call("evaluate_version", {
        reference,
        dataset: dataset.trim(),
        metrics: [{ metric: metric.trim(), value: v, slice: slice.trim() || null, threshold: threshold.trim() || null }],
      });
      setValue("");
      setSlice("");
      await onDone();
    });
  };
  return (
    <form className="gov-form" data-testid="gov-eval-form" onSubmit={submit} noValidate>
      <div className="fields">
        <TextField label="Dataset" testId="gov-eval-dataset" value={dataset} onChange={setDataset} list="gov-eval-datasets" placeholder="NAME@VERSION" required>
          <datalist id="gov-eval-datasets">
            {datasets.map((d) => (
              <option key={d} value={d} />
            ))}
          </datalist>
        </TextField>
        <TextField label="Metric" testId="gov-eval-metric" value={metric} onChange={setMetric} placeholder="accuracy" required />
        <TextField label="Value" layout="narrow" testId="gov-eval-value" value={value} onChange={setValue} inputMode="decimal" placeholder="0.91" required />
        <TextField
          label="Slice"
          layout="narrow"
          hint="Optional: the group these values are for, KEY=VALUE; empty for the whole dataset"
          testId="gov-eval-slice"
          value={slice}
          onChange={setSlice}
          placeholder="all (or age=65+)"
        />
        <TextField
          label="Threshold"
          layout="narrow"
          hint="Optional: OP VALUE with OP one of >=, >, <=, <, =="
          testId="gov-eval-threshold"
          value={threshold}
          onChange={setThreshold}
          placeholder="none (or >= 0.9)"
        />
        <button data-testid="gov-eval-submit" disabled={busy}>
          {busy ? "Recording…" : "Add evaluation"}
        </button>
      </div>
      <FieldError error={error} testId="gov-eval-error" />
    </form>
  );
}
