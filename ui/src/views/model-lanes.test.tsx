import { describe, expect, it } from "vitest";
import { screen, within } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { wrap } from "../test/render";
import { ModelView } from "./Model";
import type { ModelSummary, VersionSummary } from "../backend/generated/api";

const line = (name: string, versionCount: number, latestVersion: string): ModelSummary => ({
  name, description: "", owner: null, versionCount, latestVersion, latestAt: null, createdBy: "alice", createdAt: "2026-12-01T00:00:00.000Z",
});
const version = (model: string, v: string): VersionSummary => ({
  model, version: v, status: "draft", format: "safetensors", rootDigest: "ab".repeat(32), fileCount: 1, totalSize: 10,
  bump: "minor", metrics: {}, message: "", createdBy: "alice", createdAt: "2026-12-01T00:00:00.000Z",
});

describe("model page lanes", () => {
  const lines = [line("churn", 2, "1.1.0"), line("churn/edge", 9, "3.0.0"), line("churn/quantized", 1, "1.0.0")];
  const byLine: Record<string, VersionSummary[]> = {
    churn: [version("churn", "1.1.0"), version("churn", "1.0.0")],
    "churn/edge": ["3.0.0", "2.1.0", "2.0.0", "1.2.0", "1.1.0", "1.0.0"].map((v) => version("churn/edge", v)),
    "churn/quantized": [version("churn/quantized", "1.0.0")],
  };

  it("shows the main line and each variant side by side, newest first, the current one marked", async () => {
    const { backend } = stubBackend({
      list_versions: (req) => ({ model: req.model, total: lines.find((l) => l.name === req.model)!.versionCount, versions: byLine[req.model], lines }),
      list_aliases: () => ({ model: "churn/edge", aliases: [], moves: [] }),
    });
    wrap(backend, <ModelView name="churn/edge" />);
    const lanes = await screen.findAllByTestId("lane");
    expect(lanes.map((l) => l.dataset.line)).toEqual(["churn", "churn/edge", "churn/quantized"]);
    expect(lanes[1].className).toContain("current");
    expect(within(lanes[0]).getByRole("link", { name: /main/ }).getAttribute("href")).toBe("#/models/churn");
    const edge = await within(lanes[1]).findAllByTestId("lane-version");
    expect(edge.map((a) => a.textContent)).toEqual(["3.0.0", "2.1.0", "2.0.0", "1.2.0", "1.1.0", "1.0.0"]);
    expect(edge[0].getAttribute("href")).toBe("#/versions/churn%2Fedge@3.0.0");
    expect(lanes[1].textContent).toContain("+3 older");
  });

  it("shows no lanes for a model without variants", async () => {
    const { backend } = stubBackend({
      list_versions: () => ({ model: "churn", total: 2, versions: byLine.churn, lines: [] }),
      list_aliases: () => ({ model: "churn", aliases: [], moves: [] }),
    });
    wrap(backend, <ModelView name="churn" />);
    await screen.findAllByTestId("version-row");
    expect(screen.queryByTestId("model-lanes")).toBeNull();
  });
});
