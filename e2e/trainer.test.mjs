// End-to-end test of the Train view: meta-training in a Web Worker
// (wasm/worker) while the page keeps drawing, the settings form refusing
// impossible runs, and weights going out (download), back in (load) and
// into the draw-and-classify view. State is read through
// window.metaglot.train; screenshots go to e2e/out/. Run by `make e2e`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage, distDir } from "./lib/browser.mjs";
import { fillTrainForm } from "./lib/trainform.mjs";

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
// frames counts the browser's animation frames (a requestAnimationFrame
// loop the first call installs): they keep coming as long as the page's
// main thread is free. The page itself runs frames only when something
// changed (window.metaglot.frames), so those follow the worker's messages.
const frames = (page) => page.evaluate(() => {
  if (!window.__rafCount) {
    window.__rafCount = 1;
    const tick = () => { window.__rafCount++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  }
  return window.__rafCount;
});

async function openTrain(page) {
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  await page.getByRole("tab", { name: "Train" }).click();
  // The worker loads the Omniglot sheets of both splits first.
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 90000 });
}

// safetensorsMeta returns the metadata of a safetensors file.
function safetensorsMeta(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  return JSON.parse(buf.subarray(8, 8 + n).toString("utf8")).__metadata__;
}

test("bad settings: the form says why and nothing starts", async () => {
  const { page } = ctx;
  await openTrain(page);
  const error = page.locator("#train-error");
  for (const [fields, field, says] of [
    // Refused by the form, with the registry's ranges and rules (core/algo).
    [{ algo: "protonet", way: 5000, shot: 1, query: 5 }, "way", /Classes \(N\) 5000: 30000 images per episode, over the limit of 5000/],
    [{ way: 5, shot: 10, query: 11 }, "query", /shot\+query ≤ 20/],
    [{ shot: 1, query: 5, lr: "-0.01" }, "lr", /Learning rate -0\.01: want a positive number/],
    [{ algo: "fomaml", "inner-lr": "fast" }, "inner-lr", /Inner lr "fast" is not a number/],
  ]) {
    await fillTrainForm(page, fields);
    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForFunction((src) => new RegExp(src).test(document.getElementById("train-error").textContent), says.source, { timeout: 10000 })
      .catch(() => {});
    assert.match(await error.textContent(), says);
    assert.equal(await page.locator("#train-" + field).getAttribute("aria-invalid"), "true");
    const st = await train(page);
    assert.equal(st.state, "idle", "a refused run must not start");
    assert.equal(st.episodes, 0);
  }
  await page.screenshot({ path: path.join(out, "trainer-bad-input.png") });
});

