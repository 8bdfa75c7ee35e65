import { describe, expect, it } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { stubBackend } from "../test/stub-backend";
import { wrap } from "../test/render";
import { SystemProposal } from "./model/SystemProposal";
import type { SystemPlan } from "../backend/generated/api";

const plan: SystemPlan = {
  system: "claims-triage",
  from: "1.0.0",
  version: "1.1.0",
  bump: "minor",
  changes: [{ model: "llm-legal/q4", from: "1.0.0", to: "1.1.0", bump: "minor" }],
  components: [],
};

describe("system proposal on a system's model page", () => {
  it("shows the proposed version and registers it", async () => {
    const { backend, calls } = stubBackend({
      system_proposals: () => ({ proposals: [{ ...plan, system: "other" }, plan] }),
      system_pin: () => ({ plan, registered: { model: "claims-triage", version: "1.1.0" } as never }),
    });
    let changed = 0;
    wrap(backend, <SystemProposal system="claims-triage" onChange={() => (changed += 1)} />);
    const card = await screen.findByTestId("system-proposal");
    expect(card.dataset.version).toBe("1.1.0");
    expect(screen.getByTestId("system-change").textContent).toContain("llm-legal/q4 1.0.0 → 1.1.0");
    fireEvent.click(screen.getByTestId("system-apply"));
    await waitFor(() => expect(changed).toBe(1));
    expect(calls.find((c) => c.op === "system_pin")!.req).toEqual({ system: "claims-triage", components: [], message: "" });
    expect(window.location.hash).toBe("#/versions/claims-triage@1.1.0");
  });

  it("shows nothing when the system pins its components' newest versions", async () => {
    const { backend, calls } = stubBackend({ system_proposals: () => ({ proposals: [] }) });
    wrap(backend, <SystemProposal system="claims-triage" onChange={() => {}} />);
    await waitFor(() => expect(calls.some((c) => c.op === "system_proposals")).toBe(true));
    expect(screen.queryByTestId("system-proposal")).toBeNull();
  });
});
