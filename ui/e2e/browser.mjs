// Browser end-to-end: Debian Chromium (playwright-core, headless) against a real
// `pedigree serve` on a temp workspace. Opens the demo, finds a node by search, expands
// upstream, opens a version page, registers a model by a synthetic drop of a real safetensors
// file, refuses a corrupt one, and verifies the audit chain. Then artifact stores: adds a local
// folder holding a model and a DVC pipeline as a store, indexes it, registers the model from
// the index (form pre-filled, `fromIndex`), and sees a new file appear through the server's
// watcher without indexing. Governance on the demo's resnet@1.1.0 (registered by the serve
// process's actor): its own approval is refused (maker ≠ checker), a second actor approves with
// the CLI, an evaluation is added, production is refused and staging deploys from the page; the
// Deployments view rolls staging back; an erasure request (CLI) taints the version; the Reports
// view lists it, and previews, exports and verifies the report (once the report ops exist).
// Screenshots: screenshots/browser-*.png
//
// data-testids of the Stores view used here: nav-stores, stores-empty, store-add-form,
// store-name, store-uri, store-add-submit, store-row (data-store), store-index, index-report,
// report-facts, artifact-row (data-path, data-registered), artifact-hints, artifact-register,
// artifact-registered, store-event; of the form: reg-source, reg-trained-on.
import { chromium } from "playwright-core";
import { check, checksPassed, cleanup, pedigree, pedigreeBin, safetensorsBytes, serve, shots, tempDir, visibleSoon } from "./lib.mjs";
import { productionHistory } from "./history.mjs";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createServer as createHttpServer } from "node:http";

