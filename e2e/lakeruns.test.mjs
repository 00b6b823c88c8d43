// End-to-end test of Try Omniglot with Lake et al.'s own 20 runs (#18
// item 4): the visitor picks a run, gets exactly its 20 examples (one
// drawer) and 20 tests (another drawer), answers every test against the
// background-only model, and at the end reads both error rates on this run
// beside the published means over the 20 runs. The run's characters and
// drawers are checked against core/episode/lakeruns/runs.txt. Screenshot:
// e2e/out/lake-runs.png (the end), lake-runs-question.png (the first test).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPage, screenshot } from "./lib/browser.mjs";
import { settled } from "./lib/draw.mjs";

// runs.txt: run, alphabet, example drawer, test drawer, 20 characters.
const runsTxt = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "core", "episode", "lakeruns", "runs.txt");
const runs = fs.readFileSync(runsTxt, "utf8").split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => f.length === 24 && !f[0].startsWith("#"))
  .map((f) => ({ name: f[0], alphabet: f[1], train: +f[2], test: +f[3], chars: f.slice(4).map((c) => "character" + c) }));

let ctx;
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 1000 } });
});
after(async () => {
  await ctx?.close();
});

test("Lake's 20 runs: the visitor plays run 3 against the background-only model", async () => {
  assert.equal(runs.length, 20, runsTxt);
  const { page, seen } = ctx;
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  assert.ok(!requests.some((u) => u.includes("protonet-background") || u.includes("assets/omniglot/")), "neither the runs' images nor the model are part of the first view");

  // The run menu replaces the classes and examples menus.
  assert.equal(await page.locator("#try-run").isVisible(), false);
  await page.locator("#try-protocol").selectOption("lakeruns");
  await settled(page);
  assert.equal(await page.locator("#try-run").isVisible(), true);
  assert.equal(await page.locator("#try-n").isVisible(), false);
  assert.equal(await page.locator("#try-k").isVisible(), false);
  assert.equal(await page.locator("#try-run option").count(), 22);
  await page.locator("#try-run").selectOption("3");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.lakeRun?.run === 3 && window.metaglot.heldOut === 20, null, { timeout: 30000 });
  await settled(page);

  const want = runs[2];
  const run = await page.evaluate(() => window.metaglot.lakeRun);
  assert.equal(run.name, "run03");
  assert.equal(run.alphabet, want.alphabet);
  assert.equal(run.exampleDrawer, want.train);
  assert.equal(run.testDrawer, want.test);
  assert.deepEqual(run.characters, want.chars);
  assert.deepEqual(run.heldOutDrawers, Array(20).fill(want.test));
  const alphabet = want.alphabet.replaceAll("_", " ");
  const classes = await page.evaluate(() => window.metaglot.classes);
  assert.deepEqual(classes.map((c) => c.name), want.chars.map((c) => alphabet + " " + c.replace("character", "")));
  assert.ok(classes.every((c) => c.examples === 1));
  const labels = await page.locator("#held-out button").evaluateAll((bs) => bs.map((b) => b.title));
  assert.deepEqual(labels, classes.map((c) => `${c.name}, drawer ${want.test}`));
  const msg = await page.evaluate(() => window.metaglot.message);
  assert.ok(msg.startsWith(`Lake's run 3 of 20: 20 characters of ${alphabet}, the examples by drawer ${want.train} and the drawings to classify by drawer ${want.test}`), msg);
  // Only the run's alphabet sheet, lazily, as any Lake Try fetches it.
  const sheets = requests.filter((u) => /assets\/omniglot\/.+\.png/.test(u));
  assert.equal(sheets.length, 1, JSON.stringify(sheets));
  assert.ok(decodeURIComponent(sheets[0]).includes(want.alphabet), sheets[0]);

  const start = page.getByRole("button", { name: "Challenge the model" });
  await page.waitForFunction(() => !document.getElementById("challenge-box").hidden);
  await start.click();
  await settled(page);
  for (let i = 0; i < 100 && !(await page.evaluate(() => window.metaglot.challenge)); i++) {
    await page.waitForTimeout(200); // the model may still be loading
    if (await start.isVisible()) await start.click();
    await settled(page);
  }
  assert.ok(requests.some((u) => u.includes("protonet-background-aug.safetensors")), "the challenger, protonet-background-aug, fetched");

  // All 20 tests, by clicks on the choices: a fixed pattern of classes.
  let you = 0, model = 0;
  for (let i = 0; i < 20; i++) {
    const c = await page.evaluate(() => window.metaglot.challenge);
    assert.equal(c.pos, i);
    assert.equal(c.answered, false);
    assert.equal(c.total, 20);
    if (i === 0) console.log("question:", await screenshot(page, "lake-runs-question.png"));
    const pick = (7 * i) % 20;
    await page.locator(`#challenge-choices button[data-class="${pick}"]`).click();
    await settled(page);
    const a = await page.evaluate(() => window.metaglot.challenge);
    assert.equal(a.answered, true);
    assert.equal(a.guess, pick);
    if (a.guess === a.answer) you++;
    if (a.modelGuess === a.answer) model++;
    assert.equal(a.you, you);
    assert.equal(a.model, model);
    assert.equal(a.asked, i + 1);
    const t = await page.locator("#challenge-text").innerText();
    assert.match(t, new RegExp(`^Drawing ${i + 1} of 20\\. You: .+\\. The model: “[^”]+” \\(\\d+ %\\), (right|wrong)`));
    if (i < 19) {
      await page.getByRole("button", { name: "Next drawing" }).click();
      await settled(page);
    }
  }
  const end = await page.evaluate(() => window.metaglot.challenge);
  assert.equal(end.done, true);
  const t = await page.locator("#challenge-text").innerText();
  const errs = (right) => `${20 - right} error${20 - right === 1 ? "" : "s"} in 20 (${(5 * (20 - right)).toFixed(1)} %)`;
  assert.ok(t.includes(`On Lake's run 3 you made ${errs(you)}, the model ${errs(model)}.`), t);
  assert.ok(t.includes("Published error rates, each the mean over all 20 runs (400 tests): people 4.5 %, Bayesian Program Learning 3.3 %, Koch et al.'s Siamese ConvNet 8.0 %."), t);
  assert.ok(t.includes("a noisy comparison"), t);
  assert.ok(model >= 14, `the challenger got ${model} of run 3's 20 tests`);
  await page.locator("#challenge-box").scrollIntoViewIfNeeded();
  console.log("end:", await screenshot(page, "lake-runs.png"), t);

  // The next run is run 4, on the same characters: no new sheet.
  await page.locator("#try-run").selectOption("next");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.lakeRun?.run === 4, null, { timeout: 30000 });
  await settled(page);
  const run4 = await page.evaluate(() => window.metaglot.lakeRun);
  assert.equal(run4.exampleDrawer, runs[3].train);
  assert.equal(run4.testDrawer, runs[3].test);
  assert.equal(requests.filter((u) => /assets\/omniglot\/.+\.png/.test(u)).length, 1);
  assert.equal(await page.evaluate(() => window.metaglot.challenge), null);
  assert.deepEqual(seen.pageErrors, []);
});
