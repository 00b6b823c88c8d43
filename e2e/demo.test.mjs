// End-to-end test of the draw-and-classify page: real pointer events on the
// canvas, the state read back through window.metaglot, screenshots in
// e2e/out/. Run by `make e2e` (node --test) against a freshly built dist.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { settled, addClass, stroke, draw, circle, cross, bar } from "./lib/draw.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "out");
mkdirSync(out, { recursive: true });

let ctx; // { browser, page, url, close } from the harness

before(async () => {
  // Tall enough that the whole page fits: the canvas covers the viewport.
  ctx = await startPage({ viewport: { width: 1280, height: 1100 } });
});
after(async () => {
  await ctx?.close();
});

// state returns a snapshot of window.metaglot.
const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));

async function ready(page) {
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
}

async function shot(page, name) {
  await settled(page);
  await page.screenshot({ path: path.join(out, name) });
}

test("draw three classes, classify a query, keep them across a reload", async () => {
  const { page } = ctx;
  await ready(page);

  // Nothing to classify yet: a hint, not an error.
  await stroke(page, "slot-query", bar()[0]);
  let st = await state(page);
  assert.equal(st.probabilities, null);
  assert.match(await page.locator("#hint").textContent(), /add a class/i);
  await page.getByRole("button", { name: "Clear" }).nth(1).click();

  const shapes = { circle, cross, bar };
  for (const [name, shape] of Object.entries(shapes)) {
    await addClass(page, name);
    for (const [s, dx] of [[30, 0], [24, 4]]) {
      await draw(page, "slot-draw", shape(s, dx));
      await page.getByRole("button", { name: "Add to class" }).click();
      await settled(page);
    }
  }
  st = await state(page);
  assert.deepEqual(st.classes, [
    { name: "circle", examples: 2 },
    { name: "cross", examples: 2 },
    { name: "bar", examples: 2 },
  ]);

  // An empty query: a hint.
  assert.equal(st.probabilities, null);
  assert.match(st.hint, /query/i);

  for (const [name, shape] of Object.entries(shapes)) {
    await page.getByRole("button", { name: "Clear" }).nth(1).click();
    await settled(page);
    await draw(page, "slot-query", shape(27, -3));
    st = await state(page);
    assert.ok(st.probabilities, `no probabilities for a ${name} query (hint: ${st.hint})`);
    assert.equal(st.best, name, `a ${name} query was classified as ${st.best}: ${JSON.stringify(st.probabilities)}`);
    const sum = st.probabilities.reduce((a, p) => a + p.p, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `probabilities sum to ${sum}`);
    // The highlighted bar is the winner.
    assert.equal(await page.locator("#bars .best .bar-name").textContent(), name);
    if (name === "cross") await shot(page, "demo-classified.png");
  }
  assert.equal(st.algorithm, "protonet");

  await page.reload();
  await ready(page);
  st = await state(page);
  assert.deepEqual(st.classes.map((c) => [c.name, c.examples]), [["circle", 2], ["cross", 2], ["bar", 2]]);
  await shot(page, "demo-reloaded.png");
});

test("keyboard: undo, clear and select by number", async () => {
  const { page } = ctx;
  await ready(page);
  await draw(page, "slot-draw", cross());
  assert.equal((await state(page)).strokes.draw, 2);
  await page.locator("h1").click(); // focus out of any field
  await page.keyboard.press("Control+z");
  await settled(page);
  assert.equal((await state(page)).strokes.draw, 1);
  await page.keyboard.press("Delete");
  await settled(page);
  assert.equal((await state(page)).strokes.draw, 0);
  await page.keyboard.press("2");
  await settled(page);
  assert.equal((await state(page)).selected, 1);
});

