/** State shared across views: the latest progress event and the paths waiting to be registered. */
import { createContext, useContext } from "react";
import type { Progress, WorkspaceInfo } from "./backend/generated/api";

export interface AppState {
  progress: Progress | null;
  info: WorkspaceInfo | null;
  refreshInfo: () => Promise<void>;
  /** Paths (local, or staged on the server) the registration form works on. */
  pending: string[] | null;
  setPending: (paths: string[] | null) => void;
  /** A success message shown by the shell until dismissed (survives navigation). */
  notice?: string | null;
  setNotice?: (text: string | null) => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const s = useContext(AppContext);
  if (!s) throw new Error("useApp() outside <AppContext.Provider>");
  return s;
}
