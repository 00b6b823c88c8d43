// End-to-end test of the Learn view (#15): a lesson a teacher clicks
// through, each step live on the visitor's drawings or on Omniglot.
// Screenshots at projector size (1280×720) in e2e/out/learn-*.png, at
// phone width (390 px) in e2e/out/learn-phone*.png, and the Train view at
// 1920×1080 in e2e/out/train-projector.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage, screenshot, launchBrowser } from "./lib/browser.mjs";
import { settled, addClass, draw, circle, cross, bar } from "./lib/draw.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

// The bundled ProtoNet's 5-way 1-shot accuracy, from its results file.
function evalRow(model, way, shot) {
  const lines = readFileSync(path.join(here, "..", "bench", `eval-${model}.jsonl`), "utf8").trim().split("\n");
  const rows = lines.map((l) => JSON.parse(l)).filter((r) => r.result.way === way && r.result.shot === shot);
  return rows[0].result;
}

let ctx;
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 720 } });
});
after(async () => {
  await ctx?.close();
});

const view = (page) => page.locator("#view-learn");
// loaded waits until the step has what it needs (data-loading false) and
// the page is idle.
async function loaded(page, step) {
  await settled(page); // the actions sent so far are applied: what they need is asked for
  await page.waitForFunction((s) => {
    const v = document.getElementById("view-learn");
    return v.dataset.step === s && v.dataset.loading === "false" && !document.querySelector("#learn-body .learn-loading");
  }, step, { timeout: 60000 });
  await settled(page);
}
// metricLabels checks the metric picture's labels as the browser draws
// them: no two boxes overlap (the "query", nearest-distance and nearest
// prototype labels were written over each other), each inside the
// picture and at least 12 CSS px high on the screen (9 px on a phone
// before). It returns their sizes.
async function metricLabels(page, what) {
  const { box, labels } = await page.locator("#learn-body svg.metric").evaluate((svg) => {
    const b = svg.getBoundingClientRect();
    const k = b.width / svg.viewBox.baseVal.width;
    return {
      box: { x0: b.left, y0: b.top, x1: b.right, y1: b.bottom },
      labels: [...svg.querySelectorAll("text")].map((t) => {
        const r = t.getBoundingClientRect();
        return { text: t.textContent, px: parseFloat(t.getAttribute("font-size")) * k, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
      }),
    };
  });
  assert.ok(labels.length >= 3, `${what}: ${labels.length} labels`);
  const e = 0.5; // CSS px of rounding
  for (const [i, a] of labels.entries()) {
    assert.ok(a.px >= 12 - 1e-6, `${what}: label ${a.text} is ${a.px.toFixed(1)} px high`);
    assert.ok(a.x0 >= box.x0 - e && a.y0 >= box.y0 - e && a.x1 <= box.x1 + e && a.y1 <= box.y1 + e, `${what}: label ${a.text} leaves the picture`);
    for (const b of labels.slice(i + 1)) {
      const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0), h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      assert.ok(w <= e || h <= e, `${what}: labels ${a.text} and ${b.text} overlap by ${w.toFixed(1)}×${h.toFixed(1)} px`);
    }
  }
  return labels.map((l) => +l.px.toFixed(1));
}
async function setField(page, id, value) {
  const f = page.locator("#" + id);
  await f.fill(value);
  await f.press("Tab");
  await settled(page);
}