test("bad input: broken and foreign JSON imports keep the classes", async () => {
  const { page } = ctx;
  await ready(page);
  const before = (await state(page)).classes;
  assert.ok(before.length > 0);
  const cases = {
    "broken.json": "{\"format\": \"metaglot-classes\", \"classes\": [",
    "foreign.json": JSON.stringify({ type: "FeatureCollection", features: [] }),
    "too-many.json": JSON.stringify({ format: "metaglot-classes", version: 1, classes: Array.from({ length: 21 }, (_, i) => ({ name: "c" + i })) }),
  };
  for (const [name, text] of Object.entries(cases)) {
    await page.locator("#import-file").setInputFiles({ name, mimeType: "application/json", buffer: Buffer.from(text) });
    await page.waitForFunction((n) => window.metaglot.message.includes(n), name);
    const st = await state(page);
    assert.match(st.message, /failed.*unchanged/i, st.message);
    assert.deepEqual(st.classes, before);
  }
  assert.match(await page.locator("#message").textContent(), /unchanged/);
  await shot(page, "demo-bad-import.png");

  // A good file round-trips through export and import.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON" }).click()]);
  const file = path.join(out, "exported-classes.json");
  await download.saveAs(file);
  await page.locator("#import-file").setInputFiles(file);
  await page.waitForFunction(() => window.metaglot.message.startsWith("Imported"));
  assert.deepEqual((await state(page)).classes, before);
});

test("PNG export of a drawing", async () => {
  const { page } = ctx;
  await ready(page);
  await draw(page, "slot-query", circle());
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Save PNG" }).nth(1).click()]);
  const file = path.join(out, "query.png");
  await download.saveAs(file);
  const { readFileSync } = await import("node:fs");
  const png = readFileSync(file);
  assert.equal(png.subarray(1, 4).toString(), "PNG");
  assert.equal(png.readUInt32BE(16), 105); // width: the Omniglot frame
  assert.equal(png.readUInt32BE(20), 105);

  // A class's examples, side by side.
  const [sheet] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Save the examples of circle as PNG" }).click()]);
  const sheetFile = path.join(out, "class-circle.png");
  await sheet.saveAs(sheetFile);
  const sp = readFileSync(sheetFile);
  assert.equal(sp.readUInt32BE(16), 2 * 105);
  assert.equal(sp.readUInt32BE(20), 105);
});

test("Try Omniglot: classify a real held-out drawing", async () => {
  const { page } = ctx;
  await ready(page);
  // A query drawn for the user's classes, classified against them.
  await draw(page, "slot-query", circle(28));
  assert.ok((await state(page)).probabilities, "the drawn query is not classified");
  await page.locator("#try-n").selectOption("5");
  await page.locator("#try-k").selectOption("5");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 5, null, { timeout: 20000 });
  let st = await state(page);
  assert.equal(st.classes.length, 5);
  // The new classes do not inherit that query (nor its result).
  assert.equal(st.strokes.query, 0, "the old query stayed on the pad");
  assert.equal(st.probabilities, null, "the old query was classified against the Omniglot classes");
  assert.ok(st.classes.every((c) => c.examples === 5));
  const held = page.getByRole("button", { name: /^Classify the real drawing/ });
  assert.equal(await held.count(), 5);
  let right = 0;
  for (let i = 0; i < 5; i++) {
    await held.nth(i).click();
    await settled(page);
    st = await state(page);
    assert.ok(st.probabilities, "no probabilities for a real drawing");
    const label = await held.nth(i).getAttribute("title");
    if (label.startsWith(st.best + ",")) right++;
  }
  // Reported, not asserted: with untrained weights accuracy is near chance.
  console.log(`Try Omniglot: ${right}/5 held-out drawings classified right (${st.weights})`);
  await shot(page, "demo-omniglot.png");

  // The user's classes are still in storage: "Back to my classes".
  await page.getByRole("button", { name: "Back to my classes" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 0);
  st = await state(page);
  assert.deepEqual(st.classes.map((c) => c.name), ["circle", "cross", "bar"]);
  assert.equal(st.probabilities, null, "the Omniglot query was classified against the user's classes");
});

