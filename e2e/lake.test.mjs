// End-to-end test of Try Omniglot with Lake et al.'s one-shot task (#18
// item 4): one of the 20 evaluation alphabets, the examples by one drawer
// and the drawings to classify by another, and the visitor classifies
// them against a ProtoNet trained on the background alphabets only, with
// a running score. Screenshots: e2e/out/lake-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPage, screenshot } from "./lib/browser.mjs";
import { settled } from "./lib/draw.mjs";

let ctx;
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 1000 } });
});
after(async () => {
  await ctx?.close();
});

test("Lake's task: the visitor against the background-only model", async () => {
  const { page, seen } = ctx;
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  assert.ok(!requests.some((u) => u.includes("protonet-background")), "the background model is not part of the first view");

  await page.locator("#try-n").selectOption("20");
  await page.locator("#try-k").selectOption("1");
  await page.locator("#try-protocol").selectOption("lake");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 20, null, { timeout: 30000 });
  await settled(page);
  const msg = await page.evaluate(() => window.metaglot.message);
  assert.match(msg, /^Lake's task: 20 characters of .+, one of the 20 evaluation alphabets, the examples all drawn by one person and the drawings to classify by another\./);
  // Every held-out drawing by one drawer (the examples' is another: the
  // native TestLakeTry checks it from the pixels).
  const labels = await page.locator("#held-out button").evaluateAll((bs) => bs.map((b) => b.title));
  const drawers = new Set(labels.map((l) => l.replace(/.*, drawer /, "")));
  assert.equal(drawers.size, 1, JSON.stringify(labels));

  const start = page.getByRole("button", { name: "Challenge the model" });
  await page.waitForFunction(() => !document.getElementById("challenge-box").hidden);
  await start.click();
  await settled(page);
  // The model may still be loading: then the message says so; try again.
  for (let i = 0; i < 50 && !(await page.locator("#challenge-text").innerText()); i++) {
    await page.waitForTimeout(200);
    if (await start.isVisible()) await start.click();
    await settled(page);
  }
  assert.ok(requests.some((u) => u.includes("protonet-background")), "the background model fetched");
  const text = page.locator("#challenge-text");
  assert.match(await text.innerText(), /^Drawing 1 of 20: which class is it\?/);
  assert.equal(await page.locator("#bars").isVisible(), false, "the page's own answer is hidden");
  assert.equal(await page.locator("#held-out-box").isVisible(), false);
  assert.equal(await page.locator("#query-label").innerText(), "Which class is this drawing?");
  console.log("question:", await screenshot(page, "lake-question.png"));

  // Three answers: always the first class.
  let you = 0;
  for (let i = 0; i < 3; i++) {
    await page.getByRole("button", { name: /^The drawing is / }).first().click();
    await settled(page);
    const t = await text.innerText();
    const m = /Score: you (\d+) of (\d+), the model (\d+) of (\d+)/.exec(t);
    assert.ok(m, t);
    assert.equal(+m[2], i + 1);
    assert.equal(+m[4], i + 1);
    assert.match(t, new RegExp(`^Drawing ${i + 1} of 20\\. You: “[^”]+”, (right|wrong: it is “[^”]+”)\\. The model: “[^”]+” \\(\\d+ %\\), (right|wrong)`));
    if (/You: “[^”]+”, right/.test(t)) you++;
    assert.equal(+m[1], you);
    assert.equal(await page.getByRole("button", { name: /^The drawing is / }).count(), 0, "answered: no more guesses");
    if (i === 0) console.log("answer:", await screenshot(page, "lake-answer.png"), t);
    await page.getByRole("button", { name: "Next drawing" }).click();
    await settled(page);
    assert.match(await text.innerText(), new RegExp(`^Drawing ${i + 2} of 20: which class is it\\?`));
  }
  assert.deepEqual(seen.pageErrors, []);
});
