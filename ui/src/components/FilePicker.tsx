/**
 * Register without drag and drop (browser): pick files, or a whole folder, with the system's
 * file chooser; they are uploaded and open the registration form like a drop. The desktop app
 * registers from real paths and does not show this.
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
  const { uploadPicked } = useApp();
  const files = useRef<HTMLInputElement>(null);
  const folder = useRef<HTMLInputElement>(null);
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