test("ProtoNet from scratch: episodes advance, smoothed loss falls, frames keep coming; weights out, back in, classify", async () => {
  const { page } = ctx;
  await openTrain(page);
  const episodes = 40;
  await fillTrainForm(page, { algo: "protonet", way: 5, shot: 1, query: 5, lr: "0.001", episodes, "val-every": 20, init: "scratch" });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "running", null, { timeout: 10000 });
  assert.equal(await page.locator("#train-error").textContent(), "");

  // Sample the counters while it trains.
  const samples = [];
  for (;;) {
    const st = await train(page);
    samples.push({ t: Date.now(), frames: await frames(page), ...st });
    if (st.state !== "running") break;
    if (samples.length > 600) assert.fail("training did not finish in 5 minutes");
    await new Promise((r) => setTimeout(r, 500));
  }
  const last = samples[samples.length - 1];
  assert.equal(last.state, "finished", `training ended ${last.state}: ${last.message}`);
  assert.equal(last.episodes, episodes);

  // The episode counter advanced through several values.
  const counts = [...new Set(samples.map((s) => s.episodes))];
  assert.ok(counts.length >= 3, `episode counter took only the values ${counts}`);
  for (let i = 1; i < samples.length; i++) assert.ok(samples[i].episodes >= samples[i - 1].episodes);

  // The smoothed loss fell: from random weights the first episodes' loss
  // is high; after 40 episodes it is well below.
  const early = samples.find((s) => s.steps >= 2);
  assert.ok(early, "no sample after the first steps");
  assert.ok(last.smoothedLoss < early.smoothedLoss - 0.1,
    `smoothed loss ${early.smoothedLoss.toFixed(3)} at episode ${early.episodes}, ${last.smoothedLoss.toFixed(3)} at the end`);

  // Frames kept being drawn: in every sampling interval of the run.
  const running = samples.filter((s) => s.state === "running");
  let stalled = 0;
  for (let i = 1; i < running.length; i++) if (running[i].frames === running[i - 1].frames) stalled++;
  assert.equal(stalled, 0, `${stalled} half-second intervals without a frame while training`);
  const fps = (running.at(-1).frames - running[0].frames) / ((running.at(-1).t - running[0].t) / 1000);
  const eps = (running.at(-1).episodes - running[0].episodes) / ((running.at(-1).t - running[0].t) / 1000);
  console.log(`trainer e2e: ${eps.toFixed(2)} episodes/s (ProtoNet 5w1s5q), ${fps.toFixed(1)} frames/s while training, smoothed loss ${early.smoothedLoss.toFixed(3)} → ${last.smoothedLoss.toFixed(3)}; shared, loaded machine`);

  // Held-out accuracy at episodes 20 and 40, and the latest episode shown.
  assert.deepEqual(last.heldOut.map((e) => e.episode), [20, 40]);
  for (const e of last.heldOut) assert.ok(e.acc >= 0 && e.acc <= 1);
  await page.waitForFunction(() => window.metaglot.train.snapshotEpisode > 0);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, "trainer-finished.png"), fullPage: true });

  // Download the weights: a metaglot model file.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download weights" }).click(),
  ]);
  const file = path.join(out, "trainer-weights.safetensors");
  await download.saveAs(file);
  const bytes = readFileSync(file);
  const meta = safetensorsMeta(bytes);
  assert.equal(meta.metaglot, "model");
  assert.equal(meta.algo, "protonet");
  assert.equal(meta.episodes, String(episodes));
  assert.equal(JSON.parse(meta.config).way, 5);

  // A broken file is refused and the weights are kept.
  const message = page.locator("#train-message");
  await page.locator("#train-load").setInputFiles({ name: "broken.safetensors", mimeType: "application/octet-stream", buffer: bytes.subarray(0, 5000) });
  await page.waitForFunction(() => /current ones are kept/.test(document.getElementById("train-message").textContent));
  // A file of another architecture too.
  const other = Buffer.from(bytes);
  const n = Number(other.readBigUInt64LE(0));
  const header = other.subarray(8, 8 + n).toString("utf8").replace('"encoder.3.0.weight"', '"encoder.9.0.weight"');
  await page.locator("#train-load").setInputFiles({ name: "other.safetensors", mimeType: "application/octet-stream", buffer: Buffer.concat([other.subarray(0, 8), Buffer.from(header), other.subarray(8 + n)]) });
  await page.waitForFunction(() => /encoder\.9\.0\.weight/.test(document.getElementById("train-message").textContent));
  assert.match(await message.textContent(), /current ones are kept/);

  // Load the downloaded weights back, and classify with them.
  await page.locator("#train-load").setInputFiles(file);
  await page.waitForFunction(() => /^Loaded ProtoNet weights, trained for 40 episodes/.test(document.getElementById("train-message").textContent));
  await page.getByRole("button", { name: "Use in Draw & classify" }).click();
  await page.waitForFunction(() => /trained in this page/.test(window.metaglot.weights), null, { timeout: 10000 });

  await page.getByRole("tab", { name: "Draw & classify" }).click();
  await page.locator("#try-n").selectOption("5");
  await page.locator("#try-k").selectOption("1");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 5, null, { timeout: 20000 });
  const before = await page.evaluate(() => window.metaglot.classifications);
  await page.getByRole("button", { name: /^Classify the real drawing/ }).first().click();
  await page.waitForFunction((b) => window.metaglot.classifications > b && window.metaglot.probabilities, before, { timeout: 10000 });
  const st = await page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));
  assert.equal(st.algorithm, "protonet");
  assert.match(st.weights, /trained in this page \(40 episodes\)/);
  assert.equal(st.probabilities.length, 5);
  await page.screenshot({ path: path.join(out, "trainer-classify.png") });

  // The classes of Draw & classify (here 5 characters, 1 drawing each) are
  // projected into the embedding view of the latest episode.
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.userPoints === 5, null, { timeout: 30000 });
  await page.locator("#slot-embedding").screenshot({ path: path.join(out, "trainer-embedding.png") });
  await page.getByRole("tab", { name: "Draw & classify" }).click();
  await page.getByRole("button", { name: "Back to my classes" }).click().catch(() => {});
});