test("FOMAML and Reptile: adapt in steps with progress, or say they are not available", async () => {
  const { page } = ctx;
  await ready(page);
  // Five Omniglot classes: the bundled FOMAML and Reptile (meta-trained from
  // scratch with a 5-way head) adapt their learned head.
  await page.locator("#try-n").selectOption("5");
  await page.locator("#try-k").selectOption("1");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 5, null, { timeout: 20000 });
  await page.getByRole("button", { name: /^Classify the real drawing/ }).first().click();
  await settled(page);
  for (const algo of ["fomaml", "reptile"]) {
    // Record, every animation frame, the adaptation progress and the frame
    // counter: adaptation must advance while frames keep being drawn.
    await page.evaluate(() => {
      window.__adapt = [];
      const rec = () => {
        const m = window.metaglot;
        window.__adapt.push([m.adaptation.running, m.adaptation.done, m.frames]);
        if (window.__adapt.length < 2000) requestAnimationFrame(rec);
      };
      requestAnimationFrame(rec);
    });
    await page.locator("#algorithm").selectOption(algo);
    await page.waitForFunction((a) => {
      const m = window.metaglot;
      return m.algorithm === a && (a in m.unavailable || m.probabilities !== null);
    }, algo, { timeout: 60000 });
    const st = await state(page);
    if (algo in st.unavailable) {
      assert.match(st.hint, /not available yet/);
      assert.match(await page.locator("#hint").textContent(), /not available yet/);
      console.log(`${algo}: not available (${st.unavailable[algo]})`);
      continue;
    }
    const log = await page.evaluate(() => window.__adapt.filter((r) => r[0]));
    const steps = new Set(log.map((r) => r[1]));
    const frameSpan = log.length ? log[log.length - 1][2] - log[0][2] : 0;
    assert.ok(steps.size >= 3, `${algo}: progress seen at steps ${[...steps]}`);
    assert.ok(frameSpan >= steps.size - 1, `${algo}: ${frameSpan} frames drawn during ${steps.size} steps`);
    assert.ok(st.probabilities, `${algo}: no probabilities after adaptation (hint: ${st.hint})`);
    console.log(`${algo}: adapted in ${st.adaptation.lastMs.toFixed(0)} ms (${st.adaptation.total} steps, ${frameSpan} frames meanwhile), best ${st.best}`);
    await shot(page, `demo-${algo}.png`);
  }
  await page.locator("#algorithm").selectOption("protonet");
  await page.getByRole("button", { name: "Back to my classes" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 0);
});

// heldOutRight classifies each real held-out drawing of a Try Omniglot
// set in turn with the algorithm in use and returns how many it gets
// right (the drawing's class is in its button's label).
async function heldOutRight(page) {
  const held = page.getByRole("button", { name: /^Classify the real drawing/ });
  let right = 0;
  for (let i = 0; i < (await held.count()); i++) {
    const label = (await held.nth(i).getAttribute("aria-label")).replace(/^Classify the real drawing /, "").replace(/, drawer \d+$/, "");
    const n = (await state(page)).classifications;
    await held.nth(i).click();
    await page.waitForFunction((k) => window.metaglot.classifications > k && !window.metaglot.adaptation.running, n, { timeout: 60000 });
    if ((await state(page)).best === label) right++;
  }
  return right;
}

test("20 classes: FOMAML and Reptile adapt their 20-way models from the learned head", async () => {
  const { page } = ctx;
  await ready(page);
  // Twenty Omniglot classes: a 5-way head cannot answer them, so the page
  // fetches the 20-way model (app.WideModels) and adapts it instead.
  await page.locator("#try-n").selectOption("20");
  await page.locator("#try-k").selectOption("1");
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 20, null, { timeout: 20000 });
  await page.getByRole("button", { name: /^Classify the real drawing/ }).first().click();
  await settled(page);
  for (const algo of ["fomaml", "reptile"]) {
    await page.locator("#algorithm").selectOption(algo);
    await page.waitForFunction((a) => {
      const m = window.metaglot;
      return m.algorithm === a && (a in m.unavailable || (m.wide && m.probabilities !== null && !m.adaptation.running));
    }, algo, { timeout: 120000 });
    const st = await state(page);
    if (algo in st.unavailable) {
      console.log(`${algo}: not available (${st.unavailable[algo]})`);
      continue;
    }
    assert.ok(st.wide, `${algo}: the 20-way model is not in use`);
    assert.equal(st.adapt.headWay, 20);
    assert.match(st.adapt.headNote, /meta-learned 20-way head/);
    assert.match(st.weights, new RegExp(`20-way model \\(${algo}-20\\)`));
    assert.equal(st.probabilities.length, 20);
    assert.match(await page.locator("#head-note").textContent(), /20-way head/);
    await shot(page, `demo-${algo}-20.png`);
    // The adapted model classifies each of the 20 held-out drawings (one
    // per class, by other drawers) without adapting again.
    const right = await heldOutRight(page);
    console.log(`${algo} 20-way: adapted in ${st.adaptation.lastMs.toFixed(0)} ms (${st.adaptation.total} steps); ${right} of the 20 held-out drawings right; ${st.weights}`);
    // Chance is 1 of 20; the three runs before this test was committed got
    // 11 to 17 (a Try set is one alphabet: harder than the table's episodes).
    assert.ok(right >= 6, `${algo}: ${right} of 20 held-out drawings right (chance: 1)`);
  }
  await page.locator("#algorithm").selectOption("protonet");
  console.log(`protonet on the same set: ${await heldOutRight(page)} of the 20 held-out drawings right`);
  await page.getByRole("button", { name: "Back to my classes" }).click();
  await page.waitForFunction(() => window.metaglot.heldOut === 0);
  assert.equal((await state(page)).wide, false);
});