test("the Learn view: task, split, metric, inner loop, memory, compare, link", async () => {
  const { page, seen } = ctx;
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  const shapes = { circle: [circle(30), circle(22, 4)], cross: [cross(30), cross(22, -3)], bar: [bar(30), bar(24, 5)] };
  for (const [name, examples] of Object.entries(shapes)) {
    await addClass(page, name);
    for (const ex of examples) {
      await draw(page, "slot-draw", ex);
      await page.getByRole("button", { name: "Add to class" }).click();
      await settled(page);
    }
  }
  await draw(page, "slot-query", circle(26, -3));
  await page.waitForFunction(() => window.metaglot.probabilities !== null);
  const drawProbs = (await page.evaluate(() => window.metaglot.probabilities)).map((p) => p.p);

  assert.ok(!requests.some((u) => /mann/.test(u)), "the MANN's weights are not fetched before the Learn view needs them");

  // The tab list's keys (WAI-ARIA tabs): End opens the last tab, Learn.
  await page.locator("#tab-classify").focus();
  await page.keyboard.press("End");
  await settled(page);
  assert.equal(await page.locator("#tab-learn").getAttribute("aria-selected"), "true");
  assert.equal(await page.locator("#view-classify").isVisible(), false);
  assert.equal(await view(page).isVisible(), true);
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-learn");

  // 1 · The task: the visitor's three classes at 3-way 1-shot.
  await setField(page, "learn-n", "3");
  await loaded(page, "task");
  assert.equal(await page.locator("#learn-body .support-row").count(), 3);
  assert.equal(await page.locator("#learn-body img.lthumb.support").count(), 3);
  // The query drawn, then each class's second example, are the queries.
  assert.equal(await page.locator("#learn-body img.lthumb.query").count(), 4);
  assert.match(await page.locator("#learn-body").innerText(), /No bundled model was evaluated on 3-way 1-shot/);
  // Too many classes for the visitor's drawings: said in plain words.
  await setField(page, "learn-n", "5");
  assert.match(await page.locator("#learn-body").innerText(), /needs 5 classes with at least 1 example each, and only 3 classes have that many/);
  // A bad N is refused, the size in use stays.
  await setField(page, "learn-n", "40");
  assert.match(await page.locator("#learn-error").innerText(), /N \(classes\) 40: want 2 to 20/);
  assert.equal(await view(page).getAttribute("data-way"), "5");
  // Omniglot: a held-out alphabet, and the table's accuracy for 5-way 1-shot.
  await page.locator("#learn-source").selectOption("omniglot");
  await settled(page);
  await loaded(page, "task");
  assert.equal(await page.locator("#learn-body .support-row").count(), 5);
  const want = evalRow("protonet", 5, 1);
  const acc = await page.locator('#learn-body .acc-row[data-algo="protonet"]').getAttribute("data-acc");
  assert.equal(acc, want.accuracy.toFixed(2));
  assert.equal(await page.locator("#learn-body .acc-row").count(), 3);
  console.log("task:", await screenshot(page, "learn-task.png"));

  // 2 · Meta-train vs meta-test (arrow key, as a presenter).
  await page.locator("#learn-title").click();
  await page.keyboard.press("ArrowRight");
  await loaded(page, "split");
  assert.equal(await page.locator("#learn-body .episode").count(), 2);
  const text = await page.locator("#learn-body").innerText();
  assert.match(text, /1200 characters that training may use/);
  assert.match(text, /one of 423 characters no model here ever trained on/);
  assert.match(await page.locator("#learn-text").innerText(), /must be disjoint/);
  console.log("split:", await screenshot(page, "learn-split.png"));

  // 3 · Metric-based, on the visitor's task at 3-way 2-shot: exactly the
  // probabilities Draw & classify shows for the same classes and query.
  await page.keyboard.press("PageDown");
  await page.locator("#learn-source").selectOption("mine");
  await settled(page);
  await setField(page, "learn-n", "3");
  await setField(page, "learn-k", "2");
  await loaded(page, "metric");
  assert.equal(await page.locator("#learn-body line.dist").count(), 3);
  assert.equal(await page.locator("#learn-body circle.sup").count(), 6);
  const ps = await page.locator("#learn-body .lbars .bar-row").evaluateAll((els) => els.map((e) => +e.dataset.p));
  assert.equal(ps.length, 3);
  ps.forEach((p, i) => assert.ok(Math.abs(p - drawProbs[i]) < 1e-3, `class ${i}: ${p} in Learn, ${drawProbs[i]} in Draw & classify`));
  const best = +(await page.locator("#learn-body .verdict").getAttribute("data-best"));
  assert.equal(best, ps.indexOf(Math.max(...ps)));
  assert.equal(best, 0, "the drawn circle is nearest the circle prototype");
  const labelPx = await metricLabels(page, "1280 px");
  console.log("metric:", await screenshot(page, "learn-metric.png"), "labels px", labelPx);
  // Large text for a projector: the lesson's text, the notes and the
  // bars' names grow with it (they were sized in rem, the page's 15 px,
  // and stayed small).
  const px = (sel) => page.locator(sel).first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  const normal = { text: await px("#learn-text"), bar: await px("#learn-body .bar-row") };
  await page.locator("#learn-big").click();
  await settled(page);
  assert.equal(await page.locator("#learn-big").getAttribute("aria-pressed"), "true");
  const big = { text: await px("#learn-text"), note: await px("#view-learn > .note"), bar: await px("#learn-body .bar-row") };
  assert.ok(big.text >= 20 && big.text > 1.3 * normal.text, `large text: the lesson's text ${normal.text} → ${big.text} px`);
  assert.ok(big.note >= 16 && big.bar >= 17 && big.bar > 1.3 * normal.bar, `large text: notes ${big.note} px, bars ${normal.bar} → ${big.bar} px`);
  // The Train view follows, for a teacher who switches views.
  const train = { text: await px("#train-status"), note: await px("#view-train .note") };
  assert.ok(train.text >= 18 && train.note >= 16, `large text: the Train view's status ${train.text} px, notes ${train.note} px`);
  // The picture's labels grow with the text (1.4×; they stayed as they were).
  const bigLabelPx = await metricLabels(page, "large text");
  assert.ok(Math.min(...bigLabelPx) >= 16.8 && Math.min(...bigLabelPx) >= 1.35 * Math.min(...labelPx), `large text: the picture's labels ${labelPx} → ${bigLabelPx} px`);
  console.log("metric, large text:", await screenshot(page, "learn-metric-big.png"), "labels px", bigLabelPx);
  // The Train view's charts write their text twice as large too
  // (trainview.TextFactor; 1 before, whatever the mode).
  assert.equal(await page.evaluate(() => window.metaglot.train.chartText), 2, "large text: the Train charts' text factor");
  await page.locator("#learn-big").click();
  await settled(page);

  // 4 · Optimization-based: the inner loop one step at a time, on an
  // Omniglot 5-way 5-shot task (the drawn shapes are told apart before
  // any step, and with one shot the bundled FOMAML's prototype head puts
  // each support image on its prototype: either way the support loss is
  // about 0 and the steps have nothing to do).
  await page.locator("#learn-next").click();
  await page.locator("#learn-source").selectOption("omniglot");
  await settled(page);
  await setField(page, "learn-n", "5");
  await setField(page, "learn-k", "5");
  await loaded(page, "optim");
  const status = page.locator("#learn-body .inner-status");
  await status.waitFor({ timeout: 10000 }).catch(async (e) => {
    throw new Error(`no inner loop shown: ${await page.locator("#learn-body").innerText()} ${await page.locator("#learn-error").innerText()}: ${e.message}`);
  });
  assert.equal(await status.getAttribute("data-done"), "0");
  for (let i = 1; i <= 3; i++) {
    await page.locator("#learn-step").click();
    await settled(page);
    assert.equal(await status.getAttribute("data-done"), String(i));
    const pts = (await page.locator("#learn-body svg.loss polyline").getAttribute("points")).trim().split(/\s+/);
    assert.equal(pts.length, i);
  }
  assert.equal(await page.locator("#learn-body .lbars").count(), 2, "bars before and after");
  console.log("optim, 3 steps:", await screenshot(page, "learn-optim-mid.png"));
  await page.locator("#learn-run").click();
  await page.waitForFunction(() => document.querySelector("#learn-body .inner-status")?.dataset.finished === "true", null, { timeout: 60000 });
  await settled(page);
  const losses = (await page.locator("#learn-body svg.loss").getAttribute("data-losses")).split(" ").map(Number);
  assert.equal(losses.length, 10);
  assert.ok(losses[9] < losses[0], `support loss ${losses[0]} → ${losses[9]}: the inner steps lower it`);
  console.log("optim, done:", await screenshot(page, "learn-optim.png"), "support loss", losses[0], "→", losses[9]);
  await setField(page, "learn-lr", "20");
  assert.match(await page.locator("#learn-error").innerText(), /step size "20": want a number above 0 and at most 10/);
  await setField(page, "learn-lr", "0.05");
  await page.locator("#learn-step").click();
  await settled(page);
  assert.equal(await status.getAttribute("data-done"), "1");

  // 5 · Model-based: the support as a sequence, the memory, the reads
  // (the visitor's task again, 3-way 2-shot).
  await page.locator("#learn-next").click();
  await page.locator("#learn-source").selectOption("mine");
  await settled(page);
  await setField(page, "learn-n", "3");
  await setField(page, "learn-k", "2");
  await loaded(page, "model");
  // The bundled, trained MANN (fetched only now: the first view never
  // downloads it).
  assert.match(await page.locator("#learn-body .learn-mann-note").innerText(), /A MANN meta-trained on [\d\u202f]+ Omniglot tasks of 5 classes/);
  assert.doesNotMatch(await page.locator("#learn-body").innerText(), /untrained/);
  assert.ok(requests.some((u) => /\/mann(\.[0-9a-f]+)?\.safetensors/.test(u)), "mann.safetensors fetched for the model step");
  assert.equal(await page.locator("#learn-body .sequence li").count(), 6);
  assert.equal(await page.locator("#learn-body rect.slot").count(), 128);
  assert.ok(await page.locator('#learn-body rect.slot:not([data-class="-1"])').count() > 0, "some slots written");
  console.log("model:", await screenshot(page, "learn-model.png"));

  // 6 · Compare: every algorithm on the same task, timed.
  await page.locator("#learn-next").click();
  await loaded(page, "compare");
  await page.locator("#learn-compare").click();
  await settled(page);
  const rows = page.locator("#learn-body table.compare tbody tr");
  assert.equal(await rows.count(), 4);
  assert.doesNotMatch(await page.locator('#learn-body tr[data-algo="mann"]').innerText(), /untrained|chance/);
  for (const algo of ["protonet", "fomaml", "mann"]) {
    const ms = await page.locator(`#learn-body tr[data-algo="${algo}"] td[data-ms]`).getAttribute("data-ms");
    assert.ok(+ms > 0, `${algo} timed`);
  }
  // The bundled Reptile has a learned 5-way head: on 3 classes it answers
  // from its prototype head (or says why it cannot).
  const reptile = await page.locator('#learn-body tr[data-algo="reptile"]').innerText();
  assert.match(reptile, /5-way head|\d+(\.\d+)? m?s$/);
  // 100 held-out episodes per algorithm in the worker, charted with CIs.
  await page.locator("#learn-episodes").click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("#learn-body ul.episodes .acc-row")];
    return rows.length === 3 && rows.every((r) => r.dataset.done === "100" || r.querySelector(".learn-error"));
  }, null, { timeout: 240000 });
  await settled(page);
  const measured = await page.locator("#learn-body ul.episodes .acc-row").evaluateAll((els) => els.map((e) => [e.dataset.algo, +e.dataset.acc, +e.dataset.done]));
  console.log("100 episodes of 3-way 2-shot:", JSON.stringify(measured));
  const pn = measured.find((m) => m[0] === "protonet");
  assert.ok(pn && pn[2] === 100 && pn[1] > 80, `ProtoNet on 100 3-way 2-shot held-out episodes: ${pn}`);
  console.log("compare:", await screenshot(page, "learn-compare.png"));

  // The link reopens the page on this step with this size.
  const href = await page.locator("#learn-link").getAttribute("href");
  assert.equal(href, "#learn/compare?n=3&k=2");
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(await seen.cspViolations(), []);
});