test("continuing the bundled FOMAML: the form shows and the run gets its recorded recipe, not the page's defaults", async () => {
  const { page } = ctx;
  await openTrain(page);
  // The recipe the bundled model records (the "config" of its metadata):
  // the bundled FOMAML is meta-trained from a random start with Finn et
  // al.'s recipe (meta-batches of 32 tasks, one query per class).
  const meta = safetensorsMeta(readFileSync(path.join(distDir, "assets", "models", "fomaml.safetensors")));
  const recipe = JSON.parse(meta.config);
  const keys = ["way", "shot", "query", "lr", "lr_halve_every", "inner_steps", "inner_lr", "adapt_steps", "meta_batch", "proto_head", "bn", "split"];
  // What a field shows for a setting the recipe leaves out (a menu's first choice).
  const shown = (k) => recipe[k] ?? { bn: "support", split: "vinyals" }[k];

  // From scratch, the page's own settings (core/algo's Quick), which
  // differ from the recipe in the episode shape and meta-batch.
  await fillTrainForm(page, { algo: "fomaml", init: "scratch" });
  let st = await train(page);
  for (const k of ["query", "meta_batch"]) {
    assert.notEqual(st.form[k], recipe[k], `the page's default ${k} is the recipe's: the test cannot tell them apart`);
  }

  // From the bundled model: its recipe, in the state and in the fields.
  await fillTrainForm(page, { init: "bundled" });
  await page.waitForFunction((mb) => window.metaglot.train.form.meta_batch === mb, recipe.meta_batch, { timeout: 30000 });
  st = await train(page);
  for (const k of keys) assert.equal(st.form[k], shown(k), `form ${k}`);
  assert.equal(await page.locator("#train-bn").inputValue(), shown("bn"));
  assert.equal(await page.locator("#train-proto-head").isChecked(), recipe.proto_head);
  assert.equal(await page.locator("#train-inner-lr").inputValue(), String(recipe.inner_lr));
  assert.equal(await page.locator("#train-meta-batch").inputValue(), String(recipe.meta_batch));
  await page.screenshot({ path: path.join(out, "trainer-recipe.png") });

  // A short run continues it with that recipe.
  const episodes = 2 * recipe.meta_batch;
  await fillTrainForm(page, { episodes, "val-every": 0 });
  await page.getByRole("button", { name: "Start" }).click();
  // (The ProtoNet run before this one finished: wait for this one's end.)
  await page.waitForFunction(() => (window.metaglot.train.algorithm === "fomaml" && ["finished", "diverged", "stopped"].includes(window.metaglot.train.state)) ||
    /Not started/.test(document.getElementById("train-error").textContent), null, { timeout: 180000 });
  st = await train(page);
  assert.equal(await page.locator("#train-error").textContent(), "");
  assert.equal(st.state, "finished", `${st.state}: ${st.message}`);
  assert.equal(st.algorithm, "fomaml");
  assert.equal(st.episodes, episodes);
  assert.equal(st.sent.init, "bundled");
  for (const k of keys) assert.equal(st.sent[k], shown(k), `sent ${k}`);

  // The weights the worker trained record that recipe, and the model they
  // continue.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download weights" }).click(),
  ]);
  const file = path.join(out, "trainer-recipe.safetensors");
  await download.saveAs(file);
  const trained = JSON.parse(safetensorsMeta(readFileSync(file)).config);
  // (A menu's first choice may be written out or left out.)
  for (const k of keys) assert.equal(k === "bn" || k === "split" ? trained[k] || shown(k) : trained[k], shown(k), `trained with ${k}`);
  assert.match(trained.init, new RegExp(`^fomaml\\.safetensors \\(fomaml, ${meta.episodes} episodes, sha256 [0-9a-f]+\\)$`));
});

