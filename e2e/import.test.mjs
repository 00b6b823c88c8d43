// End-to-end test of the page's imports of files the user chooses: weights
// in the Train view ("Load weights") and classes in Draw & classify
// ("Import JSON"). Files too large or not of the right kind are refused
// from their size or their first bytes, without the page reading them
// whole; good files still load; class names lose control and bidi
// characters. Times and frame gaps are reported, not asserted (figures in
// e2e/out/import-figures.json). Run by `make e2e` (node --test).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomFillSync } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPage } from "./lib/browser.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "out");
mkdirSync(out, { recursive: true });
const repo = path.resolve(here, "..");
const MB = 1 << 20;

let ctx;
let tmp;
const figures = {};
before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "metaglot-import-"));
  ctx = await startPage({ viewport: { width: 1280, height: 1400 } });
  await ctx.page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
});
after(async () => {
  await ctx?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  writeFileSync(path.join(out, "import-figures.json"), JSON.stringify(figures, null, 2));
});

const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));

// randomFile writes size random bytes to a file of the temporary folder
// (playwright hands files over 50 MB to the browser only by path).
function randomFile(name, size) {
  const file = path.join(tmp, name);
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(4 * MB);
  for (let done = 0; done < size; done += chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(chunk.length, size - done));
  }
  closeSync(fd);
  return file;
}

// watchFrames records the time of every animation frame the browser runs
// (the page itself draws only on change, so its own counter says nothing
// about a blocked main thread; a callback that runs late does).
async function watchFrames(page) {
  await page.evaluate(() => {
    window.__frames = [];
    const rec = (t) => {
      window.__frames.push(t);
      if (window.__watching) requestAnimationFrame(rec);
    };
    window.__watching = true;
    requestAnimationFrame(rec);
  });
}

// longestStall stops watchFrames and returns the longest time (ms) between
// two animation frames: how long the main thread was kept from drawing.
async function longestStall(page) {
  return page.evaluate(() => {
    window.__watching = false;
    let worst = 0;
    const ts = window.__frames;
    for (let i = 1; i < ts.length; i++) worst = Math.max(worst, ts[i] - ts[i - 1]);
    return worst;
  });
}

// loadWeights chooses file in the Train view's "Load weights" and returns
// the Train view's next message, the time it took and the longest stall.
async function loadWeights(page, file) {
  await page.evaluate(() => { document.getElementById("train-message").textContent = ""; });
  await watchFrames(page);
  const mem0 = await page.evaluate(() => window.metaglot.wasmBytes);
  const t0 = Date.now();
  await page.locator("#train-load").setInputFiles(file);
  await page.waitForFunction(() => document.getElementById("train-message").textContent !== "", null, { timeout: 180000 });
  const ms = Date.now() - t0;
  const stall = await longestStall(page);
  const mem1 = await page.evaluate(() => window.metaglot.wasmBytes);
  const message = await page.locator("#train-message").textContent();
  return { message, ms, stallMs: Math.round(stall), pageWasmGrowthBytes: mem1 - mem0 };
}

test("weights: a 50 MB random file is refused by its header, a 200 MB one by its size, a good file loads", async () => {
  const { page } = ctx;
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 90000 });

  const big = await loadWeights(page, randomFile("random-50MB.safetensors", 50 * MB));
  console.log("50 MB random weights file:", JSON.stringify(big));
  figures.weights50MB = big;
  assert.match(big.message, /random-50MB\.safetensors is not a safetensors file/);
  assert.match(big.message, /current ones are kept/);
  // Refused from its first 8 bytes: the page never holds the file (this
  // runs first, while the page's memory has not yet grown for a big file).
  assert.ok(big.pageWasmGrowthBytes < 8 * MB, `the page's memory grew by ${big.pageWasmGrowthBytes} bytes`);

  const huge = await loadWeights(page, randomFile("random-200MB.safetensors", 200 * MB));
  console.log("200 MB random weights file:", JSON.stringify(huge));
  figures.weights200MB = huge;
  assert.match(huge.message, /random-200MB\.safetensors is 200\.0 MB: a weights file has at most 64 MB/);
  assert.match(huge.message, /current ones are kept/);
  assert.ok(huge.pageWasmGrowthBytes < 8 * MB, `the page's memory grew by ${huge.pageWasmGrowthBytes} bytes`);

  const good = await loadWeights(page, path.join(repo, "assets", "models", "protonet.safetensors"));
  console.log("bundled ProtoNet weights:", JSON.stringify(good));
  figures.weightsGood = good;
  assert.match(good.message, /^Loaded ProtoNet weights/);
  await page.screenshot({ path: path.join(out, "import-weights.png") });
  await page.getByRole("tab", { name: "Draw & classify" }).click();
});

