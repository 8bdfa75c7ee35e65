/**
 * The window-wide drop target. Desktop: the shell hands over real paths. Browser: HTML5 drag and
 * drop anywhere on the window; the files (folders included) are uploaded to the server, which
 * answers with staged paths. Either way `onPaths` gets the paths to register.
 */
import { useCallback, useEffect, useState } from "react";
import { errorMessage, useBackend, type Backend, type UploadItem } from "./backend";
import { filesFromDrop } from "./drop";

export interface Upload {
  done: number;
  total: number;
}

/** Pass a stable `onPaths`. */
export function useWindowDrop(onPaths: (paths: string[]) => void) {
  const backend = useBackend();
  const [hovering, setHovering] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState<Upload | null>(null);
  const deliver = useCallback(
    (paths: string[]) => {
      setError(null);
      onPaths(paths);
    },
    [onPaths],
  );

  useEffect(() => backend.onNativeDrop(deliver, setHovering), [backend, deliver]);

  useEffect(() => {
    if (backend.transport !== "http") return;
    const upload = async (dt: DataTransfer) => {
      try {
        const paths = await uploadDrop(backend, dt, setUploading);
        if (paths) deliver(paths);
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        setUploading(null);
      }
    };
    return listenForFileDrags(setHovering, (dt) => void upload(dt));
  }, [backend, deliver]);

  /** Files picked with a file input (browser): uploaded like a drop. */
  const uploadPicked = useCallback(
    async (items: UploadItem[]) => {
      if (items.length === 0) return;
      try {
        setUploading({ done: 0, total: items.reduce((n, it) => n + it.file.size, 0) });
        deliver(await backend.upload(items, (done, total) => setUploading({ done, total })));
      } catch (err) {
        setError(errorMessage(err));
      } finally {
        setUploading(null);
      }
    },
    [backend, deliver],
  );

  return { hovering, uploading, error, dismissError: () => setError(null), uploadPicked };
}

/** Uploads what was dropped; null when nothing was (e.g. an empty folder). */
async function uploadDrop(backend: Backend, dt: DataTransfer, onProgress: (u: Upload) => void): Promise<string[] | null> {
  const items = await filesFromDrop(dt);
  if (items.length === 0) return null;
  onProgress({ done: 0, total: items.reduce((n, it) => n + it.file.size, 0) });
  return backend.upload(items, (done, total) => onProgress({ done, total }));
}

/** Window listeners for drags that carry files: hovering while one is over the window, `onDrop` with its data. Returns the unsubscribe. */
function listenForFileDrags(setHovering: (on: boolean) => void, onDrop: (dt: DataTransfer) => void): () => void {
  let depth = 0;
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes("Files") || (e.dataTransfer?.files?.length ?? 0) > 0;
  const enter = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    setHovering(true);
  };
  const over = (e: DragEvent) => {
    if (hasFiles(e)) e.preventDefault();
  };
  const leave = () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) setHovering(false);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    depth = 0;
    setHovering(false);
    if (e.dataTransfer) onDrop(e.dataTransfer);
  };
  const listeners = { dragenter: enter, dragover: over, dragleave: leave, drop } as const;
  for (const [type, fn] of Object.entries(listeners)) window.addEventListener(type, fn as EventListener);
  return () => {
    for (const [type, fn] of Object.entries(listeners)) window.removeEventListener(type, fn as EventListener);
  };
}
