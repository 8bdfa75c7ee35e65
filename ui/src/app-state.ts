/** State shared across views: the latest progress event and the paths waiting to be registered. */
import { createContext, useContext } from "react";
import type { Progress, WorkspaceInfo } from "./backend/generated/api";
import type { UploadItem } from "./backend";

/** Where pending paths come from when they are an indexed artifact (the Stores view). */
export interface PendingOrigin {
  /** The artifact's id: the registration sends it as `fromIndex`. */
  fromIndex: number;
  store: string;
  uri: string;
  /** Suggested model name. */
  model: string;
  /** Data the artifact was made from (DVC stage deps found next to it). */
  trainedOn: string[];
}

export interface AppState {
  progress: Progress | null;
  info: WorkspaceInfo | null;
  refreshInfo: () => Promise<void>;
  /** Paths (local, or staged on the server) the registration form works on. */
  pending: string[] | null;
  /** Sets the paths to register; `origin` when they are an indexed artifact. */
  setPending: (paths: string[] | null, origin?: PendingOrigin | null) => void;
  /** Set with `pending` when the paths are an indexed artifact. */
  pendingOrigin?: PendingOrigin | null;
  /** A success message shown by the shell until dismissed (survives navigation). */
  notice?: string | null;
  setNotice?: (text: string | null) => void;
  /** Browser: uploads files picked with a file input and opens the registration form. */
  uploadPicked?: (items: UploadItem[]) => Promise<void>;
  /** Desktop: the native file chooser, then the registration form with what was chosen. */
  pickToRegister?: (purpose: "registerFiles" | "registerFolder") => Promise<void>;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const s = useContext(AppContext);
  if (!s) throw new Error("useApp() outside <AppContext.Provider>");
  return s;
}
