// Desktop end-to-end: the real Tauri binary driven over WebDriver (tauri-driver +
// WebKitWebDriver), run under `xvfb-run … dbus-run-session` by scripts/test.sh. The app starts
// on an empty temp workspace, the demo opens, the graph shows nodes, a version page opens.
// Then the desktop shell itself: Register… through the real GTK file chooser (driven with
// xdotool: Ctrl+L, the path, Return), exporting the lineage view through the native Save dialog,
// switching to a second workspace and back (the command
// File → Open Workspace… and Open Recent end in), the native title and the recent list, and
// Ctrl+O → folder chooser → "not a workspace yet" → create.
// Prints cold start (session request → empty state visible) and idle memory of the app and
// its WebKit processes. Screenshots: screenshots/desktop-*.png
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer as createHttpServer } from "node:http";
import { remote } from "webdriverio";
import { check, checksPassed, cleanup, memoryOf, pedigree, safetensorsBytes, shots, tempDir } from "./lib.mjs";

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
// The recent list (and GTK's recently-used files) go to the test's own config and data dirs.
const configHome = join(dir, "config");
const dataHome = join(dir, "data");
mkdirSync(configHome);
mkdirSync(dataHome);
const port = await freePort();
const nativePort = await freePort();
const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort), "--native-driver", "/usr/bin/WebKitWebDriver"], {
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, PEDIGREE_WORKSPACE: join(dir, "ws"), PEDIGREE_ACTOR: "desktop-e2e@pedigree.test", XDG_CONFIG_HOME: configHome, XDG_DATA_HOME: dataHome },
});

