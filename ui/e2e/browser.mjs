// Browser end-to-end: Debian Chromium (playwright-core, headless) against a real
// `pedigree serve` on a temp workspace. Opens the demo, finds a node by search, expands
// upstream, opens a version page, registers a model by a synthetic drop of a real safetensors
// file, refuses a corrupt one, and verifies the audit chain. Screenshots: screenshots/browser-*.png
import { chromium } from "playwright-core";
import { check, checksPassed, cleanup, pedigree, safetensorsBytes, serve, shots, tempDir } from "./lib.mjs";
import { join } from "node:path";

const dir = tempDir("pedigree-e2e-");
const ws = join(dir, "ws");
pedigree(ws, "init");
const server = await serve(ws);
const profile = tempDir("pedigree-chromium-");
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const errors = [];
let failed = false;
try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on("pageerror", (e) => errors.push(String(e)));
  page.setDefaultTimeout(15000);
  const shot = (name) => page.screenshot({ path: join(shots, `browser-${name}.png`) });
  const byTest = (id) => page.locator(`[data-testid="${id}"]`);

  await page.goto(server.url);
  await byTest("empty-state").waitFor();
  check(await byTest("open-demo").isVisible(), "empty workspace shows the empty state with 'Open demo workspace'");
  await shot("1-empty");

  await byTest("open-demo").click();
  await page.locator('[data-testid="lineage-node"]').first().waitFor({ timeout: 60000 });
  const initial = await page.locator('[data-testid="lineage-node"]').count();
  check(initial > 3, `demo opens the lineage explorer with nodes (${initial})`);
  await shot("2-demo-lineage");

  await byTest("node-search").fill("resnet@1.1");
  await page.locator('[data-testid="search-result"][data-node-id="version:resnet@1.1.0"]').click();
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes("focus=version:resnet@1.1.0"));
  check(true, "search focuses version:resnet@1.1.0 and puts it in the URL");
  await page.locator('[data-testid="lineage-node"][data-node-id="version:resnet@1.1.0"]').first().waitFor();
  await page.locator('[data-testid="lineage-node"][data-node-id="version:resnet@1.1.0"]').first().click();
  await byTest("side-panel").waitFor();
  check((await byTest("side-panel-title").textContent()).includes("resnet@1.1.0"), "clicking the node opens its side panel");
  const before = await page.locator('[data-testid="lineage-node"]').count();
  await byTest("expand-up").click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="lineage-node"]').length > n, before);
  check(true, `expand upstream adds nodes (${before} -> ${await page.locator('[data-testid="lineage-node"]').count()})`);
  await shot("3-expanded");

  // Impact mode from a dataset: every downstream version is highlighted.
  await page.goto(`${server.url}#/lineage?focus=dataset:web-text@2&up=0&down=1&sel=dataset:web-text@2`);
  await byTest("impact-mode").click();
  await page.locator('[data-testid="lineage-node"][data-node-id="version:router@1.0.0"][data-highlight="impact"]').waitFor();
  const impacted = await page.$$eval('[data-testid="lineage-node"][data-highlight="impact"]', (els) => els.map((e) => e.getAttribute("data-node-id")));
  check(["version:llm-legal-q4@1.0.0", "version:router@1.0.0", "version:llm-small@1.0.0"].every((v) => impacted.includes(v)), `impact mode highlights downstream versions (${impacted.join(", ")})`);
  await shot("3b-impact");
  // Path between two nodes: pick one, "Path from here…", click the other.
  await page.goto(`${server.url}#/lineage?focus=version:llm-legal-q4@1.0.0&up=3&down=0&sel=version:llm-legal-q4@1.0.0`);
  await byTest("path-from-here").click();
  await page.locator('[data-testid="lineage-node"][data-node-id="version:llm-base@1.1.0"]').first().click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="lineage-node"][data-highlight="path"]').length >= 3);
  const onPath = await page.$$eval('[data-testid="lineage-node"][data-highlight="path"]', (els) => els.map((e) => e.getAttribute("data-node-id")));
  check(onPath.includes("version:llm-legal@1.0.1") && decodeURIComponent(page.url()).includes("path=version:llm-legal-q4@1.0.0,version:llm-base@1.1.0"), `the path between two nodes is highlighted and in the URL (${onPath.join(" → ")})`);
  await shot("3c-path");

  await page.goto(`${server.url}#/versions/resnet@1.1.0`);
  await byTest("version-page").waitFor();
  check((await byTest("version-title").textContent()).includes("resnet@1.1.0"), "version page opens");
  check((await page.locator('[data-testid="file-row"]').count()) >= 2, "version page lists files with digests");
  check(await byTest("interface-table").isVisible(), "version page shows the sniffed interface");
  await shot("4-version");

  // Synthetic drop of a real safetensors file onto the window.
  const drop = async (name, bytes) => {
    const dt = await page.evaluateHandle(({ name, data }) => {
      const t = new DataTransfer();
      t.items.add(new File([new Uint8Array(data)], name, { type: "application/octet-stream" }));
      return t;
    }, { name, data: Array.from(bytes) });
    for (const type of ["dragenter", "dragover", "drop"]) {
      await page.dispatchEvent("body", type, { dataTransfer: dt });
    }
  };
  await drop("classifier.safetensors", safetensorsBytes([["head.weight", [10, 16]], ["head.bias", [10]]], 3));
  await byTest("register-form").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="reg-format"]')?.textContent?.includes("safetensors"));
  check(true, "drop opens the registration form with the sniffed format");
  await byTest("reg-model").fill("e2e-classifier");
  await page.waitForFunction(() => document.querySelector('[data-testid="reg-version"]')?.value === "1.0.0");
  await byTest("reg-message").fill("registered by the browser test");
  await shot("5-register-form");
  await byTest("reg-submit").click();
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes("version:e2e-classifier@1.0.0"), null, { timeout: 30000 });
  await page.locator('[data-testid="lineage-node"][data-node-id="version:e2e-classifier@1.0.0"]').first().waitFor();
  check(true, "confirm registers the version and shows it in the graph");
  await shot("6-registered");
  const shown = JSON.parse(pedigree(ws, "show", "e2e-classifier@1.0.0", "--json"));
  check(shown.version.files[0].format === "safetensors" && shown.version.message === "registered by the browser test", "the CLI sees the version registered from the browser");

  // A corrupt file: the form shows the error and nothing is registered.
  const bad = safetensorsBytes([["w", [2]]]);
  new DataView(bad.buffer).setBigUint64(0, 1n << 60n, true);
  const countBefore = JSON.parse(pedigree(ws, "models", "--json")).models.length;
  await drop("broken.safetensors", bad);
  await byTest("reg-error").waitFor();
  check((await byTest("reg-error").textContent()).includes("broken.safetensors"), "a corrupt drop shows its error in the form");
  check(JSON.parse(pedigree(ws, "models", "--json")).models.length === countBefore, "nothing is registered from a corrupt drop");
  await shot("7-corrupt");

  await byTest("nav-audit").click();
  await page.locator('[data-testid="audit-row"]').first().waitFor();
  await byTest("verify-chain").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-result"]')?.textContent?.includes("OK"));
  check(true, "Verify chain reports OK");
  await shot("8-audit");
  check(errors.length === 0, `no uncaught page errors (${errors.join("; ")})`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.stop();
  cleanup(dir, profile);
}
console.log(`e2e: browser ${checksPassed()} checks passed${failed ? ", FAILED" : ""}`);
process.exit(failed ? 1 : 0);