test("FOMAML from scratch with the paper's recipe, shorter: held-out accuracy before and after adaptation, two lines", async () => {
  const { page } = ctx;
  await openTrain(page);
  // Random weights, the bundled model's recipe (Finn et al.'s: meta-batches
  // of 32 tasks of 5-way 1-shot with one query per class, one inner step of
  // 0.4), the page's run length; held-out accuracy every 2 meta-batches.
  await fillTrainForm(page, { algo: "fomaml", init: "recipe" });
  await page.waitForFunction(() => window.metaglot.train.form.meta_batch === 32, null, { timeout: 30000 });
  await fillTrainForm(page, { "val-every": 64, "val-episodes": 20 });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.algorithm === "fomaml" && window.metaglot.train.state === "running" && window.metaglot.train.heldOut.length >= 2 ||
    /Not started/.test(document.getElementById("train-error").textContent), null, { timeout: 240000 });
  let st = await train(page);
  assert.equal(await page.locator("#train-error").textContent(), "");
  assert.equal(st.sent.init, "scratch");
  assert.equal(st.sent.meta_batch, 32);
  assert.equal(st.sent.query, 1);
  assert.equal(st.sent.inner_lr, 0.4);
  assert.equal(st.adapts, true);
  for (const e of st.heldOut) {
    assert.ok(Number.isFinite(e.acc) && Number.isFinite(e.before), `held-out ${JSON.stringify(e)}`);
    assert.ok(e.before >= 0 && e.before <= 1 && e.acc >= 0 && e.acc <= 1, `held-out ${JSON.stringify(e)}`);
  }
  console.log(`FOMAML from scratch, held-out before → after adaptation: ${st.heldOut.map((e) => `episode ${e.episode}: ${(100 * e.before).toFixed(1)}% → ${(100 * e.acc).toFixed(1)}%`).join(", ")}`);
  // The accuracy chart draws both series (their colours, trainview's
  // heldOut and heldOutBefore), and the status says both.
  await page.waitForTimeout(300);
  const px = await page.evaluate(() => {
    const cv = document.querySelector("#slot-acc canvas");
    const d = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
    let after = 0, before = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] === 0xd9 && d[i + 1] === 0x6c && d[i + 2] === 0x00) after++;
      if (d[i] === 0x7b && d[i + 1] === 0x3f && d[i + 2] === 0xa0) before++;
    }
    return { after, before };
  });
  assert.ok(px.after > 50 && px.before > 50, `chart pixels: adapted line ${px.after}, before line ${px.before}`);
  assert.match(await page.locator("#train-status").textContent(), /held-out [\d.]+% ± [\d.]+ \(before adaptation [\d.]+%\)/);
  await page.locator("#panel-curves").screenshot({ path: path.join(out, "trainer-before-after.png") });
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "stopped", null, { timeout: 60000 });
});

