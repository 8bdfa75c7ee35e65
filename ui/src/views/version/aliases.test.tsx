import { describe, expect, it, vi } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/react";
import { stubBackend } from "../../test/stub-backend";
import { renderWithBackend } from "../../test/render";
import { AliasesCard } from "./Aliases";

const change = (alias: string, version: string | null, previous: string | null) => ({ model: "churn", alias, version, previous, auditSeq: 7 });

describe("aliases card", () => {
  it("points an alias here, removes one, reloads after each and shows a refusal", async () => {
    const onChange = vi.fn();
    const { backend, calls } = stubBackend({
      set_alias: (req) => {
        if (req.alias === "v3") throw { code: "invalid_input", message: "bad alias \"v3\": 'latest' and v<number> are reserved" };
        return change(req.alias, "2.0.0", "1.0.0");
      },
      remove_alias: (req) => change(req.alias, null, "2.0.0"),
    });
    renderWithBackend(backend, <AliasesCard model="churn" version="2.0.0" aliases={["staging"]} onChange={onChange} />);
    expect(screen.getByTestId("alias").getAttribute("data-alias")).toBe("staging");
    const set = screen.getByTestId("alias-set") as HTMLButtonElement;
    expect(set.disabled).toBe(true);
    fireEvent.change(screen.getByTestId("alias-name"), { target: { value: " champion " } });
    fireEvent.click(set);
    await waitFor(() => expect(onChange).toHaveBeenCalledTimes(1));
    expect(calls.find((c) => c.op === "set_alias")!.req).toEqual({ reference: "churn@2.0.0", alias: "champion" });
    fireEvent.click(screen.getByRole("button", { name: "Remove alias staging" }));
    await waitFor(() => expect(onChange).toHaveBeenCalledTimes(2));
    expect(calls.find((c) => c.op === "remove_alias")!.req).toEqual({ model: "churn", alias: "staging" });
    fireEvent.change(screen.getByTestId("alias-name"), { target: { value: "v3" } });
    fireEvent.click(screen.getByTestId("alias-set"));
    expect((await screen.findByRole("alert")).textContent).toContain("reserved");
    expect(onChange).toHaveBeenCalledTimes(2);
  });
});