test("the Learn view from a link, at phone width", async () => {
  const b = await launchBrowser({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    // ?seed=2 draws Old Church Slavonic (Cyrillic): long class names.
    await b.page.goto(new URL("/?seed=2#learn/metric?n=5&k=1", ctx.url).href);
    await b.page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
    // No classes drawn: the lesson takes Omniglot.
    await loaded(b.page, "metric");
    assert.equal(await b.page.locator("#view-learn").getAttribute("data-source"), "omniglot");
    assert.equal(await b.page.locator("#learn-body line.dist").count(), 5);
    const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the page is ${overflow} px wider than the phone`);
    // Omniglot's class names differ only at their end ("Tibetan 01"):
    // the bars show them whole, and the picture's labels keep the number.
    const cut = (sel) => b.page.locator(sel).evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    assert.deepEqual(await cut("#learn-body .bar-name"), [], "bar names cut off");
    for (const label of await b.page.locator("#learn-body text.proto-label").allTextContents()) {
      assert.match(label, /\d+$/, `the picture's label ${label} lost its number`);
    }
    console.log("phone:", await screenshot(b.page, "learn-phone-metric.png"), "labels px", await metricLabels(b.page, "390 px"));
    await b.page.locator("#learn-prev").click();
    await b.page.locator("#learn-prev").click();
    await loaded(b.page, "task");
    assert.deepEqual(await cut("#learn-body .cname"), [], "class names cut off");
    console.log("phone:", await screenshot(b.page, "learn-phone-task.png"));
    // A step's link opened in this tab (only the fragment changes) goes
    // to its step.
    await b.page.evaluate(() => { location.hash = "#learn/compare?n=4&k=1"; });
    await loaded(b.page, "compare");
    assert.equal(await b.page.locator("#learn-n").inputValue(), "4");
  } finally {
    await b.close();
  }
});

