// End-to-end test of the conv4s2 network (issue 13) in the page: the Train
// view's quick demo of conv4s2 (its Network setting) trains a conv4s2
// FOMAML in the worker, the
// weights file says so (config net, a 5×256 head), and Draw & classify
// fine-tunes and classifies with it; a weights file of a network the page
// cannot run is refused in one line naming it, the current weights kept.
// There is no bundled conv4s2 model: the test trains a few tasks itself.
// Screenshot: e2e/out/conv4s2-classify.png.
import { test, before, after } from "node:test";
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
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 1400 } });
});
after(async () => {
  await ctx?.close();
});

const train = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot.train)));

// header returns a safetensors file's JSON header; withHeader the file
// with another header (padded to 8 bytes, as metaglot writes them).
function header(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  return JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
}
function withHeader(buf, h) {
  const n = Number(buf.readBigUInt64LE(0));
  let s = JSON.stringify(h);
  s += " ".repeat((8 - (Buffer.byteLength(s) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(s)));
  return Buffer.concat([len, Buffer.from(s), buf.subarray(8 + n)]);
}

test("conv4s2 FOMAML: trained in the worker, its file says conv4s2, Draw & classify fine-tunes with it; an unknown net is refused", async () => {
  const { page } = ctx;
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 90000 });

  // The quick demo of conv4s2 fills the form with the Network setting.
  await page.getByLabel("Quick demo").selectOption("fomaml-s2-small");
  await page.waitForFunction(() => !window.metaglot.busy);
  assert.equal(await page.locator("#train-net").inputValue(), "conv4s2");
  assert.equal((await train(page)).form.net, "conv4s2");
  // Shorter, for the test.
  const episodes = 4;
  await fillTrainForm(page, { query: 1, episodes, "meta-batch": 2, "val-every": 0 });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state !== "idle", null, { timeout: 10000 });
  assert.equal(await page.locator("#train-error").textContent(), "");
  await page.waitForFunction(() => window.metaglot.train.state !== "running", null, { timeout: 120000 });
  const st = await train(page);
  assert.equal(st.state, "finished", `training ended ${st.state}: ${st.message}`);
  assert.equal(st.episodes, episodes);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download weights" }).click(),
  ]);
  const file = path.join(out, "conv4s2-weights.safetensors");
  await download.saveAs(file);
  const bytes = readFileSync(file);
  const h = header(bytes);
  assert.equal(JSON.parse(h.__metadata__.config).net, "conv4s2");
  assert.deepEqual(h["head.weight"].shape, [5, 256]);

  // A file whose config names a network the page cannot run: refused in
  // one line naming it, the current weights kept.
  const bad = structuredClone(h);
  const cfg = JSON.parse(bad.__metadata__.config);
  cfg.net = "conv9";
  bad.__metadata__.config = JSON.stringify(cfg);
  await page.locator("#train-load").setInputFiles({ name: "conv9.safetensors", mimeType: "application/octet-stream", buffer: withHeader(bytes, bad) });
  await page.waitForFunction(() => /conv9/.test(document.getElementById("train-message").textContent));
  const refused = await page.locator("#train-message").textContent();
  assert.match(refused, /unknown network "conv9"/);
  assert.match(refused, /current ones are kept/);
  assert.ok(!refused.includes("\n"), `refusal on several lines: ${refused}`);

  await page.getByRole("button", { name: "Use in Draw & classify" }).click();
  await page.waitForFunction(() => /trained in this page/.test(window.metaglot.weights), null, { timeout: 10000 });
  await page.getByRole("tab", { name: "Draw & classify" }).click();
  await page.locator("#try-n").selectOption("5");
  await page.locator("#try-k").selectOption("1");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 5, null, { timeout: 20000 });
  const c0 = await page.evaluate(() => window.metaglot.classifications);
  await page.getByRole("button", { name: /^Classify the real drawing/ }).first().click();
  await page.waitForFunction((c0) => {
    const m = window.metaglot;
    return m.classifications > c0 && m.adapt && m.adapt.after !== null && !m.adaptation.running;
  }, c0, { timeout: 60000 });
  const m = await page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));
  assert.equal(m.algorithm, "fomaml");
  assert.match(m.weights, /trained in this page \(4 episodes\).*Network: conv4s2/);
  assert.equal(m.probabilities.length, 5);
  assert.equal(m.adapt.headWay, 5);
  assert.equal(m.adapt.after.length, 5);
  await page.screenshot({ path: path.join(out, "conv4s2-classify.png") });
});
