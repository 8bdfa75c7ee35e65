/** Normalises anything thrown by a transport into an `ApiError` the UI can show. */
import type { ApiError, ErrorCode } from "./generated/api";

const CODES: ErrorCode[] = ["invalid_input", "not_found", "conflict", "bad_file", "io", "internal", "denied"];

export function isApiError(e: unknown): e is ApiError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as ApiError).message === "string" &&
    CODES.includes((e as ApiError).code)
  );
}

export function asApiError(e: unknown): ApiError {
  if (isApiError(e)) return { code: e.code, message: e.message };
  if (typeof e === "string") {
    try {
      const parsed = JSON.parse(e);
      if (isApiError(parsed)) return parsed;
    } catch {
      /* not JSON */
    }
    return { code: "internal", message: e };
  }
  if (e instanceof TypeError) {
    return { code: "io", message: `Cannot reach the Pedigree server (${e.message}). Is \`pedigree serve\` still running?` };
  }
  if (e instanceof Error) return { code: "internal", message: e.message };
  return { code: "internal", message: String(e) };
}

export function errorMessage(e: unknown): string {
  return asApiError(e).message;
}