test("Reptile from scratch with Nichol et al.'s recipe, shorter: the stride-2 network, inner minibatches, held-out before and after", async () => {
  const { page } = ctx;
  await openTrain(page);
  // Random weights and the bundled Reptile's recipe (Nichol et al.'s:
  // conv4s2, meta-batches of 5 tasks of 5-way with 10 images per class,
  // 5 inner steps on minibatches of 10, transductive BatchNorm), the
  // page's run length; held-out accuracy every 2 meta-batches.
  await fillTrainForm(page, { algo: "reptile", init: "recipe" });
  await page.waitForFunction(() => window.metaglot.train.form.inner_batch === 10, null, { timeout: 30000 });
  await fillTrainForm(page, { "val-every": 10, "val-episodes": 10 });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.algorithm === "reptile" && window.metaglot.train.state === "running" && window.metaglot.train.heldOut.length >= 2 ||
    /Not started/.test(document.getElementById("train-error").textContent), null, { timeout: 240000 });
  const st = await train(page);
  assert.equal(await page.locator("#train-error").textContent(), "");
  assert.equal(st.sent.init, "scratch");
  assert.equal(st.sent.net, "conv4s2");
  assert.equal(st.sent.shot, 10);
  assert.equal(st.sent.inner_batch, 10);
  assert.equal(st.sent.meta_batch, 5);
  assert.equal(st.sent.bn, "transductive");
  assert.equal(st.adapts, true);
  for (const e of st.heldOut) {
    assert.ok(Number.isFinite(e.acc) && Number.isFinite(e.before) && e.acc >= 0 && e.acc <= 1 && e.before >= 0 && e.before <= 1, `held-out ${JSON.stringify(e)}`);
  }
  console.log(`Reptile from scratch, held-out before → after adaptation: ${st.heldOut.map((e) => `episode ${e.episode}: ${(100 * e.before).toFixed(1)}% → ${(100 * e.acc).toFixed(1)}%`).join(", ")}`);
  assert.match(await page.locator("#train-status").textContent(), /held-out [\d.]+% ± [\d.]+ \(before adaptation [\d.]+%\)/);
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "stopped", null, { timeout: 60000 });
});

test("pause, resume, stop; a loss that becomes NaN stops training and says so", async () => {
  const { page } = ctx;
  await openTrain(page);
  // From scratch: the weights the worker holds now are the previous test's
  // FOMAML, a stride-2 network that a ProtoNet Conv4 cannot start from.
  await fillTrainForm(page, { algo: "protonet", way: 5, shot: 1, query: 1, lr: "0.001", episodes: 100000, "val-every": 0, init: "scratch" });
  await page.getByRole("button", { name: "Start" }).click();
  // Wait for this run, not the count the previous test's stopped run left
  // behind: ProtoNet running, two episodes in, its Pause button enabled (the
  // page renders the buttons in its next frame). A refused start ends the
  // wait too, and the assertion after it says why.
  const started = await page.waitForFunction(() => {
    const t = window.metaglot.train;
    return t.algorithm === "protonet" && t.state === "running" && t.episodes >= 2 && !document.getElementById("train-pause").disabled ||
      /Not started/.test(document.getElementById("train-error").textContent);
  }, null, { timeout: 120000 }).then(() => true, () => false);
  const before = await train(page);
  assert.ok(started, `the ProtoNet run never showed as running with Pause enabled: state ${before.state}, algorithm ${before.algorithm}, episodes ${before.episodes}, message ${JSON.stringify(before.message)}, pause disabled ${await page.locator("#train-pause").isDisabled()}`);
  assert.equal(await page.locator("#train-error").textContent(), "");
  await page.getByRole("button", { name: "Pause" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "paused", null, { timeout: 30000 });
  const paused = (await train(page)).episodes;
  await page.waitForTimeout(1500);
  assert.equal((await train(page)).episodes, paused, "episodes advanced while paused");
  await page.getByRole("button", { name: "Resume" }).click();
  await page.waitForFunction((p) => window.metaglot.train.episodes > p, paused, { timeout: 60000 });
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "stopped", null, { timeout: 30000 });

  // Reptile with absurd step sizes blows up within a few episodes.
  await fillTrainForm(page, { algo: "reptile", way: 2, shot: 1, query: 1, lr: "1e30", "inner-lr": 10, "inner-steps": 2, "meta-batch": 1, episodes: 200, "val-every": 0, init: "scratch" });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "diverged", null, { timeout: 120000 });
  const st = await train(page);
  assert.match(st.message, /diverged and stopped: training stopped at episode \d+: .*(NaN|Inf).*; the weights of episode \d+ are kept/);
  assert.ok(st.episodes < 200);
  await page.screenshot({ path: path.join(out, "trainer-diverged.png") });
});
