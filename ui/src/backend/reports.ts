/**
 * Report operations (`report_preview`, `build_report`, `verify_bundle`): their request and
 * response shapes, declared here until the generated API types carry them, and `callReport`,
 * the one place that calls them through the typed `Backend.call`.
 *
 * When `generated/api.ts` has these ops: import the types from there instead, and make
 * `callReport` a plain `backend.call(op, req)` (or call it directly in the views).
 */
import type { Backend } from "./index";

/** `VersionRequest` in the generated types. */
export interface ReportPreviewRequest {
  /** `MODEL@VERSION`. */
  reference: string;
}

export interface ReportPreview {
  /** A complete, self-contained HTML document. */
  html: string;
}

export interface ReportRequest {
  reference: string;
  /** Where to write the bundle; the workspace's default place when null. */
  outDir: string | null;
}

export interface BundleFile {
  /** Relative to the bundle folder. */
  path: string;
  size: number;
  sha256: string;
}

export interface ReportBundle {
  /** The bundle folder (absolute). */
  dir: string;
  /** The bundle's name: `GET /api/reports/<name>/<path>` serves its files over HTTP. */
  name: string;
  files: BundleFile[];
  pdfA: boolean;
}

export interface VerifyBundleRequest {
  dir: string;
  /** Hex public key the signer must have (pinning); else the bundle's own key, whose fingerprint is reported. */
  key: string | null;
}

export interface BundleCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface BundleVerification {
  ok: boolean;
  /** Hex SHA-256 of the signing key. */
  fingerprint: string | null;
  checks: BundleCheck[];
}

/** The report operations, as the generated `Ops` map will list them. */
export interface ReportOps {
  report_preview: { req: ReportPreviewRequest; res: ReportPreview };
  build_report: { req: ReportRequest; res: ReportBundle };
  verify_bundle: { req: VerifyBundleRequest; res: BundleVerification };
}

export type ReportOpName = keyof ReportOps;

/** Calls a report operation (the cast lets this compile before and after the types are regenerated). */
export function callReport<K extends ReportOpName>(backend: Backend, op: K, req: ReportOps[K]["req"]): Promise<ReportOps[K]["res"]> {
  const call = backend.call as unknown as (op: string, req: unknown) => Promise<ReportOps[K]["res"]>;
  return call.call(backend, op, req);
}
