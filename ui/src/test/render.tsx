/** Rendering helpers for view tests: a view under a stub backend and (optionally) an app state. */
import { vi } from "vitest";
import { render } from "@testing-library/react";
import { BackendContext } from "../backend";
import { AppContext, type AppState } from "../app-state";
import type { stubBackend } from "./stub-backend";

type StubBackend = ReturnType<typeof stubBackend>["backend"];

/** An app state with nothing pending and spies for its callbacks. */
export function app(over: Partial<AppState> = {}): AppState {
  return { progress: null, info: null, refreshInfo: vi.fn(async () => {}), pending: null, setPending: vi.fn(), setNotice: vi.fn(), ...over };
}

/** Renders `ui` with `backend` only (views that do not read the app state). */
export function renderWithBackend(backend: StubBackend, ui: React.ReactNode) {
  return render(<BackendContext.Provider value={backend}>{ui}</BackendContext.Provider>);
}

/** Renders `ui` with `backend` and the app `state`. */
export function wrap(backend: StubBackend, ui: React.ReactNode, state: AppState = app()) {
  return renderWithBackend(backend, <AppContext.Provider value={state}>{ui}</AppContext.Provider>);
}
