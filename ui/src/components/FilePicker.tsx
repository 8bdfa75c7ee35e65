/**
 * Register without drag and drop: pick files, or a whole folder, with the system's file
 * chooser. In a browser they are uploaded and open the registration form like a drop; in the
 * desktop app the native chooser hands over real paths (nothing is copied first).
 */
import { useRef } from "react";
import { useBackend } from "../backend";
import { useApp } from "../app-state";

/** `relPath` for a picked file: its path inside a picked folder, else its name. */
export function relPathOf(file: File): string {
  const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
  return rel && rel.length > 0 ? rel : file.name;
}

export function FilePicker() {
  const backend = useBackend();
  const { uploadPicked, pickToRegister } = useApp();
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
  if (backend.transport === "tauri" && pickToRegister) return <NativePicker pick={pickToRegister} />;
  if (backend.transport !== "http" || !uploadPicked) return null;
  const picked = (input: HTMLInputElement | null) => {
    const list = Array.from(input?.files ?? []);
    void uploadPicked(list.map((file) => ({ file, relPath: relPathOf(file) })));
    if (input) input.value = "";
  };
  return (
    <div className="file-picker">
      <button type="button" data-testid="pick-files" onClick={() => files.current?.click()}>
        Choose files…
      </button>
      <button type="button" data-testid="pick-folder" onClick={() => folder.current?.click()}>
        Choose a folder…
      </button>
      <input ref={files} type="file" multiple hidden data-testid="pick-files-input" onChange={(e) => picked(e.currentTarget)} />
      <input
        ref={folder}
        type="file"
        hidden
        data-testid="pick-folder-input"
        onChange={(e) => picked(e.currentTarget)}
        {...({ webkitdirectory: "", directory: "" } as Record<string, string>)}
      />
    </div>
  );
}

/** The desktop's buttons: the native chooser for files (Ctrl+N) or a folder (Ctrl+Shift+N). */
function NativePicker({ pick }: { pick: (purpose: "registerFiles" | "registerFolder") => Promise<void> }) {
  return (
    <div className="file-picker">
      <button type="button" data-testid="pick-files" title="Ctrl+N" onClick={() => void pick("registerFiles")}>
        Choose files…
      </button>
      <button type="button" data-testid="pick-folder" title="Ctrl+Shift+N" onClick={() => void pick("registerFolder")}>
        Choose a folder…
      </button>
    </div>
  );
}
