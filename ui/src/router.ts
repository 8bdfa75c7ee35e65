/**
 * Hash routing: `#/lineage?focus=…`, `#/models?q=…`, `#/models/NAME`, `#/versions/NAME@VER`,
 * `#/audit`, `#/register`, `#/stores`, `#/stores/NAME`, `#/remotes`, `#/deployments`, `#/reports`, `#/reports/NAME@VER`. Hash routes work the same from `tauri://localhost` and from
 * `pedigree serve`, and make every view linkable.
 */
import { useEffect, useState } from "react";

export interface Route {
  /** First path segment: lineage, models, versions, audit, register, stores, deployments, reports. */
  page: string;
  /** The rest of the path, decoded (model name, version reference, store name). */
  arg: string;
  /** Raw query string (without `?`). */
  query: string;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, "");
  const q = h.indexOf("?");
  const path = q < 0 ? h : h.slice(0, q);
  const query = q < 0 ? "" : h.slice(q + 1);
  const [page = "", ...rest] = path.split("/");
  let arg = rest.join("/");
  try {
    arg = decodeURIComponent(arg);
  } catch {
    /* keep raw */
  }
  return { page: page || "lineage", arg, query };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function navigate(hash: string) {
  if (window.location.hash !== hash) window.location.hash = hash;
}

export const versionHash = (ref: string) => `#/versions/${encodeURIComponent(ref).replace(/%40/g, "@")}`;
export const modelHash = (name: string) => `#/models/${encodeURIComponent(name)}`;
export const storeHash = (name: string | null) => (name ? `#/stores/${encodeURIComponent(name)}` : "#/stores");
export const reportsHash = (ref: string | null) => (ref ? `#/reports/${encodeURIComponent(ref).replace(/%40/g, "@")}` : "#/reports");
export const compareHash = (a: string, b: string) =>
  `#/compare?a=${encodeURIComponent(a).replace(/%40/g, "@")}&b=${encodeURIComponent(b).replace(/%40/g, "@")}`;
