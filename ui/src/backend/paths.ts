/** Where a browser drop ends up on the server. */

/**
 * The paths to register for a browser drop: each top-level entry of the drop (a folder or a
 * loose file) joined onto the server's batch directory.
 */
export function topLevelPaths(batchDir: string, relPaths: string[]): string[] {
  const tops: string[] = [];
  for (const rel of relPaths) {
    const top = rel.split("/").filter(Boolean)[0];
    if (top && !tops.includes(top)) tops.push(top);
  }
  const dir = batchDir.replace(/[\\/]+$/, "");
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  return tops.map((t) => `${dir}${sep}${t}`);
}
