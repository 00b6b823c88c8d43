// End-to-end test of the layout of Draw & classify and Train (#15) at
// 800 and 1024 px (the 720–1099 px two-column range) and at phone width
// (390 px): no two controls or texts overlap, nothing sticks out of its
// panel or the window, the two pads sit side by side in two columns and
// close together on a phone. Screenshots: e2e/out/layout-*.png.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, startServer, screenshot, watch } from "./lib/browser.mjs";
import { settled, addClass, draw, circle, cross, bar } from "./lib/draw.mjs";

let server;
after(async () => {
  await server?.stop();
});

// problems lists, for the visible view, the pairs of leaf elements
// (controls, texts, pads, charts) whose boxes overlap, and the elements
// that stick out of their panel or the window.
function problems() {
  const view = document.querySelector("main[role=tabpanel]:not([hidden])");
  const sel = "button, input:not(.visually-hidden), select, label, .filebtn, .slot, .chart, .episode-view, .embed-view, h2, p, .bar-row, .thumb, progress, svg, .class-card, .side > span";
  const els = [...view.querySelectorAll(sel)].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
  });
  const out = [];
  const name = (e) => e.id ? "#" + e.id : e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "") + (e.textContent ? ` “${e.textContent.trim().slice(0, 24)}”` : "");
  const W = document.documentElement.clientWidth;
  for (const e of els) {
    const r = e.getBoundingClientRect();
    if (r.left < -1 || r.right > W + 1) out.push(`${name(e)} outside the window: ${Math.round(r.left)}…${Math.round(r.right)} of ${W}`);
    const panel = e.closest("section.panel");
    if (panel && panel !== e) {
      const p = panel.getBoundingClientRect();
      if (r.left < p.left - 1 || r.right > p.right + 1) out.push(`${name(e)} sticks out of #${panel.id}: ${Math.round(r.left)}…${Math.round(r.right)}, panel ${Math.round(p.left)}…${Math.round(p.right)}`);
    }
  }
  for (let i = 0; i < els.length; i++) {
    for (let j = i + 1; j < els.length; j++) {
      const a = els[i], b = els[j];
      if (a.contains(b) || b.contains(a)) continue;
      const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) out.push(`${name(a)} overlaps ${name(b)} by ${Math.round(w)}×${Math.round(h)}`);
    }
  }
  const sections = [...view.querySelectorAll("section.panel")].map((s) => s.getBoundingClientRect());
  return { problems: out, count: els.length, panels: sections.length };
}

async function setUp(width, height, mobile) {
  server ??= await startServer();
  const b = await launchBrowser({ viewport: { width, height }, isMobile: mobile, hasTouch: mobile });
  b.seen = await watch(b.page);
  await b.page.goto(server.url);
  await b.page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  return b;
}

async function withClasses(page) {
  for (const [name, shape] of [["circle", circle], ["a rather long class name", cross], ["bar", bar]]) {
    await addClass(page, name);
    await page.locator("#slot-draw").scrollIntoViewIfNeeded();
    await draw(page, "slot-draw", shape(28));
    await page.getByRole("button", { name: "Add to class" }).click();
    await settled(page);
  }
  await page.locator("#slot-query").scrollIntoViewIfNeeded();
  await draw(page, "slot-query", circle(24, 3));
  await page.waitForFunction(() => window.metaglot.probabilities !== null);
  await settled(page);
}

for (const [width, height, mobile] of [[800, 900, false], [1024, 768, false], [390, 844, true]]) {
  test(`Draw & classify and Train at ${width} px`, async () => {
    const b = await setUp(width, height, mobile);
    try {
      const { page } = b;
      await withClasses(page);
      await page.evaluate(() => window.scrollTo(0, 0));
      const r = await page.evaluate(problems);
      console.log(`${width} px, Draw & classify:`, await screenshot(page, `layout-classify-${width}.png`), `${r.count} elements`);
      assert.deepEqual(r.problems, []);
      const box = async (id) => page.locator("#" + id).boundingBox();
      const [draw, query, classes] = [await box("panel-draw"), await box("panel-query"), await box("panel-classes")];
      const pd = await box("slot-draw"), pq = await box("slot-query");
      if (width < 1100 && width >= 720) {
        // Two columns: the two pads' panels side by side, the classes below
        // across both.
        assert.ok(Math.abs(draw.y - query.y) < 2 && query.x > draw.x + draw.width - 1, `draw ${JSON.stringify(draw)}, query ${JSON.stringify(query)}`);
        assert.ok(classes.y >= draw.y + draw.height - 1 && classes.width > 1.9 * draw.width, `classes ${JSON.stringify(classes)}`);
      }
      if (width < 720) {
        // One column: the query pad right after the drawing pad's panel.
        const gap = pq.y - (pd.y + pd.height);
        console.log(`390 px: ${Math.round(gap)} px from the drawing pad's bottom to the query pad's top`);
        assert.ok(gap > 0 && gap < 450, `the pads are ${gap} px apart`);
      }
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow} px wider than the window`);

      await page.getByRole("tab", { name: "Train" }).click();
      await page.waitForFunction(() => !document.getElementById("train-start").disabled, null, { timeout: 60000 });
      await settled(page);
      const t = await page.evaluate(problems);
      console.log(`${width} px, Train:`, await screenshot(page, `layout-train-${width}.png`), `${t.count} elements`);
      assert.deepEqual(t.problems, []);
      const o2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(o2 <= 1, `the Train view is ${o2} px wider than the window`);
      assert.deepEqual(b.seen.pageErrors, []);
    } finally {
      await b.close();
    }
  });
}
