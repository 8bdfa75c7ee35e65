// Browser end-to-end, production history on the demo workspace (its history spans months):
// "which model decided this" for prod a hundred days ago, the churn rollback proposal the prod
// monitoring rule raised (evidence shown, a reason required, accepted), the fraud model's
// retraining timeline (40 weekly versions, a range, a click to a version), and an attachment
// added from the version page, a composite system's proposed version registered. Called from
// browser.mjs. Screenshots: browser-21-*.png
import { check, pedigree } from "./lib.mjs";

/** `YYYY-MM-DDTHH:MM` in local time, as a datetime-local input takes it. */
function localInput(d) {
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export async function productionHistory({ page, byTest, shot, base, ws, writeFile }) {
  // Which model decided this: prod, a hundred days ago.
  await page.goto(`${base}#/deployments`);
  await byTest("decision-card").waitFor();
  await byTest("decision-env").selectOption("prod");
  await byTest("decision-at").fill(localInput(new Date(Date.now() - 100 * 86400e3)));
  await byTest("decision-lookup").click();
  const decider = page.locator('[data-testid="decider"]');
  await decider.first().waitFor();
  const deciders = await decider.evaluateAll((els) => els.map((e) => e.getAttribute("data-version")));
  const evidence = await decider.first().textContent();
  check(deciders.join(",") === "churn@1.0.0" && evidence.includes("validator@demo.pedigree") && evidence.includes("churn-model-card.md"),
    `which model decided this: prod 100 days ago was churn@1.0.0 alone, with its approval and attachment (${deciders.join(", ")})`);
  await byTest("decision-card").scrollIntoViewIfNeeded();
  await shot("21a-decision");

  // The rollback proposal raised by the prod rule: evidence, a reason required, accepted.
  await byTest("monitor-env").selectOption("prod");
  const open = page.locator('[data-testid="proposal"][data-status="open"]');
  await open.first().waitFor();
  const points = await page.locator('[data-testid="monitor-point"]').count();
  const marks = await page.locator('[data-testid="monitor-deploy-mark"]').count();
  const proposalText = await open.first().textContent();
  check(points > 100 && marks >= 2 && (await page.locator('[data-testid="monitor-threshold"]').count()) === 1 && proposalText.includes("churn@2.0.0"),
    `the prod AUC is drawn over months (${points} snapshots, ${marks} deployment marks, the rule's threshold) with an open proposal to roll churn@2.0.0 back`);
  await byTest("monitor-card").scrollIntoViewIfNeeded();
  await shot("21b-proposal");
  await open.first().locator('[data-testid="proposal-accept"]').click();
  check(JSON.parse(pedigree(ws, "monitor", "rules", "--env", "prod", "--json")).proposals[0].status === "open", "accepting without a reason changes nothing");
  await open.first().locator('[data-testid="proposal-reason"]').fill("AUC below 0.8 for three days after the canary");
  await open.first().locator('[data-testid="proposal-accept"]').click();
  await page.locator('[data-testid="proposal"][data-status="executed"]').first().waitFor();
  const serving = JSON.parse(pedigree(ws, "serving", "--env", "prod", "--json")).deployments.map((d) => `${d.model}@${d.version} ${d.traffic}`);
  check(serving.join(",") === "churn@1.0.0 100", `the accepted proposal rolled prod back: the CLI sees ${serving.join(", ")}`);

  // The fraud model's retraining timeline: 40 weekly retrains, releases, data changes.
  await page.goto(`${base}#/models/fraud`);
  await page.locator('[data-testid="timeline-point"]').first().waitFor();
  const all = await page.locator('[data-testid="timeline-point"]').count();
  const bars = await page.locator('[data-testid="timeline-deploy-bar"]').count();
  const changes = await page.locator('[data-testid="timeline-data-change"]').count();
  await page.locator('[data-testid="timeline-range"][data-range="90"]').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="timeline-point"]').length < n, all, { timeout: 5000 }).catch(() => {});
  const recent = await page.locator('[data-testid="timeline-point"]').count();
  check(all === 40 && bars >= 10 && changes === 3 && recent > 0 && recent < all,
    `the timeline shows 40 versions, ${bars} releases, ${changes} data changes; the last 90 days ${recent}`);
  await page.locator('[data-testid="timeline-range"][data-range="all"]').click();
  await shot("21c-timeline");
  await page.locator('[data-testid="timeline-point"]').last().click();
  await byTest("version-page").waitFor();
  check((await byTest("version-title").textContent()).includes("fraud@1.39.0"), "clicking the last point opens fraud@1.39.0");

  // A composite system: the newer llm-legal quantization proposes its next version; registered
  // from the model page.
  await page.goto(`${base}#/models/claims-triage`);
  const proposal = byTest("system-proposal");
  await proposal.waitFor();
  const next = await proposal.getAttribute("data-version");
  const step = await page.locator('[data-testid="system-change"]').allTextContents();
  await shot("21e-system");
  await byTest("system-apply").click();
  await byTest("version-page").waitFor();
  const pinned = JSON.parse(pedigree(ws, "show", `claims-triage@${next}`, "--json")).upstream.filter((e) => e.relation === "component").map((e) => e.to);
  check(step.length === 1 && step[0].includes("llm-legal/q4") && pinned.some((p) => p.startsWith("version:llm-legal/q4@") && !p.endsWith("@1.0.0")),
    `a newer component proposes claims-triage@${next} (${step.join("; ")}), registered from the model page (${pinned.join(", ")})`);

  // An attachment added on the version page, seen by the CLI.
  await page.goto(`${base}#/versions/churn@2.0.0`);
  await byTest("attachments-card").waitFor();
  // The demo attached two files to churn@2.0.0: wait for the list before counting it.
  await page.locator('[data-testid="attachment-row"]').nth(1).waitFor();
  const before = await page.locator('[data-testid="attachment-row"]').count();
  const file = writeFile("validation-memo.md", "# Validation memo\nchurn 2.0.0 passed the holdout.\n");
  await byTest("attach-kind").selectOption("evaluation");
  await byTest("attach-file").setInputFiles(file);
  await byTest("attach-submit").click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="attachment-row"]').length === n + 1, before);
  const shown = JSON.parse(pedigree(ws, "show", "churn@2.0.0", "--json")).attachments.map((a) => `${a.kind}:${a.name}`);
  check(before === 2 && shown.includes("evaluation:validation-memo.md"), `an attachment added on the page is the CLI's (${shown.join(", ")})`);
  await byTest("attachments-card").scrollIntoViewIfNeeded();
  await shot("21d-attachments");
}
