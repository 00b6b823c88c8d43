// End-to-end test of FOMAML's inner loop on the page: the inner steps and
// learning rate fields (bad values refused, good ones re-adapt), the
// support loss of each step and the query's probabilities before and after
// adaptation — after each step while the steps run (the trace), the
// final ones at the end — read back through window.metaglot.adapt;
// screenshots in e2e/out/inner-fomaml.png (adapted) and
// e2e/out/inner-fomaml-mid.png (in the middle of a 100-step adaptation).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { settled, addClass, draw, circle, cross, bar } from "./lib/draw.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "out");
mkdirSync(out, { recursive: true });

let ctx;
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 1300 } });
});
after(async () => {
  await ctx?.close();
});

// LR is the inner learning rate the test sets, other than the bundled
// FOMAML's own (0.4), and LRre its text in a regular expression. The
// bundled FOMAML (the stride-2 network, transductive BatchNorm, used one
// drawing at a time) is confident on this drawn task (support loss 4.0
// before the first step, the query 0.9999 on one class): at 0.2 the
// support loss goes 4.0, 3.5, 0.25, 0.71, then 3e-7, and the query moves
// to another class (0.99) by the fourth step, each later step still
// changing its last digits; at 0.1 the loss falls as fast but the query
// moves by 0.006 only, and at 0.01 by 0.0008. (Its own 10 steps of 0.4 move
// it to the same class as 0.2.)
const LR = 0.2;
const LRre = String(LR).replace(".", "\\.");

const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));

// setField types value into the field with the given label (its id
// with a dash for the space) and commits it
// (a change event), as a user does by leaving the field.
async function setField(page, label, value) {
  const f = page.locator("#" + label.replace(" ", "-"));
  await f.fill(value);
  await f.press("Tab");
  await settled(page);
}

// adapted waits until the query is classified with the given settings.
async function adapted(page, steps, lr) {
  await page.waitForFunction(([s, l]) => {
    const a = window.metaglot.adapt;
    return a && a.steps === s && Math.abs(a.lr - l) < 1e-9 && a.after !== null && a.losses.length === s;
  }, [steps, lr], { timeout: 60000 }).catch(async (e) => {
    const m = await state(page);
    throw new Error(`not adapted with ${steps} steps at lr ${lr}: hint ${m.hint}, message ${m.message}, adapt ${JSON.stringify(m.adapt)}: ${e.message}`);
  });
  await settled(page);
}

