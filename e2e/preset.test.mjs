// End-to-end test of the Train view's quick demos: a menu that fills the
// registry-generated settings form with a small run (5 classes, 1 example,
// a held-out measurement every 25 episodes), which then trains. The time
// to the first held-out point is reported, not asserted (a shared, loaded
// machine). Screenshot in e2e/out/preset-protonet.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "out");
mkdirSync(out, { recursive: true });

let ctx;
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 1400 } });
});
after(async () => {
  await ctx?.close();
});

const train = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot.train)));
const value = (page, id) => page.locator("#train-" + id).inputValue();

test("quick demos fill the form; ProtoNet's trains to a held-out point", async () => {
  const { page } = ctx;
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 90000 });

  const menu = page.getByLabel("Quick demo");
  const options = await menu.locator("option").allTextContents();
  for (const a of ["ProtoNet", "FOMAML", "Reptile"]) {
    assert.ok(options.some((o) => o.startsWith(a)), `no quick demo of ${a} in ${options}`);
  }

  // Each demo fills the learner's fields; choosing a learner by hand
  // leaves the demo.
  for (const [preset, algo] of [["fomaml-small", "fomaml"], ["reptile-small", "reptile"], ["protonet-5w1s", "protonet"]]) {
    await menu.selectOption(preset);
    await page.waitForFunction(() => !window.metaglot.busy);
    assert.equal(await value(page, "algo"), algo);
    assert.equal(await value(page, "init"), "scratch");
    assert.deepEqual([await value(page, "way"), await value(page, "shot"), await value(page, "val-every")], ["5", "1", "25"], preset);
    const form = (await train(page)).form; // what Start will read
    assert.deepEqual([form.algo, form.init, form.way, form.shot, form.val_every], [algo, "scratch", 5, 1, 25], preset);
  }
  assert.ok(Number(await value(page, "episodes")) <= 500);

  await page.getByRole("button", { name: "Start" }).click();
  const t0 = Date.now();
  await page.waitForFunction(() => window.metaglot.train.state === "running", null, { timeout: 10000 });
  assert.equal(await page.locator("#train-error").textContent(), "");
  await page.waitForFunction(() => window.metaglot.train.heldOut.length >= 1 || window.metaglot.train.state !== "running", null, { timeout: 300000 });
  const st = await train(page);
  assert.equal(st.algorithm, "protonet");
  assert.ok(st.heldOut.length >= 1, `no held-out point: the run ended ${st.state} (${st.message})`);
  assert.equal(st.heldOut[0].episode, 25);
  console.log(`quick demo ProtoNet 5-way 1-shot: first held-out point (episode 25) ${(100 * st.heldOut[0].acc).toFixed(1)}% after ${((Date.now() - t0) / 1000).toFixed(1)} s (shared, loaded machine)`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, "preset-protonet.png") });
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => window.metaglot.train.state !== "running", null, { timeout: 10000 });

  // A learner chosen by hand: the demo menu goes back to none.
  await page.locator("#train-algo").selectOption("fomaml");
  await page.waitForFunction(() => !window.metaglot.busy);
  assert.equal(await menu.inputValue(), "");
});
