import { describe, expect, it } from "vitest";
import { topLevelPaths } from "./paths";
import { filesFromDrop } from "../drop";

describe("browser drops", () => {
  it("registers a dropped folder as one path and loose files one by one", () => {
    const dir = "/ws/uploads/b1/";
    expect(topLevelPaths(dir, ["llm/config.json", "llm/model.safetensors", "llm/tok/vocab.json"])).toEqual(["/ws/uploads/b1/llm"]);
    expect(topLevelPaths(dir, ["a.onnx", "labels.txt", "a.onnx"])).toEqual(["/ws/uploads/b1/a.onnx", "/ws/uploads/b1/labels.txt"]);
    expect(topLevelPaths("C:\\ws\\uploads\\b1", ["m.gguf"])).toEqual(["C:\\ws\\uploads\\b1\\m.gguf"]);
  });

  it("falls back to dataTransfer.files when entries are not available", async () => {
    const f = new File([new Uint8Array([1, 2, 3])], "w.safetensors");
    const dt = { items: [{ kind: "file", webkitGetAsEntry: () => null }], files: [f] } as unknown as DataTransfer;
    const items = await filesFromDrop(dt);
    expect(items.map((i) => [i.relPath, i.file.size])).toEqual([["w.safetensors", 3]]);
  });

  it("walks dropped folders recursively", async () => {
    const file = (name: string, size: number) => ({ name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([new Uint8Array(size)], name)) });
    const dir = (name: string, children: unknown[]) => ({
      name, isFile: false, isDirectory: true,
      createReader: () => {
        let served = false;
        // Browsers hand out entries in batches until an empty one.
        return { readEntries: (ok: (b: unknown[]) => void) => ok(served ? [] : ((served = true), children)) };
      },
    });
    const root = dir("llm", [file("config.json", 2), dir("tok", [file("vocab.json", 5)])]);
    const dt = { items: [{ kind: "file", webkitGetAsEntry: () => root }], files: [] } as unknown as DataTransfer;
    const items = await filesFromDrop(dt);
    expect(items.map((i) => i.relPath).sort()).toEqual(["llm/config.json", "llm/tok/vocab.json"]);
  });
});