// X11 windows of the app (the window title, the GTK file chooser), seen and typed into with xdotool.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const xdo = (...args) => {
  try {
    return execFileSync("xdotool", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return ""; // xdotool exits 1 when a search finds nothing
  }
};
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Titles of the visible windows named like `pattern` (a regex). */
const visibleTitles = (pattern) => xdo("search", "--onlyvisible", "--name", pattern, "getwindowname", "%@").split("\n").filter(Boolean);
async function until(what, probe, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
/** The main window's native title (set by the shell, not the page). */
const nativeTitle = () => visibleTitles("^Pedigree — ")[0] ?? "";
/**
 * Answers the GTK file chooser titled `title` with `path`: Ctrl+L opens its location field,
 * the path is typed, Return accepts. Resolves when the chooser has closed.
 */
async function chooseInDialog(title, path) {
  const win = await until(`the file chooser "${title}"`, () => xdo("search", "--onlyvisible", "--name", `^${escapeRe(title)}$`).split("\n")[0]);
  await sleep(500); // the chooser maps before it takes keys
  xdo("windowfocus", "--sync", win);
  xdo("key", "--clearmodifiers", "ctrl+l");
  await sleep(300);
  xdo("type", "--delay", "15", path);
  await sleep(300);
  xdo("key", "Return");
  await until(`the file chooser "${title}" to close`, () => xdo("search", "--onlyvisible", "--name", `^${escapeRe(title)}$`) === "");
}
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
  // The model page fills in from three calls (versions, lines, description); a click aimed while
  // the lanes or the description card are still arriving lands where the row used to be (a CI
  // run on a slow machine failed so). Wait for the page to settle first.
  await (await byTest("model-lanes")).waitForDisplayed({ timeout: 15000 });
  await (await byTest("metadata")).waitForDisplayed({ timeout: 15000 });
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

  // ---- The desktop shell: native file chooser, workspaces, recent list, menu shortcuts.
  if (!execFileSync("sh", ["-c", "command -v xdotool || true"], { encoding: "utf8" }).trim()) {
    throw new Error("xdotool is missing: scripts/deps.sh test installs it (apt-get install xdotool)");
  }
  const ws1 = join(dir, "ws");
  check(nativeTitle() === `Pedigree — ${ws1}`, `the window title names the workspace (${nativeTitle()})`);
  const registerButton = await byTest("register-button");
  check(await registerButton.isDisplayed(), "the desktop window has a Register… button in its top bar");

  // Register… → the real GTK file chooser → a file typed into it → the registration form.
  const picked = join(dir, "picked-model.safetensors");
  writeFileSync(picked, safetensorsBytes([["w", [4, 4]]], 3));
  await registerButton.click();
  await chooseInDialog("Register model files", picked);
  await (await byTest("register-form")).waitForDisplayed({ timeout: 20000 });
  await browser.waitUntil(async () => (await (await byTest("reg-format")).getText()) === "safetensors", { timeout: 20000 });
  const pickedName = await (await byTest("reg-model")).getValue();
  check(pickedName === "picked-model", `Register… → native chooser → the form is pre-filled from the chosen file (${pickedName})`);
  await browser.saveScreenshot(join(shots, "desktop-6-picked.png"));
  await (await byTest("reg-submit")).click();
  await (await byTest("reg-success")).waitForDisplayed({ timeout: 30000 });
  check((await (await byTest("reg-success")).getText()).includes("picked-model@1.0.0"), "the chosen file registers as picked-model@1.0.0");

  // Lineage → export → the native Save dialog (its name field takes a whole path) → the file.
  await browser.execute(() => { window.location.hash = "#/lineage?focus=version:picked-model@1.0.0&up=1&down=1"; });
  const exportSelect = await byTest("lineage-export");
  await exportSelect.waitForDisplayed({ timeout: 20000 });
  const savedProv = join(dir, "exported-lineage.prov.json");
  await exportSelect.selectByAttribute("value", "prov");
  {
    const title = "Export lineage";
    const win = await until(`the save dialog "${title}"`, () => xdo("search", "--onlyvisible", "--name", `^${title}$`).split("\n")[0]);
    await sleep(500);
    xdo("windowfocus", "--sync", win);
    xdo("key", "--clearmodifiers", "ctrl+a");
    xdo("type", "--delay", "15", savedProv);
    await sleep(300);
    xdo("key", "Return");
    await until(`the save dialog to close`, () => xdo("search", "--onlyvisible", "--name", `^${title}$`) === "");
  }
  await browser.waitUntil(async () => existsSync(savedProv) && (await (await byTest("lineage-export-status")).getText()).includes("saved"), { timeout: 20000, timeoutMsg: "the export was not saved" });
  const savedDoc = JSON.parse(readFileSync(savedProv, "utf8"));
  check("version:picked-model@1.0.0" in savedDoc.entity, `Export → native Save dialog → the view as PROV-JSON at the chosen path (${Object.keys(savedDoc.entity).length} entities)`);

  // A second workspace, made with the CLI, opened through the command File → Open Workspace…
  // and Open Recent end in: the title, the counts and the views switch to it.
  const ws2 = join(dir, "second");
  pedigree(ws2, "init");
  const soloFile = join(dir, "solo.safetensors");
  writeFileSync(soloFile, safetensorsBytes([["w", [2]]], 4));
  pedigree(ws2, "register", soloFile, "--model", "solo");
  const opened = await browser.executeAsync((path, done) => {
    window.__TAURI_INTERNALS__.invoke("open_workspace", { path, create: false }).then(done, (e) => done({ status: "failed", failure: e }));
  }, ws2);
  check(opened.status === "opened" && opened.workspace === ws2, `open_workspace switches to ${ws2} (${JSON.stringify(opened).slice(0, 120)})`);
  await until("the title to name the second workspace", () => nativeTitle() === `Pedigree — ${ws2}`);
  await browser.waitUntil(async () => (await (await byTest("workspace-path")).getText()).startsWith(`${ws2} · 1 models`), { timeout: 15000, timeoutMsg: "the top bar does not show the second workspace" });
  check(true, `the title and the top bar switch to the second workspace (${nativeTitle()})`);
  await (await byTest("nav-models")).click();
  await (await browser.$('[data-testid="model-row"][data-model="solo"]')).waitForDisplayed({ timeout: 15000 });
  const firstRows = (await browser.$$('[data-testid="model-row"][data-model="picked-model"]')).length;
  check(firstRows === 0, "the models view reloads: the second workspace's model, none of the first's");

  // The recent list: the file (most recent first) and the workspace menu in the top bar.
  const recentFile = join(configHome, "pedigree", "recent.json");
  const recent = JSON.parse(readFileSync(recentFile, "utf8"));
  check(recent[0] === ws2 && recent[1] === ws1 && recent.length === 2, `recent.json lists ${ws2} first, then ${ws1}`);
  await (await byTest("workspace-switcher")).click();
  await (await byTest("workspace-menu")).waitForDisplayed({ timeout: 5000 });
  await browser.waitUntil(async () => (await browser.$$('[data-testid="recent-workspace"]')).length === 2, { timeout: 5000 });
  const rows = [];
  for (const r of await browser.$$('[data-testid="recent-workspace"]')) rows.push(`${await r.getAttribute("data-path")}:${(await r.getAttribute("disabled")) !== null ? "open" : "closed"}`);
  check(rows.join(",") === `${ws2}:open,${ws1}:closed`, `the workspace menu lists the recent workspaces (${rows.join(", ")})`);
  await browser.saveScreenshot(join(shots, "desktop-7-recent.png"));
  // Back to the first one from the list.
  await (await browser.$(`[data-testid="recent-workspace"][data-path="${ws1}"]`)).click();
  await until("the title to name the first workspace again", () => nativeTitle() === `Pedigree — ${ws1}`);
  await (await byTest("nav-models")).click();
  await (await browser.$('[data-testid="model-row"][data-model="picked-model"]')).waitForDisplayed({ timeout: 15000 });
  check(true, "choosing the first workspace in the recent list switches back (title, its models)");

  // Ctrl+O (the native menu's accelerator) → folder chooser → a plain folder → the offer to
  // create a workspace there → created and opened.
  const plain = join(dir, "plain folder");
  mkdirSync(plain);
  const main = xdo("search", "--onlyvisible", "--name", "^Pedigree — ").split("\n")[0];
  xdo("windowfocus", "--sync", main);
  xdo("key", "--clearmodifiers", "ctrl+o");
  await chooseInDialog("Open a Pedigree workspace", plain);
  await (await byTest("workspace-offer")).waitForDisplayed({ timeout: 15000 });
  check((await (await byTest("workspace-offer")).getText()).includes(`${plain} is not a Pedigree workspace yet`), "Ctrl+O → folder chooser → a plain folder is offered to become a workspace");
  await browser.saveScreenshot(join(shots, "desktop-8-offer.png"));
  check(nativeTitle() === `Pedigree — ${ws1}`, "nothing switches before the offer is accepted");
  await (await byTest("workspace-create")).click();
  await until("the title to name the new workspace", () => nativeTitle() === `Pedigree — ${plain}`);
  await (await byTest("empty-state")).waitForDisplayed({ timeout: 15000 });
  check(existsSync(join(plain, "catalog.sqlite")), "accepting creates the workspace, opens it and shows its empty state");

  // A recent workspace that was deleted is shown as missing and cannot be chosen.
  rmSync(ws2, { recursive: true, force: true });
  await (await byTest("workspace-switcher")).click();
  const gone = await browser.$(`[data-testid="recent-workspace"][data-path="${ws2}"]`);
  await gone.waitForDisplayed({ timeout: 5000 });
  check((await gone.getAttribute("data-exists")) === "false" && !(await gone.isEnabled()), "a deleted recent workspace is marked missing and disabled");
  await browser.keys("Escape");
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
