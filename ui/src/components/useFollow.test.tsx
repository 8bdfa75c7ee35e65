import { describe, expect, it } from "vitest";
import { act, renderHook } from "@testing-library/react";
import { useFollow } from "./useFollow";

describe("useFollow", () => {
  it("keeps an edit until the value it follows changes, then takes the new value", () => {
    const { result, rerender } = renderHook(({ value, key }) => useFollow(value, key), { initialProps: { value: ["validator"], key: "validator" } });
    act(() => result.current[1](["risk"]));
    // A reload answers the same policy in a new array: the edit stays.
    rerender({ value: ["validator"], key: "validator" });
    expect(result.current[0]).toEqual(["risk"]);
    rerender({ value: ["validator", "owner"], key: "validator,owner" });
    expect(result.current[0]).toEqual(["validator", "owner"]);
  });
});
