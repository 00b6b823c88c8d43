// End-to-end test of a helper worker that hangs (#16 item 5): the Train
// view's FOMAML run in 2 workers gets a helper whose WebAssembly never
// arrives (its request is held), so the helper takes the meta-step's
// tasks and never answers. After the trainer's wait (30 s at least,
// wasm/trainer HelperWait) the run gives the helper up, computes its tasks
// itself, says so in the Train view, and finishes with the weights of a
// run in one worker. Run by `make e2e`; it takes about a minute.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { fillTrainForm } from "./lib/trainform.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "out");
mkdirSync(out, { recursive: true });

let ctx;
after(async () => {
  await ctx?.close();
});

const train = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot.train)));

async function download(page, name) {
  const [d] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download weights" }).click(),
  ]);
  const file = path.join(out, name);
  await d.saveAs(file);
  const buf = readFileSync(file);
  return buf.subarray(8 + Number(buf.readBigUInt64LE(0))); // the tensors, not the metadata
}

test("a helper worker that never answers is given up; the run finishes in one worker with the same weights", { timeout: 600000 }, async () => {
  ctx = await startPage({ path: "/?workers=2", viewport: { width: 1280, height: 1400 } });
  const { page, browser } = ctx;
  // The trainer worker's worker.wasm passes; the helper's (the second
  // request) is held for good: the helper queues the request it is sent
  // and never runs.
  let wasmRequests = 0;
  await browser.route(/worker\.[0-9a-f]+\.wasm$/, (route) => {
    wasmRequests++;
    if (wasmRequests === 1) return route.continue();
    // Never fulfilled: a helper that hangs.
  });
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 120000 });

  const fields = { algo: "fomaml", init: "scratch", way: 5, shot: 1, query: 5, "meta-batch": 4, "inner-steps": 1, "inner-lr": 0.4, episodes: 16, "val-every": 0, seed: 7 };
  await fillTrainForm(page, fields);
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "running", null, { timeout: 30000 });
  assert.match(await page.locator("#train-message").textContent(), /in 2 workers, each computing 2 of the 4 tasks/);
  await page.waitForFunction(() => /was given up/.test(document.getElementById("train-message").textContent), null, { timeout: 120000 });
  const msg = await page.locator("#train-message").textContent();
  assert.match(msg, /in 1 worker from now on: helper worker 2 was given up, it did not answer within \d+s of this worker's part of a meta-step and may have hung; its tasks are computed in this worker instead, so nothing trained is lost/);
  assert.equal(wasmRequests, 2, "the helper asked for its WebAssembly once");
  await page.locator("#panel-train").screenshot({ path: path.join(out, "hung-helper.png") });
  await page.waitForFunction(() => ["finished", "diverged"].includes(window.metaglot.train.state), null, { timeout: 300000 });
  const st = await train(page);
  assert.equal(st.state, "finished");
  assert.equal(st.episodes, 16);
  assert.equal(st.workersUsed, 1);
  const given = await download(page, "hung-helper.safetensors");

  // The same run in one worker: the same weights, bit for bit.
  await page.locator("#train-workers").selectOption("1");
  await page.waitForFunction(() => window.metaglot.train.workers === 1, null, { timeout: 30000 });
  await fillTrainForm(page, fields);
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "running", null, { timeout: 30000 });
  await page.waitForFunction(() => ["finished", "diverged"].includes(window.metaglot.train.state), null, { timeout: 300000 });
  assert.equal((await train(page)).state, "finished");
  const one = await download(page, "hung-one.safetensors");
  assert.ok(given.equals(one), "the weights of the run whose helper hung differ from one worker's");
});