const dir = tempDir("pedigree-e2e-");
const ws = join(dir, "ws");
pedigree(ws, "init");
const server = await serve(ws);
const profile = tempDir("pedigree-chromium-");
// A browser that cannot start must not leave the server running.
const browser = await chromium
  .launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  })
  .catch((e) => {
    server.stop();
    cleanup(dir, profile);
    throw e;
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
  check(!page.url().includes("token=") && (await page.evaluate(() => document.cookie)) === "",
    `the printed link lands on the clean URL (${page.url()}) and the session cookie is invisible to scripts (HttpOnly)`);
  check(await byTest("open-demo").isVisible(), "empty workspace shows the empty state with 'Open demo workspace'");
  // Without drag and drop: "Choose files…" uploads and opens the registration form.
  await page.setInputFiles('[data-testid="pick-files-input"]', {
    name: "picked.safetensors",
    mimeType: "application/octet-stream",
    buffer: Buffer.from(safetensorsBytes([["w", [4, 4]]], 1)),
  });
  await page.waitForFunction(() => document.querySelector('[data-testid="reg-format"]')?.textContent?.includes("safetensors"));
  check((await byTest("reg-model").inputValue()) !== "", "Choose files… uploads the picked file and opens the form pre-filled");
  await page.goto(server.url.split("?")[0] + "#/lineage");
  await byTest("empty-state").waitFor();
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
  check(["version:llm-legal/q4@1.0.0", "version:router@1.0.0", "version:llm-small@1.0.0"].every((v) => impacted.includes(v)), `impact mode highlights downstream versions (${impacted.join(", ")})`);
  await shot("3b-impact");
  // Path between two nodes: pick one, "Path from here…", click the other.
  await page.goto(`${server.url}#/lineage?focus=version:llm-legal/q4@1.0.0&up=3&down=0&sel=version:llm-legal/q4@1.0.0`);
  await byTest("path-from-here").click();
  await page.locator('[data-testid="lineage-node"][data-node-id="version:llm-base@1.1.0"]').first().click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="lineage-node"][data-highlight="path"]').length >= 3);
  const onPath = await page.$$eval('[data-testid="lineage-node"][data-highlight="path"]', (els) => els.map((e) => e.getAttribute("data-node-id")));
  check(onPath.includes("version:llm-legal@1.0.1") && decodeURIComponent(page.url()).includes("path=version:llm-legal/q4@1.0.0,version:llm-base@1.1.0"), `the path between two nodes is highlighted and in the URL (${onPath.join(" → ")})`);
  await shot("3c-path");
  // Export the view for other tools: the PROV-JSON download holds the view's nodes.
  const [provDownload] = await Promise.all([page.waitForEvent("download"), byTest("lineage-export").selectOption("prov")]);
  const provFile = join(dir, "exported.prov.json");
  await provDownload.saveAs(provFile);
  const prov = JSON.parse(readFileSync(provFile, "utf8"));
  check(provDownload.suggestedFilename().endsWith(".prov.json") && "version:llm-legal/q4@1.0.0" in prov.entity && "version:llm-base@1.1.0" in prov.entity,
    `the lineage view exports as PROV-JSON (${provDownload.suggestedFilename()}, ${Object.keys(prov.entity).length} entities)`);
  const [olDownload] = await Promise.all([page.waitForEvent("download"), byTest("lineage-export").selectOption("openlineage")]);
  const olFile = join(dir, "exported.openlineage.jsonl");
  await olDownload.saveAs(olFile);
  const events = readFileSync(olFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  check(events.length >= 1 && events.every((e) => e.eventType === "COMPLETE" && /^[0-9a-f-]{36}$/.test(e.run.runId)),
    `… and as OpenLineage run events (${events.length})`);

  await page.goto(`${server.url}#/versions/resnet@1.1.0`);
  await byTest("version-page").waitFor();
  check((await byTest("version-title").textContent()).includes("resnet@1.1.0"), "version page opens");
  check((await page.locator('[data-testid="file-row"]').count()) >= 2, "version page lists files with digests");
  check(await visibleSoon(byTest("interface-table")), "version page shows the sniffed interface");
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

  // A pickle that would run a command: the form says so before anything is stored, refuses to
  // register without a stated reason, and registers it (never loading it) with one.
  const cmdPickle = Buffer.concat([Buffer.from("\x80\x02cposix\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.", "latin1")]);
  await drop("exploit.pkl", cmdPickle);
  const risky = page.locator('[data-testid="pickle-verdict"][data-risk="dangerous"]');
  await risky.waitFor();
  check((await risky.textContent()).includes("posix.system"), "the form shows a dropped pickle's dangerous import before registering");
  await byTest("reg-model").fill("exploit-sample");
  await byTest("reg-submit").click();
  await byTest("reg-error").waitFor();
  check(JSON.parse(pedigree(ws, "models", "--json")).models.length === countBefore, "without a reason nothing is registered");
  await byTest("reg-allow-unsafe").fill("red-team sample for the scanner tests");
  await shot("7b-dangerous-pickle");
  await byTest("reg-submit").click();
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes("version:exploit-sample@1.0.0"), null, { timeout: 30000 });
  const log = pedigree(ws, "audit", "log", "--json");
  check(log.includes("red-team sample for the scanner tests"), "with a reason it is registered and the reason is in the audit log");

  await byTest("nav-audit").click();
  await page.locator('[data-testid="audit-row"]').first().waitFor();
  await byTest("verify-chain").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="verify-result"]')?.textContent?.includes("OK"));
  const verified = await byTest("verify-result").textContent();
  check(/event signatures by 2 keys verify/.test(verified), `Verify chain reports OK, every event signed (${verified})`);
  const yourKey = await byTest("your-key").textContent();
  const signedBy = await page.locator('[data-testid="audit-signer"]').first().textContent();
  check(yourKey.includes("You sign as") && yourKey.includes("SHA256:") && signedBy.includes("SHA256:"),
    `the audit page shows your key and who signed each event (${signedBy})`);
  await shot("8-audit");

  // Artifact stores: a local folder with a model trained (says dvc.lock) on data/train.csv.
  const storeDir = join(dir, "store");
  mkdirSync(join(storeDir, "data"), { recursive: true });
  mkdirSync(join(storeDir, "models"), { recursive: true });
  writeFileSync(join(storeDir, "data", "train.csv"), "x,y\n1,0\n2,1\n");
  writeFileSync(join(storeDir, "models", "detector.safetensors"), safetensorsBytes([["conv.weight", [8, 3]], ["conv.bias", [8]]], 5));
  writeFileSync(
    join(storeDir, "dvc.lock"),
    "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    deps:\n    - path: data/train.csv\n      md5: 5d41402abc4b2a76b9719d911017c592\n      size: 14\n" +
      "    outs:\n    - path: models/detector.safetensors\n      md5: 7d793037a0760186574b0282f2f435e7\n      size: 140\n",
  );
  const storeUri = pathToFileURL(storeDir).href;
  await byTest("nav-stores").click();
  await byTest("store-add-form").waitFor();
  check(await visibleSoon(byTest("stores-empty")), "Stores explains what a store is when there is none, next to the add form");
  await byTest("store-name").fill("e2e-local");
  await byTest("store-uri").fill(storeUri);
  await byTest("store-add-submit").click();
  const storeRow = page.locator('[data-testid="store-row"][data-store="e2e-local"]');
  await storeRow.waitFor();
  check((await storeRow.textContent()).includes(storeUri), `the store is listed with its URI (${storeUri})`);
  await storeRow.locator('[data-testid="store-index"]').click();
  await byTest("index-report").waitFor({ timeout: 30000 });
  const facts = await byTest("report-facts").textContent();
  check(/Artifacts\s*\d+ \(\d+ new\)/.test(facts) && facts.includes("Files"), `Index now shows the report (${facts})`);
  const art = page.locator('[data-testid="artifact-row"][data-path="models/detector.safetensors"]');
  await art.waitFor();
  const hints = await art.locator('[data-testid="artifact-hints"]').textContent();
  check(hints.includes("trained on data/train.csv (DVC)"), `the indexed model shows its DVC hint (${hints})`);
  await shot("9-stores");

  await art.locator('[data-testid="artifact-register"]').click();
  await byTest("register-form").waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="reg-version"]')?.value === "1.0.0");
  const preModel = await byTest("reg-model").inputValue();
  const preTrained = await byTest("reg-trained-on").inputValue();
  check(preModel === "detector" && preTrained.endsWith("data/train.csv") && (await byTest("reg-source").textContent()).includes("e2e-local"),
    `Register… opens the form pre-filled from the index (${preModel}, trained on ${preTrained})`);
  await byTest("reg-message").fill("registered from the store index");
  await shot("10-register-from-index");
  await byTest("reg-submit").click();
  await page.waitForFunction(() => decodeURIComponent(location.hash).includes("version:detector@1.0.0"), null, { timeout: 30000 });
  const versions = await page.evaluate(async () => {
    const res = await fetch("/api/list_versions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ model: "detector", offset: 0, limit: null }) });
    return res.json();
  });
  check(versions.versions?.length === 1 && versions.versions[0].version === "1.0.0" && versions.versions[0].message === "registered from the store index",
    "the version exists (list_versions)");
  const shownIdx = JSON.parse(pedigree(ws, "show", "detector@1.0.0", "--json"));
  const trainedOnEdge = shownIdx.upstream.find((e) => e.kind === "trained_on");
  check(trainedOnEdge?.to.startsWith("dataset:train@"), `the version is linked to the data its DVC stage used (${trainedOnEdge?.to})`);
  await byTest("nav-stores").click();
  const registered = page.locator('[data-testid="artifact-row"][data-path="models/detector.safetensors"] [data-testid="artifact-registered"]');
  await registered.waitFor();
  check((await registered.textContent()) === "detector@1.0.0", "back in Stores, the artifact shows as registered");

  // The server watches local stores: a new file shows up without "Index now".
  const t0 = Date.now();
  writeFileSync(join(storeDir, "models", "detector-v2.safetensors"), safetensorsBytes([["conv.weight", [8, 3]], ["conv.bias", [8]]], 9));
  await page.locator('[data-testid="artifact-row"][data-path="models/detector-v2.safetensors"]').waitFor({ timeout: 10000 });
  check(true, `a file written into the watched folder appears in the table by itself (${Date.now() - t0} ms)`);
  check((await page.locator('[data-testid="store-event"]').allTextContents()).some((t) => t.includes("e2e-local:models/detector-v2.safetensors")),
    "the live feed shows the change");
  await shot("11-stores-watch");

  // Governance. The demo was registered through this server, so its actor (PEDIGREE_ACTOR of
  // `serve`, e2e@pedigree.test) is the maker and cannot approve; checker@e2e approves via the CLI.
  const ref = "resnet@1.1.0";
  const rootDigest = JSON.parse(pedigree(ws, "show", ref, "--json")).version.rootDigest;
  await page.goto(`${server.url}#/versions/${ref}`);
  await byTest("governance").waitFor();
  check((await byTest("gov-status").textContent()) === "draft" && (await byTest("gov-gate").textContent()).includes("needs validator approval"),
    `the version page shows governance: status draft, ${await byTest("gov-gate").textContent()}`);
  await byTest("gov-approve-role").selectOption("validator");
  await byTest("gov-approve-decision").selectOption("approved");
  await byTest("gov-approve-justification").fill("I trained it, it is fine");
  await byTest("gov-approve-submit").click();
  await byTest("gov-approve-error").waitFor();
  const refusal = await byTest("gov-approve-error").textContent();
  check(refusal.includes("maker ≠ checker") && refusal.includes("e2e@pedigree.test"), `the maker's own approval is refused in the form (${refusal})`);
  check((await page.locator('[data-testid="gov-approval-row"]').count()) === 0, "nothing was recorded for the refused approval");
  await shot("12-approve-refused");
  // Another person: a name and a signing key of their own (a second name on the same key is
  // still the maker).
  const checkerEnv = { ...process.env, XDG_CONFIG_HOME: join(dir, "checker-config") };
  execFileSync(pedigreeBin, ["--workspace", ws, "--actor", "checker@e2e", "approve", ref, "--role", "validator", "--decision", "approved", "--justification", "validated on the holdout set"], { encoding: "utf8", env: checkerEnv });
  await page.reload();
  await page.waitForFunction(() => document.querySelector('[data-testid="gov-gate"]')?.textContent?.includes("approved by checker@e2e (validator)"));
  const approvalRow = await page.locator('[data-testid="gov-approval-row"]').first().textContent();
  check(approvalRow.includes("checker@e2e") && approvalRow.includes("validated on the holdout set"), `an approval by a second actor (CLI) shows on the page (${approvalRow})`);

  await byTest("gov-eval-metric").fill("accuracy");
  await byTest("gov-eval-value").fill("0.93");
  await byTest("gov-eval-threshold").fill(">= 0.9");
  await byTest("gov-eval-submit").click();
  const evalRow = page.locator('[data-testid="gov-eval-row"]').first();
  await evalRow.waitFor();
  const evalText = await evalRow.textContent();
  check(evalText.includes("imagenet-mini@2") && evalText.includes("all") && (await evalRow.locator('[data-testid="gov-eval-result"]').textContent()) === "pass",
    `the evaluation form records a metric with its threshold (${evalText})`);

  // Production needs an approved *status* (not only approvals): refused, the error says what to do.
  await byTest("gov-deploy-env").fill("prod");
  await byTest("gov-deploy-reason").fill("release 2026.11");
  await page.waitForFunction(() => !!document.querySelector('[data-testid="gov-deploy-prod-hint"]'));
  await byTest("gov-deploy-submit").click();
  await byTest("gov-deploy-error").waitFor();
  const prodError = await byTest("gov-deploy-error").textContent();
  check(prodError.includes("production environment") && prodError.includes("promote"), `deploying a draft to prod is refused in the form (${prodError})`);
  await byTest("gov-deploy-env").fill("staging");
  await byTest("gov-deploy-strategy").selectOption("full");
  await byTest("gov-deploy-reason").fill("staging smoke test");
  await byTest("gov-deploy-submit").click();
  await byTest("gov-deploy-ok").waitFor();
  await page.locator('[data-testid="gov-deploy-row"][data-env="staging"][data-active="true"]').waitFor();
  check((await byTest("gov-deploy-ok").textContent()).includes("staging now serves resnet@1.1.0 100 %"), "deploying to the non-production env staging works from the page");
  await shot("13-governance");

  // Deployments: a second version goes to staging (CLI), then the view rolls it back.
  pedigree(ws, "deploy", "resnet@1.0.0", "--env", "staging", "--reason", "compare with the previous release");
  await byTest("nav-deployments").click();
  const staging = page.locator('[data-testid="env-card"][data-env="staging"]');
  await staging.waitFor();
  check((await staging.locator('[data-testid="env-current"]').textContent()).includes("resnet@1.0.0 100 %"), "Deployments shows what serves in staging now");
  const lanes = await staging.locator('[data-testid="timeline-lane"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-version")));
  check(lanes.includes("resnet@1.1.0") && lanes.includes("resnet@1.0.0"), `the staging timeline has a lane per version (${lanes.join(", ")})`);
  await staging.locator('[data-testid="env-rollback"]').click();
  await staging.locator('[data-testid="env-rollback-reason"]').fill("1.0.0 misroutes requests");
  await staging.locator('[data-testid="env-rollback-submit"]').click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="env-card"][data-env="staging"] [data-testid="env-current"]')?.textContent?.includes("resnet@1.1.0 100 %"));
  check((await staging.locator('[data-testid="deploy-rollback-mark"]').count()) === 1, "Roll back… restores resnet@1.1.0 in staging and marks the rollback row");
  await staging.locator('[data-testid="serving-at-submit"]').click();
  await staging.locator('[data-testid="serving-at-result"]').waitFor();
  check((await staging.locator('[data-testid="serving-at-result"]').textContent()).includes("resnet@1.1.0 100 %"), "Serving at (now) answers resnet@1.1.0");
  await shot("14-deployments");

  // An erasure request on the data resnet@1.1.0 was trained on taints it.
  pedigree(ws, "erase", "--dataset", "imagenet-mini@2", "--subject-hash", "ab".repeat(32), "--reason", "GDPR art. 17 request");
  await page.goto(`${server.url}#/versions/${ref}`);
  await byTest("gov-tainted").waitFor();
  check((await byTest("gov-tainted").textContent()).includes("Tainted by erasure request #1 on dataset imagenet-mini@2"), "the version page warns it is tainted by the erasure request");

  await byTest("nav-reports").click();
  const erasureRow = page.locator('[data-testid="erasure-row"][data-id="1"]');
  await erasureRow.waitFor();
  const impacts = await erasureRow.locator('[data-testid="erasure-impact"]').allTextContents();
  check(impacts.some((t) => t.includes("resnet@1.1.0") && t.includes("open")), `Reports lists the erasure request with its open impacts (${impacts.join("; ")})`);
  await shot("15-reports-erasures");

  // Reports: preview, export, download, verify.
  await byTest("reports-model").selectOption("resnet");
  await page.locator('[data-testid="reports-version"] option[value="1.1.0"]').waitFor({ state: "attached" });
  await byTest("reports-version").selectOption("1.1.0");
  await page.waitForFunction(() => decodeURIComponent(location.hash) === "#/reports/resnet@1.1.0");
  await byTest("report-preview-button").click();
  await byTest("report-preview").waitFor();
  check((await byTest("report-preview").getAttribute("sandbox")) === "", "the preview iframe is sandboxed (no scripts)");
  const frameText = await page.frameLocator('[data-testid="report-preview"]').locator("body").innerText({ timeout: 15000 });
  check(frameText.includes(rootDigest), `the preview shows the version's root digest (${rootDigest.slice(0, 16)}…)`);
  await shot("16-report-preview");
  await byTest("report-export").click();
  await page.locator('[data-testid="report-file"]').first().waitFor({ timeout: 120000 });
  const files = await page.locator('[data-testid="report-file"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-path")));
  check(files.includes("report.pdf") && files.includes("report.json"), `Export bundle lists the files (${files.join(", ")})`);
  const href = await page.locator('[data-testid="report-file"][data-path="report.json"] [data-testid="report-download"]').getAttribute("href");
  const download = await page.evaluate(async (u) => {
    const res = await fetch(u);
    return { status: res.status, size: (await res.arrayBuffer()).byteLength };
  }, href);
  check(download.status === 200 && download.size > 0, `report.json downloads over HTTP (${href}, ${download.size} bytes)`);
  await byTest("report-verify").click();
  await byTest("report-verify-result").waitFor({ timeout: 60000 });
  const checks = await page.locator('[data-testid="report-check"]').evaluateAll((els) => els.map((e) => [e.getAttribute("data-ok"), e.textContent]));
  check(checks.length > 0 && checks.every(([ok]) => ok === "true"), `Verify bundle: every check ✓ (${checks.map(([, t]) => t.split(" — ")[0]).join(", ")})`);
  await shot("17-report-bundle");

  // A second erasure request from the Reports view's form, then one impacted version kept under an exception.
  await byTest("erasure-dataset").fill("imagenet-mini@2");
  await byTest("erasure-subject").fill("0123456789abcdef".repeat(4));
  await byTest("erasure-reason").fill("GDPR art. 17 request, second subject");
  await byTest("erasure-submit").click();
  await byTest("erasure-created").waitFor();
  const created = await byTest("erasure-created").textContent();
  const erasure2 = page.locator('[data-testid="erasure-row"][data-id="2"]');
  await erasure2.waitFor();
  const impacts2 = await erasure2.locator('[data-testid="erasure-impact"]').allTextContents();
  check(created.includes("Request #2") && created.includes("resnet@1.1.0") && impacts2.some((t) => t.includes("resnet@1.1.0") && t.includes("open")),
    `the erasure form records request #2 and lists its impacts (${created.trim()})`);
  const resolve = erasure2.locator('[data-testid="erasure-resolve"][data-node="version:resnet@1.1.0"]');
  await resolve.locator("summary").click();
  await resolve.locator('[data-testid="erasure-resolve-mode"]').selectOption("exception");
  await resolve.locator('[data-testid="erasure-resolve-ref"]').fill("legal hold: litigation 2026-17");
  await resolve.locator('[data-testid="erasure-resolve-submit"]').click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="erasure-row"][data-id="2"] [data-testid="erasure-impact"]')].some(
      (e) => e.getAttribute("data-state") === "resolved" && e.textContent.includes("resnet@1.1.0") && e.textContent.includes("legal hold")));
  check((await erasure2.locator('[data-testid="erasure-resolve"][data-node="version:resnet@1.1.0"]').count()) === 0,
    "Resolve… keeps resnet@1.1.0 under an exception: the impact shows resolved with its justification");
  await shot("18-erasure-resolved");
  check(errors.length === 0, `no uncaught page errors (${errors.join("; ")})`);

  await productionHistory({
    page, byTest, shot, ws,
    base: server.url.split("?")[0],
    writeFile: (name, text) => { const p = join(dir, name); writeFileSync(p, text); return p; },
  });

  // Variants: the demo's quantized llm-legal is the line llm-legal/q4. The model page shows the
  // lines as lanes; the lineage graph bands each line of the model into its own lane.
  await page.goto(server.url.split("?")[0] + "#/models/llm-legal");
  await page.locator('[data-testid="lane-version"]').first().waitFor();
  const lines = await page.$$eval('[data-testid="lane"]', (els) => els.map((e) => e.getAttribute("data-line")));
  const q4 = await page.$$eval('[data-testid="lane"][data-line="llm-legal/q4"] [data-testid="lane-version"]', (els) => els.map((e) => e.textContent));
  check(lines.join(",") === "llm-legal,llm-legal/q4" && q4.join(",") === "1.1.0,1.0.0", `the model page shows its lines as lanes (${lines.join(", ")}; q4: ${q4.join(", ")})`);
  await shot("20a-variant-lanes");
  await page.goto(`${server.url.split("?")[0]}#/lineage?focus=model:llm-legal&up=0&down=2`);
  await page.locator('[data-testid="lineage-lane"]').first().waitFor();
  const bands = await page.$$eval('[data-testid="lineage-lane"]', (els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { line: e.getAttribute("data-line"), top: r.top, bottom: r.bottom };
  }));
  const byLine = Object.fromEntries(bands.map((b) => [b.line, b]));
  check(byLine["llm-legal"] && byLine["llm-legal/q4"] && byLine["llm-legal"].bottom <= byLine["llm-legal/q4"].top,
    `the lineage graph draws the model's lines as parallel lanes, main first (${bands.map((b) => b.line).join(", ")})`);
  await shot("20b-variant-lineage");

  // Compare: tick two versions of the demo's llm-base on its model page; the Compare view shows
  // the bump the policy gives and which tensors' bytes changed (digests from the catalog).
  await page.goto(server.url.split("?")[0] + "#/models/llm-base");
  await page.locator('[data-testid="version-row"]').first().waitFor();
  await page.locator('[data-testid="version-row"][data-version="1.0.0"] [data-testid="compare-pick"]').check();
  await page.locator('[data-testid="version-row"][data-version="1.1.0"] [data-testid="compare-pick"]').check();
  await byTest("compare-button").click();
  await byTest("compare-bump").waitFor();
  const bumpText = await byTest("compare-bump").textContent();
  const changedTensors = await byTest("compare-tensors-changed").textContent();
  check(decodeURIComponent(page.url()).includes("a=llm-base@1.0.0&b=llm-base@1.1.0") && bumpText.includes("minor") && changedTensors.length > 0,
    `Compare shows the bump and the tensors whose bytes changed (${bumpText.trim()} · ${changedTensors.slice(0, 60)})`);
  await shot("20-compare");

  // Compare from the lineage graph: a version node's side panel compares it with another version.
  await page.goto(server.url.split("?")[0] + "#/lineage?focus=version:resnet@2.0.0");
  await page.locator('[data-testid="lineage-node"][data-node-id="version:resnet@2.0.0"]').first().click();
  await byTest("compare-with").selectOption("1.1.0");
  await byTest("compare-with-go").click();
  await byTest("compare-bump").waitFor();
  const fromGraph = await byTest("compare-bump").textContent();
  check(decodeURIComponent(page.url()).includes("a=resnet@1.1.0&b=resnet@2.0.0") && fromGraph.includes("major"),
    `Compare from the lineage side panel: resnet 1.1.0 → 2.0.0 is major (${fromGraph.trim().slice(0, 70)})`);

  // A scikit-learn pickle (read, never run): the version page says what loading it would run.
  const ver = "1.5.2";
  const pkl = Buffer.concat([
    Buffer.from("\x80\x02csklearn.ensemble._forest\nRandomForestClassifier\nq\x00)\x81q\x01}q\x02(X\x10\x00\x00\x00_sklearn_versionq\x03X", "latin1"),
    Buffer.from([ver.length, 0, 0, 0]),
    Buffer.from(`${ver}q\x04ub.`, "latin1"),
  ]);
  const pklPath = join(dir, "churn-rf.pkl");
  writeFileSync(pklPath, pkl);
  pedigree(ws, "register", pklPath, "--model", "churn-rf");
  await page.goto(server.url.split("?")[0] + "#/versions/churn-rf@1.0.0");
  const verdict = page.locator('[data-testid="pickle-verdict"]');
  await verdict.waitFor();
  const verdictText = await verdict.textContent();
  check((await verdict.getAttribute("data-risk")) === "known" && verdictText.includes("Loading runs code from sklearn 1.5.2"),
    `a scikit-learn pickle is registered and its page says what loading it runs (${verdictText.trim().slice(0, 60)}…)`);
  await shot("19-pickle-verdict");

  // Aliases from the version page: point "champion" at resnet@1.1.0; the model page shows it,
  // and the CLI resolves resnet@champion.
  await page.goto(server.url.split("?")[0] + "#/versions/resnet@1.1.0");
  await byTest("aliases").waitFor();
  await byTest("alias-name").fill("champion");
  await byTest("alias-set").click();
  await page.locator('[data-testid="alias"][data-alias="champion"]').waitFor();
  check(JSON.parse(pedigree(ws, "show", "resnet@champion", "--json")).version.version === "1.1.0", "an alias set on the version page resolves in the CLI");
  await page.goto(server.url.split("?")[0] + "#/models/resnet");
  await page.locator('[data-testid="version-row"][data-version="1.1.0"] [data-testid="row-alias"]').waitFor();
  check(true, "the model page shows the alias on its version's row");
  await shot("aliases");

  // Description and tags: edited on the model page and on the version page, read by the CLI.
  await byTest("description-edit").click();
  await byTest("description-input").fill("Image classifier for the shop");
  await byTest("description-save").click();
  await page.getByText("Image classifier for the shop").waitFor();
  check(JSON.parse(pedigree(ws, "tags", "resnet", "--json")).description === "Image classifier for the shop",
    "a model's description edited on its page is the CLI's");
  await page.goto(server.url.split("?")[0] + "#/versions/resnet@champion");
  await byTest("metadata").waitFor();
  await byTest("tag-key").fill("team");
  await byTest("tag-value").fill("vision");
  await byTest("tag-set").click();
  await page.locator('[data-testid="tag"][data-key="team"]').waitFor();
  await byTest("stage").selectOption("Staging");
  await page.waitForFunction(() => document.querySelector('[data-testid="stage"]')?.value === "Staging");
  const tagged = JSON.parse(pedigree(ws, "tags", "resnet@1.1.0", "--json"));
  check(tagged.tags.team === "vision" && tagged.stage === "Staging", "a tag and a stage set on the version page are the CLI's");
  await shot("metadata");

  // Remotes: the empty state, adding an MLflow remote, and a sync against a dead server that
  // says why in one line.
  await byTest("nav-remotes").click();
  // The empty state renders once the list has loaded: wait for it rather than sample it.
  check(await visibleSoon(byTest("remotes-empty")), "Remotes explains what a remote is for when there is none");
  await byTest("remote-name").fill("team");
  await byTest("remote-url").fill("http://127.0.0.1:9");
  await byTest("remote-add-submit").click();
  await byTest("remote-row").waitFor();
  await byTest("remote-sync").click();
  await byTest("remotes-error").waitFor();
  check((await byTest("remotes-error").textContent()).includes("cannot reach the MLflow server"), "a sync against a dead server says why");
  await shot("remotes");

  // A team ledger on a shared folder: the owner joins it from the Remotes page and pushes this
  // workspace's history; a colleague (another key, the CLI) takes it all in, approves, syncs;
  // the page's next sync takes the approval in, with the same state digest on both desktops.
  const colleague = join(dir, "colleague", "ws");
  mkdirSync(join(dir, "colleague"), { recursive: true });
  pedigree(colleague, "init");
  const colleagueKey = JSON.parse(pedigree(colleague, "identity", "show", "--json")).publicKey;
  const ownerKey = JSON.parse(pedigree(ws, "identity", "show", "--json")).publicKey;
  pedigree(ws, "team", "init", "--name", "Owner");
  pedigree(ws, "team", "add", colleagueKey, "--name", "Colleague", "--role", "validator");
  const ledgerUrl = pathToFileURL(join(dir, "ledger")).href;
  await byTest("remote-kind").selectOption("ledger");
  await byTest("remote-name").fill("crew");
  await byTest("remote-url").fill(ledgerUrl);
  await byTest("remote-add-submit").click();
  const crewRow = page.locator('[data-testid="remote-row"][data-name="crew"]');
  await crewRow.waitFor();
  await crewRow.getByTestId("remote-sync").click();
  await page.waitForFunction(() => document.querySelector('[data-testid="sync-counts"]')?.textContent?.includes("pushed 1 segments"));
  pedigree(colleague, "remote", "add", "crew", "ledger", ledgerUrl, "--trust", ownerKey);
  const taken = JSON.parse(pedigree(colleague, "sync", "crew", "--json")).team;
  check(taken.refused.length === 0 && taken.projected > 10, `a colleague takes in the whole history (${taken.projected} events applied)`);
  pedigree(colleague, "approve", ref, "--role", "validator", "--decision", "approved", "--justification", "second look on the colleague's desktop");
  pedigree(colleague, "sync", "crew");
  await crewRow.getByTestId("remote-sync").click();
  await page.waitForFunction(() => /took in \d+ segments \(\d+ events: [1-9]/.test(document.querySelector('[data-testid="sync-counts"]')?.textContent ?? ""));
  const uiDigest = await byTest("state-digest").textContent();
  const theirs = JSON.parse(pedigree(colleague, "state-digest", "--json")).digest;
  check(uiDigest === theirs, `after syncing, both desktops hold the same state (digest ${uiDigest.slice(0, 12)}…)`);
  await shot("team-ledger");
  await byTest("nav-audit").click();
  await page.locator('[data-testid="audit-pulled"]').first().waitFor();
  const pulledRow = await page.locator('[data-testid="audit-row"]', { has: page.locator('[data-testid="audit-pulled"]') }).first().textContent();
  check(pulledRow.includes("approve") && pulledRow.includes("Colleague"), `the colleague's approval shows in the audit log, pulled from the ledger and signed by them (${pulledRow})`);
  await byTest("nav-remotes").click();

  // Another web page in the same browser cannot use the server: a "simple" no-cors POST (no
  // preflight) from another loopback port — same site, so the SameSite cookie travels with it —
  // is refused by the Origin check. (Rebinding reads are covered over raw HTTP in tests/server.)
  const evil = await hostilePage(server.url);
  const attacker = await browser.newPage();
  await attacker.goto(evil.url);
  await attacker.evaluate(async (target) => {
    const api = new URL("/api/set_environment", target).href;
    await fetch(api, { method: "POST", mode: "no-cors", credentials: "include", headers: { "Content-Type": "text/plain" }, body: JSON.stringify({ name: "evil-env", production: false }) }).catch(() => {});
  }, server.url);
  check(!pedigree(ws, "audit", "log", "--json").includes("evil-env"), "a no-cors POST from a page on another origin in the same browser changes nothing");
  await attacker.close();
  evil.close();
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.stop();
  cleanup(dir, profile);
}
console.log(`e2e: browser ${checksPassed()} checks passed${failed ? ", FAILED" : ""}`);

/** A page on another loopback port (same site, other origin), as a malicious local app would serve. */
function hostilePage() {
  return new Promise((resolveP) => {
    const srv = createHttpServer((_, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end("<!doctype html><title>elsewhere</title><p>another site</p>");
    });
    srv.listen(0, "127.0.0.1", () => resolveP({ url: `http://127.0.0.1:${srv.address().port}/`, close: () => srv.close() }));
  });
}
process.exit(failed ? 1 : 0);