test("the Train view's charts at projector size (1920×1080)", async () => {
  const b = await launchBrowser({ viewport: { width: 1920, height: 1080 } });
  try {
    const page = b.page;
    await page.goto(ctx.url);
    await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
    await page.getByRole("tab", { name: "Train" }).click();
    await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 90000 });
    await page.getByLabel("Quick demo").selectOption("protonet-5w1s");
    await page.waitForFunction(() => !window.metaglot.busy);
    await page.getByRole("button", { name: "Start" }).click();
    await page.waitForFunction(() => window.metaglot.train.state === "running", null, { timeout: 30000 });
    await page.waitForFunction(() => window.metaglot.train.heldOut.length >= 1 || window.metaglot.train.state !== "running", null, { timeout: 300000 });
    assert.ok((await page.evaluate(() => window.metaglot.train.heldOut.length)) >= 1, "no held-out point");
    await page.getByRole("button", { name: "Pause" }).click();
    await page.waitForFunction(() => window.metaglot.train.state !== "running", null, { timeout: 30000 });
    await settled(page);
    // A window 1920 px wide is a projector's: the charts' text is the
    // 7×13 font doubled (trainview.TextFactor), without Large text.
    assert.equal(await page.evaluate(() => window.metaglot.train.chartText), 2);
    // On the accuracy chart's canvas, the y axis's five labels (0% … 100%,
    // grey) are at least 18 px high: 9 before.
    const heights = await page.locator("#slot-acc canvas").evaluate((cv) => {
      const { data, width, height } = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height);
      const runs = [];
      let n = 0;
      for (let y = 0; y <= height; y++) {
        let has = false;
        for (let x = 0; y < height && x < 16 && x < width; x++) {
          const i = 4 * (y * width + x);
          has ||= data[i] === 0x6b && data[i + 1] === 0x6b && data[i + 2] === 0x7b;
        }
        if (has) n++;
        else if (n > 0) { runs.push(n); n = 0; }
      }
      return runs;
    });
    assert.equal(heights.length, 5, `y-axis label runs ${heights}`);
    assert.ok(heights.every((h) => h >= 18), `y-axis labels ${heights} px high, want ≥ 18`);
    console.log("Train at 1920×1080:", await screenshot(page, "train-projector.png"), "y labels px", heights);
  } finally {
    await b.close();
  }
});
