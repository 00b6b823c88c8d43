// End-to-end test of data-parallel training in the page: the Train view's
// worker splits each FOMAML meta-batch with helper Web Workers
// (wasm/worker helpers_js.go, core/train Split) when the page is opened
// with ?workers=N, and the weights are bit-identical to a run in one
// worker; ProtoNet stays in one worker and says why. Speed and frame
// rate are measured by parallel.bench.mjs, not here. Run by `make e2e`.
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

const pages = [];
after(async () => {
  for (const p of pages) await p.close();
});

const train = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot.train)));

// open loads the page with a number of workers and opens the Train view.
async function open(workers) {
  const ctx = await startPage({ path: `/?workers=${workers}`, viewport: { width: 1280, height: 1400 } });
  pages.push(ctx);
  const { page } = ctx;
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 120000 });
  return page;
}

// runToEnd starts a run of the form's fields and waits for it to finish;
// running is the Train view's message while it runs.
async function runToEnd(page, fields) {
  await fillTrainForm(page, fields);
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state !== "idle", null, { timeout: 30000 });
  const running = await page.locator("#train-message").textContent();
  await page.waitForFunction(() => window.metaglot.train.state === "finished" || window.metaglot.train.state === "diverged",
    null, { timeout: 300000 });
  return { ...(await train(page)), running };
}

// tensorBytes returns the tensors of a safetensors file (after its
// header, whose metadata holds the wall time) and the metadata.
function tensorBytes(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  return { data: buf.subarray(8 + n), meta: header.__metadata__ };
}

async function download(page, name) {
  const [d] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download weights" }).click(),
  ]);
  const file = path.join(out, name);
  await d.saveAs(file);
  return readFileSync(file);
}

const fomaml = { algo: "fomaml", init: "scratch", way: 5, shot: 1, query: 5, "meta-batch": 4, "inner-steps": 1, "inner-lr": 0.4, episodes: 24, "val-every": 12, seed: 7 };

test("FOMAML in 2 workers trains the weights of 1 worker, bit for bit", async () => {
  const one = await open(1);
  const two = await open(2);
  assert.equal((await train(one)).workers, 1);
  assert.equal((await train(two)).workers, 2);

  const s1 = await runToEnd(one, fomaml);
  const s2 = await runToEnd(two, fomaml);
  assert.equal(s1.state, "finished", JSON.stringify(s1));
  assert.equal(s2.state, "finished", JSON.stringify(s2));
  assert.equal(s1.workersUsed, 1);
  assert.equal(s2.workersUsed, 2, "the 2-worker page's run uses 2 workers");
  assert.match(s2.running, /in 2 workers, each computing 2 of the 4 tasks/);
  assert.equal(s2.episodes, s1.episodes);
  assert.equal(s2.lastLoss, s1.lastLoss, "the last step's loss");
  assert.deepEqual(s2.heldOut, s1.heldOut, "held-out accuracy");

  const w1 = tensorBytes(await download(one, "parallel-fomaml-1.safetensors"));
  const w2 = tensorBytes(await download(two, "parallel-fomaml-2.safetensors"));
  assert.equal(w2.meta.episodes, w1.meta.episodes);
  assert.ok(w1.data.length > 400000, `weights of ${w1.data.length} bytes`);
  assert.ok(w1.data.equals(w2.data), "the weights of 2 workers differ from 1 worker's");
});

test("the workers menu sets the next run's workers; ProtoNet stays in one worker and says why", async () => {
  const page = await open(1);
  // The menu shows the page's number of workers (here ?workers=1) and
  // offers 1 to 8, the default marked; choosing 3 applies to the next run.
  assert.equal(await page.locator("#train-workers").inputValue(), "1");
  assert.equal(await page.locator("#train-workers option").count(), 8);
  assert.equal(await page.locator("#train-workers option", { hasText: "default" }).count(), 1);
  await page.locator("#train-workers").selectOption("3");
  await page.waitForFunction(() => window.metaglot.train.workers === 3, null, { timeout: 30000 });
  await fillTrainForm(page, { algo: "protonet", init: "scratch", way: 5, shot: 1, query: 2, episodes: 100000, "val-every": 0 });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "running", null, { timeout: 30000 });
  const msg = await page.locator("#train-message").textContent();
  assert.match(msg, /in one worker of the 3 asked for: its step is one episode whose BatchNorm/);
  const s = await train(page);
  assert.equal(s.workers, 3);
  assert.equal(s.workersUsed, 1);
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "stopped", null, { timeout: 60000 });
});

test("a bad workers parameter is named and the default used", async () => {
  const ctx = await startPage({ path: "/?workers=lots", viewport: { width: 1280, height: 1400 } });
  pages.push(ctx);
  const { page } = ctx;
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  await page.getByRole("tab", { name: "Train" }).click();
  // The tab's click is applied by the next update, which starts the
  // worker and reads the parameter: wait for it.
  await page.waitForFunction(() => window.metaglot.train.workers > 0, null, { timeout: 30000 });
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const s = await train(page);
  assert.equal(s.workers, Math.min(Math.max(cores - 1, 1), 4));
  assert.match(s.workersError, /workers="lots" is not a number of workers from 1 to 8/);
});