test("bad input: no classes, then an empty query, give hints", async () => {
  const { page } = ctx;
  await ready(page);
  // Clicking a thumbnail deletes that example.
  const n0 = (await state(page)).classes[0].examples;
  await page.getByRole("button", { name: /^Delete example 1 of / }).first().click();
  await page.waitForFunction((n) => window.metaglot.classes[0].examples === n - 1, n0);
  // Deleting a class can be undone: it comes back at its place with its
  // examples, and the stored classes follow.
  const key = "metaglot.classes.v1";
  const kept = (await state(page)).classes;
  await page.waitForFunction(([k, c]) => JSON.parse(localStorage.getItem(k) || "{}").classes?.length === c, [key, kept.length]);
  const stored = await page.evaluate((k) => localStorage.getItem(k), key);
  assert.ok(await page.locator("#undo-box").isHidden(), "undo offered before any deletion");
  await page.getByRole("button", { name: `Delete class ${kept[1].name}` }).click();
  await settled(page);
  assert.equal(await page.locator("#undo-text").textContent(), `Deleted ${kept[1].name}.`);
  assert.deepEqual((await state(page)).classes, kept.filter((_, i) => i !== 1));
  await page.waitForFunction(([k, s]) => localStorage.getItem(k) !== s, [key, stored]);
  await page.getByRole("button", { name: "Undo", exact: true }).click();
  await settled(page);
  assert.deepEqual((await state(page)).classes, kept);
  await page.waitForFunction(([k, s]) => localStorage.getItem(k) === s, [key, stored], { timeout: 5000 });
  assert.ok(await page.locator("#undo-box").isHidden(), "undo still offered after undoing");
  for (let n = (await state(page)).classes.length; n > 0; n--) {
    await page.getByRole("button", { name: /^Delete class/ }).first().click();
    await settled(page);
  }
  await draw(page, "slot-query", bar());
  let st = await state(page);
  assert.equal(st.probabilities, null);
  assert.match(st.hint, /no classes/i);
  await page.getByRole("button", { name: "Clear" }).nth(1).click();
  await settled(page);
  await page.getByRole("button", { name: "Add class" }).click();
  await draw(page, "slot-draw", bar());
  await page.getByRole("button", { name: "Add to class" }).click();
  await settled(page);
  st = await state(page);
  assert.equal(st.probabilities, null);
  assert.match(st.hint, /draw a query/i);
  await shot(page, "demo-hint.png");
});

