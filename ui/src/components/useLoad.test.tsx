import { describe, expect, it, vi } from "vitest";
import { act, renderHook, waitFor } from "@testing-library/react";
import { useState } from "react";
import { useLoad } from "./useLoad";

/** A promise settled from the test. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("useLoad", () => {
  it("loads on mount, and refresh runs the load again", async () => {
    let n = 0;
    const load = vi.fn(async () => ++n);
    const { result } = renderHook(() => useLoad(load, []));
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.data).toBe(1));
    expect(result.current.loading).toBe(false);
    await act(() => result.current.refresh());
    expect(result.current.data).toBe(2);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("keeps the latest answer when an earlier, slower one arrives after it", async () => {
    const answers = [deferred<string>(), deferred<string>()];
    let call = 0;
    const { result } = renderHook(() => useLoad(() => answers[call++].promise, []));
    let second!: Promise<void>;
    act(() => void (second = result.current.refresh()));
    await act(async () => {
      answers[1].resolve("new");
      await second;
    });
    expect(result.current.data).toBe("new");
    await act(async () => answers[0].resolve("old"));
    expect(result.current.data).toBe("new");
    expect(result.current.loading).toBe(false);
  });

  it("drops an answer for deps no longer current, and what was shown for them", async () => {
    const answers: Record<string, ReturnType<typeof deferred<string>>> = { a: deferred(), b: deferred() };
    const { result, rerender } = renderHook(({ key }) => useLoad(() => answers[key].promise, [key]), { initialProps: { key: "a" } });
    await act(async () => answers.a.resolve("for a"));
    expect(result.current.data).toBe("for a");
    answers.a = deferred();
    act(() => void result.current.refresh());
    rerender({ key: "b" });
    expect(result.current.data).toBeNull();
    await act(async () => answers.a.resolve("for a, late"));
    expect(result.current.data).toBeNull();
    await act(async () => answers.b.resolve("for b"));
    expect(result.current.data).toBe("for b");
  });

  it("surfaces a failure as a message, keeps the data, and clears it on the next success", async () => {
    let fail = false;
    const { result } = renderHook(() =>
      useLoad(async () => {
        if (fail) throw { code: "internal", message: "the disk is full" };
        return "ok";
      }, []),
    );
    await waitFor(() => expect(result.current.data).toBe("ok"));
    fail = true;
    await act(() => result.current.refresh());
    expect(result.current.error).toBe("the disk is full");
    expect(result.current.data).toBe("ok");
    fail = false;
    await act(() => result.current.refresh());
    expect(result.current.error).toBeNull();
  });

  it("reports to a shared error when given its setter", async () => {
    const { result } = renderHook(() => {
      const [error, setError] = useState<string | null>(null);
      const loaded = useLoad(() => Promise.reject(new Error("offline")), [], setError);
      return { error, loaded };
    });
    await waitFor(() => expect(result.current.error).toBe("offline"));
    expect(result.current.loaded.error).toBeNull();
  });
});
