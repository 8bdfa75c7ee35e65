// Shared helpers for the end-to-end scripts: temp workspaces, the real `pedigree` binary, a
// real safetensors file, checks that count, and screenshots under <repo>/screenshots/.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const targetDir = process.env.CARGO_TARGET_DIR || join(repo, "target");
export const pedigreeBin = process.env.PEDIGREE_BIN || join(targetDir, "debug", "pedigree");
export const shots = join(repo, "screenshots");
mkdirSync(shots, { recursive: true });

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

let passed = 0;
export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  passed += 1;
  console.log(`  ok ${passed} - ${what}`);
}
export const checksPassed = () => passed;

/** The person the e2e runs act as: a signing key beside the workspace, not the runner's own. */
const personEnv = (workspace) => ({ ...process.env, XDG_CONFIG_HOME: join(dirname(workspace), "config") });

export function pedigree(workspace, ...args) {
  return execFileSync(pedigreeBin, ["--workspace", workspace, ...args], { encoding: "utf8", env: personEnv(workspace) });
}

/** Starts `pedigree serve --port 0` and resolves with { url, stop }. */
export function serve(workspace) {
  return new Promise((resolveP, reject) => {
    const child = spawn(pedigreeBin, ["--workspace", workspace, "serve", "--port", "0", "--json"], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...personEnv(workspace), PEDIGREE_ACTOR: "e2e@pedigree.test" },
    });
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const line = buf.split("\n")[0];
      if (buf.includes("\n")) {
        try {
          const { url } = JSON.parse(line);
          resolveP({ url, stop: () => child.kill("SIGTERM"), pid: child.pid });
        } catch (e) {
          reject(new Error(`unexpected serve output: ${line}`));
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`pedigree serve exited with ${code}`)));
  });
}

/** A real safetensors file: 8-byte little-endian header length, JSON header, zeroed data. */
export function safetensorsBytes(tensors, fill = 0) {
  let offset = 0;
  const header = {};
  for (const [name, shape] of tensors) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while (json.length % 8) json += " ";
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  if (offset) out[out.length - 1] = fill;
  return out;
}

/**
 * Sum of RSS and PSS (KiB) over the processes named `comm` (exact, as in /proc/PID/comm, which
 * keeps 15 characters) and all their descendants (the WebKit web and network processes).
 */
export function memoryOf(comm) {
  const script = `
    roots=$(pgrep -x '${comm.slice(0, 15)}')
    all="$roots"; todo="$roots"
    while [ -n "$todo" ]; do next=""; for p in $todo; do c=$(pgrep -P $p); next="$next $c"; done; all="$all $next"; todo=$(echo $next); done
    for p in $all; do awk -v p=$p '/^Rss:/{r=$2} /^Pss:/{s=$2} END{print p, r, s}' /proc/$p/smaps_rollup 2>/dev/null; done`;
  const out = execFileSync("sh", ["-c", script], { encoding: "utf8" });
  let rss = 0, pss = 0, procs = 0;
  for (const line of out.trim().split("\n").filter(Boolean)) {
    const [, r, s] = line.split(" ").map(Number);
    if (r) { rss += r; pss += s; procs += 1; }
  }
  return { rss, pss, procs };
}

export function cleanup(...dirs) {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** True once `locator` is visible, false if it is not within `timeout` ms (a check can fail). */
export async function visibleSoon(locator, timeout = 10000) {
  try {
    await locator.waitFor({ state: "visible", timeout });
    return true;
  } catch {
    return false;
  }
}
