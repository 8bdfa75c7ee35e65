/**
 * Files from an HTML5 drop, folders included (via `webkitGetAsEntry`), with their paths
 * relative to the drop. Falls back to `dataTransfer.files` where entries are not available
 * (synthetic DataTransfer objects).
 */
import type { UploadItem } from "./backend";

type Entry = FileSystemEntry;

function readAll(dir: FileSystemDirectoryEntry): Promise<Entry[]> {
  const reader = dir.createReader();
  const out: Entry[] = [];
  return new Promise((resolve, reject) => {
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(out);
        else {
          out.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: Entry, prefix: string, out: UploadItem[]): Promise<void> {
  const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ relPath: rel, file });
  } else if (entry.isDirectory) {
    for (const child of await readAll(entry as FileSystemDirectoryEntry)) await walk(child, rel, out);
  }
}

export async function filesFromDrop(dt: DataTransfer): Promise<UploadItem[]> {
  const out: UploadItem[] = [];
  const entries: Entry[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    const e = item.kind === "file" && typeof item.webkitGetAsEntry === "function" ? item.webkitGetAsEntry() : null;
    if (e) entries.push(e);
  }
  if (entries.length > 0) {
    for (const e of entries) await walk(e, "", out);
    return out;
  }
  for (const f of Array.from(dt.files ?? [])) out.push({ relPath: f.name, file: f });
  return out;
}
