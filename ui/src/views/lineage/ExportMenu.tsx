/**
 * Exports the lineage view around the focus as W3C PROV-JSON or OpenLineage run events: the
 * native Save dialog in the desktop app, a download in a browser.
 */
import { useState } from "react";
import { errorMessage, useBackend } from "../../backend";
import type { ExportFormat, ExportedLineage } from "../../backend/generated/api";

/** A browser download of the exported text. */
function download(out: ExportedLineage) {
  const url = URL.createObjectURL(new Blob([out.text], { type: out.mediaType }));
  const a = document.createElement("a");
  a.href = url;
  a.download = out.fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportMenu({ focus, up, down }: { focus: string; up: number; down: number }) {
  const backend = useBackend();
  const [status, setStatus] = useState<string | null>(null);
  const exportAs = async (format: ExportFormat) => {
    setStatus("exporting…");
    try {
      const out = await backend.call("export_lineage", { node: focus, up, down, format });
      if (backend.shell) {
        const path = await backend.shell.saveAs(out.fileName, out.text);
        setStatus(path ? `saved ${path}` : null);
      } else {
        download(out);
        setStatus(`downloaded ${out.fileName}`);
      }
    } catch (e) {
      setStatus(`export failed: ${errorMessage(e)}`);
    }
  };
  return (
    <label title="Export this view (its focus and depths) for other tools">
      export
      <select
        data-testid="lineage-export"
        value=""
        onChange={(e) => {
          const format = e.target.value as ExportFormat | "";
          if (format) void exportAs(format);
        }}
      >
        <option value="">as…</option>
        <option value="prov">W3C PROV-JSON</option>
        <option value="openlineage">OpenLineage events</option>
      </select>
      {status && (
        <span className="muted" role="status" data-testid="lineage-export-status">
          {status}
        </span>
      )}
    </label>
  );
}