// classesDoc returns a valid classes document of about size bytes: 20
// classes of 20 examples, each a few strokes of many points (within the
// per-drawing limits).
function classesDoc(size) {
  const pointsPer = 4000;
  const stroke = JSON.stringify(Array.from({ length: pointsPer }, (_, i) => [50.25 + (i % 7), 40.5 + (i % 11)]));
  const strokesPer = Math.max(1, Math.round(size / (400 * stroke.length)));
  const ex = `{"strokes":[${Array(strokesPer).fill(stroke).join(",")}]}`;
  const cls = (c) => `{"name":"c${c}","examples":[${Array(20).fill(ex).join(",")}]}`;
  return `{"format":"metaglot-classes","version":1,"classes":[${Array.from({ length: 20 }, (_, c) => cls(c)).join(",")}]}`;
}

test("classes: a 50 MB classes file is refused by its size; the classes stay", async () => {
  const { page } = ctx;
  await page.getByRole("button", { name: "Add class" }).click();
  await page.waitForFunction(() => window.metaglot.classes.length > 0);
  const before = (await state(page)).classes;
  const file = path.join(tmp, "big-classes.json");
  writeFileSync(file, classesDoc(50 * MB));
  await page.evaluate(() => { document.getElementById("message").textContent = ""; });
  const mem0 = await page.evaluate(() => window.metaglot.wasmBytes);
  const t0 = Date.now();
  await page.locator("#import-file").setInputFiles(file);
  await page.waitForFunction(() => /big-classes\.json/.test(window.metaglot.message), null, { timeout: 180000 });
  const ms = Date.now() - t0;
  const st = await state(page);
  const growth = (await page.evaluate(() => window.metaglot.wasmBytes)) - mem0;
  figures.classes50MB = { message: st.message, ms, pageWasmGrowthBytes: growth };
  console.log("50 MB classes file:", JSON.stringify(figures.classes50MB));
  assert.match(st.message, /^Import of big-classes\.json failed: the file is 5\d\.\d MB; a classes file has at most 16 MB/);
  assert.match(st.message, /unchanged/);
  assert.deepEqual(st.classes, before);
  assert.ok(growth < 8 * MB, `the page's memory grew by ${growth} bytes`);
});

test("class names: control and bidi characters are dropped, typed or imported", async () => {
  const { page } = ctx;
  // Typed: the name field of the first class.
  const field = page.getByRole("textbox", { name: /^Name of class/ }).first();
  const old = (await state(page)).classes[0].name;
  await field.fill("a\u202Eevil\u0007");
  await field.press("Enter");
  await page.waitForFunction((o) => window.metaglot.classes[0].name !== o, old);
  assert.equal((await state(page)).classes[0].name, "aevil");

  // Imported.
  const doc = { format: "metaglot-classes", version: 1, classes: [
    { name: "left\u2067to\u2069right\u200E", examples: [] },
    { name: "tab\there\u0000", examples: [] },
  ] };
  await page.locator("#import-file").setInputFiles({ name: "bidi.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(doc)) });
  await page.waitForFunction(() => /^Imported 2 classes/.test(window.metaglot.message));
  assert.deepEqual((await state(page)).classes.map((c) => c.name), ["lefttoright", "tab here"]);
  assert.deepEqual(await page.locator("#class-list li").evaluateAll((els) => els.map((e) => e.dataset.name)), ["lefttoright", "tab here"]);
});