test("bad input: full storage and unreadable stored classes lose nothing", async () => {
  const { page } = ctx;
  await ready(page);
  const before = (await state(page)).classes;
  // Fill the origin's localStorage to its quota (the page's own key stays).
  const filled = await page.evaluate(() => {
    let n = 0;
    for (let size = 1 << 20; size >= 16; size >>= 1) {
      const chunk = "x".repeat(size);
      try {
        for (; n < 10000; n++) localStorage.setItem("filler" + n, chunk);
      } catch (e) {
        // full at this size: go on with smaller chunks
      }
    }
    return n;
  });
  assert.ok(filled > 0, "could not fill localStorage to its quota");
  await page.getByRole("button", { name: "Add class" }).click();
  await page.waitForFunction(() => /Could not save/.test(window.metaglot.message));
  await page.waitForFunction(() => /Export JSON/.test(document.getElementById("message").textContent));
  assert.equal((await state(page)).classes.length, before.length + 1, "the new class stays in the page");
  await shot(page, "demo-storage-full.png");
  await page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k.startsWith("filler")) localStorage.removeItem(k); });
  // The next change saves again.
  await page.getByRole("button", { name: /^Delete class/ }).last().click();
  await page.waitForFunction((n) => JSON.parse(localStorage.getItem("metaglot.classes.v1")).classes.length === n, before.length);

  // Unreadable stored classes: a message, and the text kept aside.
  // The storage is changed from another page of the same origin, where the
  // app is not running: a running page may save its classes again at any
  // frame and overwrite what the test wrote.
  const appURL = page.url();
  const offApp = new URL("/no-app-here", appURL).href;
  const good = await page.evaluate(() => localStorage.getItem("metaglot.classes.v1"));
  await page.goto(offApp);
  await page.evaluate(() => localStorage.setItem("metaglot.classes.v1", "{not json"));
  await page.goto(appURL);
  await ready(page);
  await page.waitForFunction(() => /could not be read/.test(window.metaglot.message), null, { timeout: 10000 });
  let st = await state(page);
  assert.equal(st.classes.length, 0);
  assert.equal(await page.evaluate(() => localStorage.getItem("metaglot.classes.v1.unreadable")), "{not json");
  // Put the good classes back for the tests that follow.
  await page.goto(offApp);
  await page.evaluate((g) => localStorage.setItem("metaglot.classes.v1", g), good);
  await page.goto(appURL);
  await ready(page);
  st = await state(page);
  assert.deepEqual(st.classes, before);
});

test("phone width at devicePixelRatio 2: fits, crisp, draws", async () => {
  const phone = await startPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  try {
    const { page } = phone;
    await ready(page);
    const st = await state(page);
    assert.equal(st.scale, 2);
    const canvas = await page.evaluate(() => {
      const c = document.querySelector("canvas");
      return { w: c.width, h: c.height, cssW: c.getBoundingClientRect().width, scrollW: document.documentElement.scrollWidth };
    });
    assert.equal(canvas.w, 2 * canvas.cssW, "the canvas renders at device pixels");
    assert.ok(canvas.scrollW <= 390, `the page is ${canvas.scrollW} px wide at a 390 px viewport`);
    await draw(page, "slot-draw", cross());
    assert.equal((await state(page)).strokes.draw, 2);

    // A finger draws on the pad (touch events through CDP, a frame apart).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 1 });
    const box = await page.locator("#slot-draw").boundingBox();
    const pts = bar(25)[0].map(([x, y]) => ({ x: box.x + (x / 105) * box.width, y: box.y + (y / 105) * box.height }));
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [pts[0]] });
    await settled(page);
    for (const p of pts.slice(1)) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [p] });
      await settled(page);
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    await settled(page);
    assert.equal((await state(page)).strokes.draw, 3, "a touch stroke on the pad");
    await shot(page, "demo-phone-dpr2.png");

    // A finger dragged outside the pads scrolls the page instead.
    const y0 = await page.evaluate(() => window.scrollY);
    const start = { x: 370, y: 700 };
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [start] });
    for (let k = 1; k <= 10; k++) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: 370, y: 700 - 40 * k }] });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    await settled(page);
    assert.equal((await state(page)).strokes.draw, 3, "no stroke from a touch off the pads");
    console.log(`touch scroll off the pads: scrollY ${y0} → ${await page.evaluate(() => window.scrollY)}`);
  } finally {
    await phone.close();
  }
});

// twentyClasses returns a classes document with 20 classes of two drawn
// examples each: polygons with 3..22 corners, and a rotated copy.
function twentyClasses() {
  const classes = [];
  for (let c = 0; c < 20; c++) {
    const corners = c + 3;
    const examples = [0, 0.3].map((turn) => ({
      strokes: [Array.from({ length: corners + 1 }, (_, i) => {
        const a = (i / corners + turn / corners) * 2 * Math.PI;
        return [Math.round((52 + 30 * Math.cos(a)) * 100) / 100, Math.round((52 + 30 * Math.sin(a)) * 100) / 100];
      })],
    }));
    classes.push({ name: `polygon ${corners}`, examples });
  }
  return { format: "metaglot-classes", version: 1, classes };
}

