// Desktop end-to-end: the real Tauri binary driven over WebDriver (tauri-driver +
// WebKitWebDriver), run under `xvfb-run … dbus-run-session` by scripts/test.sh. The app starts
// on an empty temp workspace, the demo opens, the graph shows nodes, a version page opens.
// Prints cold start (session request → empty state visible) and idle memory of the app and
// its WebKit processes. Screenshots: screenshots/desktop-*.png
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer as createHttpServer } from "node:http";
import { remote } from "webdriverio";
import { check, checksPassed, cleanup, memoryOf, safetensorsBytes, shots, tempDir } from "./lib.mjs";

const app = process.env.APP;
const driverBin = process.env.TAURI_DRIVER || "tauri-driver";
if (!app) throw new Error("set APP to the pedigree-desktop binary");

const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

const dir = tempDir("pedigree-desktop-");
const port = await freePort();
const nativePort = await freePort();
const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, PEDIGREE_WORKSPACE: join(dir, "ws"), PEDIGREE_ACTOR: "desktop-e2e@pedigree.test" },
});
let failed = false;
let browser;
try {
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/status`);
      if (r.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  const t0 = performance.now();
  browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    capabilities: { "wdio:enforceWebDriverClassic": true, "tauri:options": { application: app } },
  });
  const byTest = (id) => browser.$(`[data-testid="${id}"]`);
  await (await byTest("empty-state")).waitForDisplayed({ timeout: 30000 });
  const coldStart = performance.now() - t0;
  check(true, `the app starts on an empty workspace and shows the empty state (cold start ${coldStart.toFixed(0)} ms)`);
  await browser.saveScreenshot(join(shots, "desktop-1-empty.png"));

  await new Promise((r) => setTimeout(r, 3000));
  const idle = memoryOf("pedigree-desktop");
  console.log(`  idle memory: ${(idle.rss / 1024).toFixed(0)} MiB RSS, ${(idle.pss / 1024).toFixed(0)} MiB PSS over ${idle.procs} processes`);

  await (await byTest("open-demo")).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="lineage-node"]')).length > 3, { timeout: 60000, timeoutMsg: "no lineage nodes after opening the demo" });
  const nodes = (await browser.$$('[data-testid="lineage-node"]')).length;
  check(nodes > 3, `the demo workspace opens and the graph shows nodes (${nodes})`);
  await browser.saveScreenshot(join(shots, "desktop-2-lineage.png"));

  await (await byTest("nav-models")).click();
  await (await browser.$('[data-testid="model-row"][data-model="llm-legal"]')).click();
  await (await browser.$('[data-testid="version-row"][data-version="1.0.1"] td')).click();
  await (await byTest("version-page")).waitForDisplayed({ timeout: 15000 });
  check((await (await byTest("version-title")).getText()).includes("llm-legal@1.0.1"), "a version page opens from the models list");
  await browser.saveScreenshot(join(shots, "desktop-3-version.png"));

  // Stores: add a local folder; the app's watcher (notify) indexes it and later a new file,
  // which reaches the view as a Tauri `store` event — no "Index now" click.
  const storeDir = join(dir, "store");
  mkdirSync(storeDir, { recursive: true });
  writeFileSync(join(storeDir, "a.safetensors"), safetensorsBytes([["w", [4, 4]]], 1));
  await (await byTest("nav-stores")).click();
  await (await byTest("store-name")).setValue("desk");
  await (await byTest("store-uri")).setValue(`file://${storeDir}`);
  await (await byTest("store-add-submit")).click();
  await (await browser.$('[data-testid="store-row"][data-store="desk"]')).waitForDisplayed({ timeout: 15000 });
  await (await browser.$('[data-testid="artifact-row"][data-path="a.safetensors"]')).waitForDisplayed({ timeout: 20000 });
  check(true, "a local store added in the desktop app is indexed by its watcher");
  writeFileSync(join(storeDir, "b.safetensors"), safetensorsBytes([["w", [8]]], 2));
  await (await browser.$('[data-testid="artifact-row"][data-path="b.safetensors"]')).waitForDisplayed({ timeout: 20000 });
  check(true, "a file written into the store appears in the Stores view through Tauri store events");
  await browser.saveScreenshot(join(shots, "desktop-4-stores.png"));

  // Reports: the demo's churn@2.0.0 (approved, evaluated, canary in prod) → preview, export, verify.
  await (await byTest("nav-reports")).click();
  await browser.waitUntil(async () => (await (await byTest("reports-model")).getText()).includes("churn"), { timeout: 15000 });
  await (await byTest("reports-model")).selectByVisibleText("churn");
  await browser.waitUntil(async () => (await browser.$$('[data-testid="reports-version"] option[value="2.0.0"]')).length > 0, { timeout: 15000 });
  await (await byTest("reports-version")).selectByAttribute("value", "2.0.0");
  await (await byTest("report-preview-button")).click();
  await (await byTest("report-preview")).waitForExist({ timeout: 20000 });
  await (await byTest("report-export")).click();
  await (await byTest("report-bundle")).waitForDisplayed({ timeout: 60000 });
  const files = await browser.$$('[data-testid="report-file"]');
  const paths = [];
  for (const f of files) paths.push(await f.getAttribute("data-path"));
  check(paths.includes("report.pdf") && paths.includes("mlbom.cdx.json"), `the desktop app exports a report bundle (${paths.length} files)`);
  await (await byTest("report-verify")).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="report-check"]')).length >= 5, { timeout: 30000 });
  const checks = await browser.$$('[data-testid="report-check"]');
  let bad = 0;
  for (const c of checks) if ((await c.getAttribute("data-ok")) !== "true") bad++;
  check(bad === 0, `the exported bundle verifies in the app (${checks.length} checks)`);
  await browser.saveScreenshot(join(shots, "desktop-5-report.png"));

  // The window cannot be taken to remote content (which would then hold the IPC bridge): a
  // script navigating away, a link click and window.open all leave the app where it is, and the
  // remote server never sees a request.
  const seen = [];
  const remotePage = createHttpServer((req, res) => {
    seen.push(req.url);
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end("<!doctype html><title>remote</title><p data-testid='remote-page'>remote</p>");
  });
  await new Promise((r) => remotePage.listen(0, "127.0.0.1", r));
  const remoteUrl = `http://127.0.0.1:${remotePage.address().port}/`;
  const before = await browser.getUrl();
  await browser.execute((u) => { window.location.href = u + "by-script"; }, remoteUrl);
  await browser.execute((u) => {
    const a = document.createElement("a");
    a.href = u + "by-link";
    document.body.appendChild(a);
    a.click();
  }, remoteUrl);
  await browser.execute((u) => { window.open(u + "by-window-open"); }, remoteUrl);
  await new Promise((r) => setTimeout(r, 2000));
  const after = await browser.getUrl();
  const handles = await browser.getWindowHandles();
  const stillApp = (await browser.$$('[data-testid="nav-models"]')).length > 0;
  remotePage.close();
  check(stillApp && after === before && seen.length === 0 && handles.length === 1,
    `the window refuses remote navigation (still ${after}, ${handles.length} window, remote requests: ${seen.length})`);
} catch (e) {
  failed = true;
  console.error(e);
  if (browser) {
    await browser.saveScreenshot(join(shots, "desktop-failure.png")).catch(() => {});
    const html = await browser.getPageSource().catch(() => "(no page source)");
    console.error(`page at failure: ${String(html).slice(0, 1500)}`);
  }
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  driver.kill("SIGTERM");
  cleanup(dir);
}
console.log(`e2e: desktop ${checksPassed()} checks passed${failed ? ", FAILED" : ""}`);
process.exit(failed ? 1 : 0);
