import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { stubBackend } from "../../test/stub-backend";
import { renderWithBackend } from "../../test/render";
import { MetadataCard } from "./Metadata";

const shown = { subject: "version:churn@2.0.0", description: "first cut", tags: { team: "fraud" }, stage: null };

describe("metadata card", () => {
  it("edits the description, the stage and tags, reloads after each and shows a refusal", async () => {
    const onChange = vi.fn();
    const { backend, calls } = stubBackend({
      annotate: (req) => {
        if (req.field === "tag:pedigree.semver") throw { code: "invalid_input", message: "keys starting pedigree. are Pedigree's own" };
        return shown;
      },
    });
    renderWithBackend(backend, <MetadataCard target="churn@2.0.0" annotations={shown} onChange={onChange} />);
    expect(screen.getByTestId("description").textContent).toContain("first cut");
    expect(screen.getByTestId("tag").getAttribute("data-key")).toBe("team");

    fireEvent.click(screen.getByTestId("description-edit"));
    fireEvent.change(screen.getByTestId("description-input"), { target: { value: "second cut" } });
    fireEvent.click(screen.getByTestId("description-save"));
    await waitFor(() => expect(onChange).toHaveBeenCalledTimes(1));
    expect(calls.filter((c) => c.op === "annotate")[0].req).toEqual({ target: "churn@2.0.0", field: "description", value: "second cut" });
    expect(screen.queryByTestId("description-input")).toBeNull();

    fireEvent.change(screen.getByTestId("stage"), { target: { value: "Production" } });
    await waitFor(() => expect(onChange).toHaveBeenCalledTimes(2));
    expect(calls.filter((c) => c.op === "annotate")[1].req).toEqual({ target: "churn@2.0.0", field: "stage", value: "Production" });

    fireEvent.click(screen.getByRole("button", { name: "Remove tag team" }));
    await waitFor(() => expect(onChange).toHaveBeenCalledTimes(3));
    expect(calls.filter((c) => c.op === "annotate")[2].req).toEqual({ target: "churn@2.0.0", field: "tag:team", value: null });

    const set = screen.getByTestId("tag-set") as HTMLButtonElement;
    expect(set.disabled).toBe(true);
    fireEvent.change(screen.getByTestId("tag-key"), { target: { value: " owner " } });
    fireEvent.change(screen.getByTestId("tag-value"), { target: { value: "ana" } });
    fireEvent.click(set);
    await waitFor(() => expect(onChange).toHaveBeenCalledTimes(4));
    expect(calls.filter((c) => c.op === "annotate")[3].req).toEqual({ target: "churn@2.0.0", field: "tag:owner", value: "ana" });

    fireEvent.change(screen.getByTestId("tag-key"), { target: { value: "pedigree.semver" } });
    fireEvent.click(screen.getByTestId("tag-set"));
    expect((await screen.findByRole("alert")).textContent).toContain("Pedigree's own");
    expect(onChange).toHaveBeenCalledTimes(4);
  });

  it("has no stage for a model", () => {
    const { backend } = stubBackend({});
    renderWithBackend(backend, <MetadataCard target="churn" annotations={{ ...shown, subject: "model:churn", tags: {} }} onChange={() => {}} />);
    expect(screen.queryByTestId("stage")).toBeNull();
    expect(screen.getByText(/No tags/)).toBeTruthy();
  });
});