// firstViewBudget is the README's target for the compressed transfer of
// the first view (wasm, weights, page): 4 MB, read as 4·10⁶ bytes.
const firstViewBudget = 4e6;

// servedBytes waits until the server has logged a response for each path
// and returns the body bytes it sent for them ("GET /path 200 12345 1.2ms"
// per request: the bytes on the wire in the encoding the browser
// negotiated, without headers).
async function servedBytes(server, paths) {
  const line = /\b(GET|HEAD) (\S+) (\d{3}) (\d+) /;
  for (let i = 0; ; i++) {
    const sent = new Map();
    for (const l of server.log) {
      const m = line.exec(l);
      if (m && m[1] === "GET") sent.set(m[2], (sent.get(m[2]) ?? 0) + Number(m[4]));
    }
    const missing = paths.filter((p) => !sent.has(p));
    if (missing.length === 0) return paths.map((p) => ({ path: p, bytes: sent.get(p) }));
    if (i >= 50) assert.fail(`the server logged no response for ${missing.join(", ")}; log:\n${server.log.join("\n")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("timing figures with 20 classes (reported; the first view's transfer asserted)", async () => {
  const fresh = await startPage({ viewport: { width: 1280, height: 1100 } });
  try {
    const { page } = fresh;
    await ready(page);
    const st0 = await state(page);
    const nav = await page.evaluate(() => {
      const entries = [performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")];
      return entries.map((e) => ({ name: e.name.replace(location.origin, ""), transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize }));
    });
    const transfer = nav.reduce((a, e) => a + e.transfer, 0);

    // The README's ≤ 4 MB for the first view is deterministic: the bytes
    // of the responses that made it (the browser's count, headers included,
    // and the server's, bodies only) must fit.
    const served = await servedBytes(fresh.server, nav.map((e) => new URL(e.name, fresh.url).pathname));
    const servedTotal = served.reduce((a, e) => a + e.bytes, 0);
    console.log(`first view: ${nav.length} responses, ${transfer} bytes transferred (browser), ${servedTotal} body bytes sent (server)`);
    assert.ok(nav.some((e) => /main\.[0-9a-f]+\.wasm$/.test(e.name)), `no main wasm among the first view's responses: ${nav.map((e) => e.name)}`);
    assert.ok(transfer <= firstViewBudget, `the first view transferred ${transfer} bytes, over the README's 4 MB: ${JSON.stringify(nav)}`);
    assert.ok(servedTotal <= firstViewBudget, `the server sent ${servedTotal} bytes for the first view, over the README's 4 MB: ${JSON.stringify(served)}`);
    assert.ok(servedTotal <= transfer, `the server sent ${servedTotal} body bytes, the browser counted ${transfer} with headers`);

    await page.locator("#import-file").setInputFiles({ name: "twenty.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(twentyClasses())) });
    await page.waitForFunction(() => window.metaglot.classes.length === 20);
    const times = [];
    for (const s of [bar(20, -20), bar(20, 0), bar(20, 20), cross(10)].flat()) {
      const n = (await state(page)).classifications;
      await stroke(page, "slot-query", s);
      await page.waitForFunction((k) => window.metaglot.classifications > k, n);
      times.push((await state(page)).classifyMs);
    }
    const st = await state(page);
    assert.equal(st.probabilities.length, 20);
    await shot(page, "demo-twenty-classes.png");
    const figures = {
      readyMs: st0.readyMs,
      startMs: st0.startMs,
      firstDrawMs: st0.firstDrawMs,
      weightsMs: st0.weightsMs,
      firstViewTransferBytes: transfer,
      firstViewServedBytes: servedTotal,
      firstViewResources: nav,
      classifyMsPerStroke20Classes: times,
      weights: st0.weights,
    };
    writeFileSync(path.join(out, "demo-figures.json"), JSON.stringify(figures, null, 2));
    console.log("figures", JSON.stringify({ readyMs: figures.readyMs, startMs: st0.startMs, firstDrawMs: st0.firstDrawMs, weightsMs: st0.weightsMs, transfer, classifyMs: times }));
  } finally {
    await fresh.close();
  }
});