test("FOMAML's inner loop: losses per step, probabilities before and after, settings", async (t) => {
  const { page } = ctx;
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  // A hard task, whose classes share shapes: the prototypes of the
  // meta-learned network do not fit the support (its loss is well above 0),
  // so the inner steps have something to do. (With three distinct shapes
  // the support loss is already about 0 and adaptation changes nothing.)
  const task = {
    "circle-bar": [circle(30), bar(30)],
    "circle-cross": [circle(24, 4), cross(30)],
    "bar-cross": [bar(24, 4), cross(24, 4)],
  };
  for (const [name, examples] of Object.entries(task)) {
    await addClass(page, name);
    for (const ex of examples) {
      await draw(page, "slot-draw", ex);
      await page.getByRole("button", { name: "Add to class" }).click();
      await settled(page);
    }
  }
  await draw(page, "slot-query", cross(27, -3));

  // ProtoNet has no inner loop: no fields, no adapt state.
  assert.equal((await state(page)).adapt, null);
  assert.equal(await page.locator("#inner-box").isVisible(), false);

  await page.locator("#algorithm").selectOption("fomaml");
  await page.waitForFunction(() => {
    const m = window.metaglot;
    return "fomaml" in m.unavailable || (m.adapt && m.adapt.after !== null);
  }, null, { timeout: 60000 });
  let st = await state(page);
  if ("fomaml" in st.unavailable) {
    t.skip(`fomaml not available: ${st.unavailable.fomaml}`);
    return;
  }
  await settled(page);
  st = await state(page);
  // The fields show the model's own settings.
  assert.equal(st.adapt.steps, st.adapt.defaultSteps);
  assert.equal(st.adapt.lr, st.adapt.defaultLR);
  assert.equal(await page.locator("#inner-steps").inputValue(), String(st.adapt.defaultSteps));
  assert.equal(st.adapt.losses.length, st.adapt.steps);
  // The bundled FOMAML has a learned 5-way head: three classes start its
  // inner loop from the prototype head, and the page says so.
  assert.equal(st.adapt.headWay, 5);
  assert.match(st.adapt.headNote, /5-way head and you have 3 classes.*prototype head/);
  assert.match(await page.locator("#head-note").textContent(), /you have 3 classes/);
  console.log(`fomaml own settings: ${st.adapt.steps} steps at lr ${st.adapt.lr}; before ${JSON.stringify(st.adapt.before)}, after ${JSON.stringify(st.adapt.after)}`);

  // Bad values: a message naming them, the settings and fields unchanged.
  for (const [label, value, want] of [["inner lr", "fast", /"fast" is not a number/], ["inner lr", "-1", /learning rate -1/], ["inner steps", "1000", /inner steps 1000/]]) {
    await setField(page, label, value);
    st = await state(page);
    assert.match(st.message, want);
    assert.match(await page.locator("#message").textContent(), want);
    assert.equal(st.adapt.lr, st.adapt.defaultLR, `${label} ${value} applied`);
    assert.equal(st.adapt.steps, st.adapt.defaultSteps, `${label} ${value} applied`);
    assert.equal(await page.locator("#inner-lr").inputValue(), String(st.adapt.defaultLR));
    assert.equal(await page.locator("#inner-steps").inputValue(), String(st.adapt.defaultSteps));
  }

  // Another learning rate re-adapts (LR, not the model's own): record the
  // losses every animation frame to see them come one step at a time.
  await page.evaluate(() => {
    window.__losses = [];
    window.__labels = [];
    const rec = () => {
      const a = window.metaglot.adapt;
      window.__losses.push(a ? a.losses.length : -1);
      // The heading over the bars, and how many bars before and after.
      const rows = (id) => document.querySelectorAll(`#${id} .bar-row`).length;
      window.__labels.push(`${document.getElementById("after-label").textContent}|${rows("bars-before")}|${rows("bars")}`);
      if (window.__losses.length < 3000) requestAnimationFrame(rec);
    };
    requestAnimationFrame(rec);
  });
  const steps = st.adapt.steps;
  await setField(page, "inner lr", String(LR));
  await adapted(page, steps, LR);
  st = await state(page);
  const seen = new Set(await page.evaluate(() => window.__losses));
  assert.ok(seen.size >= 3, `losses seen at counts ${[...seen]}`);
  assert.equal(st.adapt.losses.length, steps);
  assert.ok(st.adapt.losses.every(Number.isFinite), `losses ${st.adapt.losses}`);
  const diff = Math.max(...st.adapt.after.map((p, i) => Math.abs(p - st.adapt.before[i])));
  console.log(`lr ${LR}: losses ${st.adapt.losses.map((l) => l.toPrecision(3)).join(" ")}; before ${st.adapt.before.map((p) => p.toPrecision(3))}, after ${st.adapt.after.map((p) => p.toPrecision(3))}`);
  assert.ok(diff > 0.01, `adaptation changed no probability by 0.01: before ${st.adapt.before}, after ${st.adapt.after}`);
  // The query's probabilities after each step: a row per step, the last
  // one the final probabilities, changing along the way; the page showed
  // them while the steps ran ("After k of n steps…").
  const trace = st.adapt.trace;
  assert.equal(trace.length, steps);
  for (const row of trace) assert.equal(row.length, 3);
  const lastDiff = Math.max(...trace[steps - 1].map((p, i) => Math.abs(p - st.adapt.after[i])));
  assert.ok(lastDiff < 1e-6, `last trace row ${trace[steps - 1]} ≠ after ${st.adapt.after}`);
  // The change shows while the steps run, not only at the end: some row
  // before the last already differs from the probabilities before
  // adaptation (with the bundled model's large logits, one step of 0.01
  // may do all of it), and every step's row is its own.
  const moved = Math.max(...trace.slice(0, steps - 1).map((row) => Math.max(...row.map((p, i) => Math.abs(p - st.adapt.before[i])))));
  const stepChanges = trace.slice(1).filter((row, k) => row.some((p, i) => p !== trace[k][i])).length;
  console.log(`lr ${LR} trace: ${trace.map((r) => r.map((p) => p.toFixed(3)).join("/")).join(" ")}; rows before the last moved up to ${moved.toFixed(4)} from before adaptation, ${stepChanges} of ${steps - 1} steps changed it`);
  assert.ok(moved > 1e-3, `the probabilities do not change along the trace: before ${JSON.stringify(st.adapt.before)}, trace ${JSON.stringify(trace)}`);
  assert.equal(stepChanges, steps - 1, `some steps left the probabilities unchanged: ${JSON.stringify(trace)}`);
  const labels = await page.evaluate(() => window.__labels);
  const mid = labels.filter((l) => new RegExp(`^After ([1-9]\\d*) of ${steps} steps at learning rate ${LRre}…\\|3\\|3$`).test(l) && !l.startsWith(`After ${steps} of`));
  assert.ok(mid.length >= 1, `no frame showed the probabilities (3 bars before, 3 after) in the middle of the steps: frames seen ${[...new Set(labels)]}`);
  // The page shows it: a point per step in the chart, both bar lists.
  const points = (await page.locator("#loss-line").getAttribute("points")).trim().split(/\s+/);
  assert.equal(points.length, steps);
  assert.equal(await page.locator("#bars-before .bar-row").count(), 3);
  assert.equal(await page.locator("#bars .bar-row").count(), 3);
  assert.match(await page.locator("#after-label").textContent(), new RegExp(`After ${steps} steps at learning rate ${LRre}`));
  await page.locator("#panel-query").screenshot({ path: path.join(out, "inner-fomaml.png") });

  // Fewer steps: as many losses.
  await setField(page, "inner steps", "3");
  await adapted(page, 3, LR);
  st = await state(page);
  assert.equal(st.adapt.losses.length, 3);
  assert.equal((await page.locator("#loss-line").getAttribute("points")).trim().split(/\s+/).length, 3);
  assert.equal(st.adapt.trace.length, 3);

  // In the middle of a long adaptation the page shows the probabilities so
  // far under "After k of 100 steps…" (a screenshot to look at).
  const f = page.locator("#inner-steps");
  await f.fill("100");
  await f.press("Tab");
  await page.waitForFunction(() => {
    const a = window.metaglot.adapt;
    return a && a.steps === 100 && a.trace.length >= 20 && window.metaglot.adaptation.running;
  }, null, { timeout: 60000 });
  await page.locator("#panel-query").screenshot({ path: path.join(out, "inner-fomaml-mid.png") });
  const shown = await page.locator("#after-label").textContent();
  await adapted(page, 100, LR);
  st = await state(page);
  console.log(`mid-adaptation screenshot labelled ${JSON.stringify(shown)}; 100 steps in ${st.adaptation.lastMs.toFixed(0)} ms`);
  assert.equal(st.adapt.trace.length, 100);
  assert.equal(await page.locator("#bars .bar-row").count(), 3);
});
