// End-to-end tests of the pen (issue #19): a release anywhere ends the
// stroke, no pointer event is lost between frames, and a finger or a stylus
// draws like the mouse, whatever its pressure. The drawings are read back
// through the pads' PNG export (the 105×105 raster of the strokes) and
// window.metaglot. Run by `make e2e` (node --test).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { decodeGray, inkIn } from "./lib/png.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "out");
mkdirSync(out, { recursive: true });

let ctx;
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 900 } });
});
after(async () => {
  await ctx?.close();
});

const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));

async function ready(page) {
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
}

// settle waits until every queued action and pointer event has been
// applied by an Update (window.metaglot.busy turns false).
async function settle(page) {
  await page.waitForFunction(() => !window.metaglot.busy, null, { timeout: 30000 });
}

// padPoint maps a point of the pad's 105×105 frame to page coordinates.
async function framer(page, slot) {
  const box = await page.locator("#" + slot).boundingBox();
  return ([x, y]) => ({ x: box.x + (x / 105) * box.width, y: box.y + (y / 105) * box.height });
}

// exported returns the PNG export of a pad (0: draw, 1: query), decoded.
async function exported(page, which, name) {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Save PNG" }).nth(which).click()]);
  const file = path.join(out, name);
  await download.saveAs(file);
  return decodeGray(readFileSync(file));
}

async function clearPads(page) {
  await page.getByRole("button", { name: "Clear" }).nth(0).click();
  await page.getByRole("button", { name: "Clear" }).nth(1).click();
  await settle(page);
}

test("a release over a button ends the stroke: moving back over the pad draws nothing", async () => {
  const { page } = ctx;
  await ready(page);
  await clearPads(page);
  const before = (await state(page)).classes;
  const at = await framer(page, "slot-draw");
  const button = await page.getByRole("button", { name: "Add to class" }).boundingBox();
  const overButton = { x: button.x + button.width / 2, y: button.y + button.height / 2 };

  // Press on the left of the pad, draw down, leave the pad for the
  // "Add to class" button below it and let go there.
  let p = at([25, 30]);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  for (const y of [40, 50, 60, 70, 80, 90, 100]) {
    p = at([25, y]);
    await page.mouse.move(p.x, p.y);
  }
  await settle(page);
  const onPad = (await state(page)).ink.draw;
  await page.mouse.move(overButton.x, button.y - 4, { steps: 4 });
  await page.mouse.move(overButton.x, overButton.y, { steps: 4 });
  await settle(page);
  const overControls = (await state(page)).ink.draw;
  assert.ok(overControls > onPad, `moves over the page's controls were dropped: ${onPad} points on the pad, ${overControls} after moving over the button`);
  await page.mouse.up();
  await settle(page);
  const released = await state(page);
  assert.equal(released.strokes.draw, 1);

  // Back over the right half of the pad with no button pressed.
  for (let k = 0; k <= 10; k++) {
    p = at([60 + 3 * k, 20 + 6 * k]);
    await page.mouse.move(p.x, p.y);
  }
  await settle(page);
  const after = await state(page);
  assert.equal(after.ink.draw, released.ink.draw, "the pen drew after its release");
  assert.equal(after.strokes.draw, 1);
  assert.deepEqual(after.classes, before, "the release over Add to class was taken for a click");
  const img = await exported(page, 0, "pen-release-off-pad.png");
  assert.ok(inkIn(img, 0, 0, 45, 105) > 20, "the stroke on the left is missing");
  assert.equal(inkIn(img, 55, 0, 105, 105), 0, "ink on the right half, where the mouse moved with no button pressed");
  await page.screenshot({ path: path.join(out, "pen-release-off-pad-screen.png") });

  // The next press starts a stroke as usual.
  p = at([70, 70]);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  p = at([90, 90]);
  await page.mouse.move(p.x, p.y, { steps: 5 });
  await page.mouse.up();
  await settle(page);
  assert.equal((await state(page)).strokes.draw, 2);
});

test("a release outside the window ends the stroke", async () => {
  const { page } = ctx;
  await ready(page);
  await clearPads(page);
  const at = await framer(page, "slot-query");
  let p = at([20, 50]);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  p = at([50, 50]);
  await page.mouse.move(p.x, p.y, { steps: 5 });
  // Out of the viewport (1280 wide) to the right, and up there.
  await page.mouse.move(1400, p.y, { steps: 5 });
  await page.mouse.up();
  await settle(page);
  const released = (await state(page)).ink.query;
  p = at([80, 20]);
  await page.mouse.move(p.x, p.y, { steps: 8 });
  await settle(page);
  assert.equal((await state(page)).ink.query, released, "the pen drew after a release outside the window");
});

test("every pointer move reaches the stroke, however frames and updates fall", async () => {
  const { page } = ctx;
  await ready(page);
  await clearPads(page);
  const box = await page.locator("#slot-draw").boundingBox();
  const cx = Math.round(box.x + box.width / 2), cy = Math.round(box.y + box.height / 2);
  const n = 240;
  // Points 1 CSS pixel or more apart on a circle (a frame pixel is 2.9
  // CSS pixels here; the pad keeps points at least 0.35 frame pixels
  // apart), with no wait for a frame in between.
  const pts = [];
  for (let i = 0; i <= n; i++) {
    const a = (i / n) * 2 * Math.PI;
    pts.push([cx + Math.round(100 * Math.cos(a)), cy + Math.round(100 * Math.sin(a))]);
  }
  const t0 = (await state(page)).ticks;
  // All the moves go out at once through CDP: the browser delivers them
  // in bursts, several per frame (the pointermove's coalesced events).
  const cdp = await page.context().newCDPSession(page);
  const mouse = (type, [x, y]) => cdp.send("Input.dispatchMouseEvent", { type, x, y, button: "left", buttons: 1, clickCount: type === "mouseMoved" ? 0 : 1 });
  await mouse("mouseMoved", pts[0]);
  await mouse("mousePressed", pts[0]);
  await Promise.all(pts.slice(1).map((q) => mouse("mouseMoved", q)));
  await mouse("mouseReleased", pts.at(-1));
  await settle(page);
  const st = await state(page);
  const distinct = pts.filter((q, i) => i === 0 || q[0] !== pts[i - 1][0] || q[1] !== pts[i - 1][1]).length;
  assert.equal(st.ink.draw, distinct, `${distinct} distinct positions sent, ${st.ink.draw} points in the stroke`);
  console.log(`pen: ${distinct} pointer positions, ${st.ink.draw} points, applied in ${st.ticks - t0} updates`);
});

// tapClear taps the drawing pad's Clear button and waits until the pad is
// empty: the browser turns the tap into a click after the touch events,
// so the page may not have the click yet when the tap returns.
async function tapClear(page) {
  await page.getByRole("button", { name: "Clear" }).nth(0).tap();
  await page.waitForFunction(() => window.metaglot.strokes.draw === 0, null, { timeout: 5000 });
  await settle(page);
}

test("phone: a finger draws like the mouse, a second finger does not, pressure changes nothing", async () => {
  const phone = await startPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, hasTouch: true, isMobile: true });
  try {
    const { page } = phone;
    await ready(page);
    const cdp = await page.context().newCDPSession(page);
    const at = await framer(page, "slot-draw");
    const stroke = [[20, 20], [35, 40], [50, 55], [65, 65], [85, 85]];
    const touch = async (type, points) => {
      await cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
    };

    // One finger, light and thin.
    const y0 = await page.evaluate(() => window.scrollY);
    await touch("touchStart", [{ ...at(stroke[0]), id: 1, force: 0.05, radiusX: 1, radiusY: 1 }]);
    for (const q of stroke.slice(1)) await touch("touchMove", [{ ...at(q), id: 1, force: 0.05, radiusX: 1, radiusY: 1 }]);
    await touch("touchEnd", []);
    await settle(page);
    let st = await state(page);
    assert.equal(st.strokes.draw, 1, "a finger on the pad draws a stroke");
    assert.equal(st.ink.draw, stroke.length);
    assert.equal(await page.evaluate(() => window.scrollY), y0, "drawing scrolled the page");
    const light = await exported(page, 0, "pen-touch-light.png");
    await page.screenshot({ path: path.join(out, "pen-phone.png") });

    // The same stroke pressed hard with a broad finger.
    await tapClear(page);
    await touch("touchStart", [{ ...at(stroke[0]), id: 2, force: 1, radiusX: 30, radiusY: 30 }]);
    for (const q of stroke.slice(1)) await touch("touchMove", [{ ...at(q), id: 2, force: 1, radiusX: 30, radiusY: 30 }]);
    await touch("touchEnd", []);
    await settle(page);
    const hard = await exported(page, 0, "pen-touch-hard.png");
    assert.ok(inkIn(light, 0, 0, 105, 105) > 50, "no ink exported");
    assert.deepEqual(hard.pix, light.pix, "the pressure or size of the finger changed the ink");

    // A stylus, light then hard: the same ink again.
    for (const [force, name] of [[0.1, "light"], [1, "hard"]]) {
      await tapClear(page);
      const mouse = (type, q, buttons) => cdp.send("Input.dispatchMouseEvent", { type, ...at(q), button: "left", buttons, clickCount: type === "mouseMoved" ? 0 : 1, pointerType: "pen", force });
      await mouse("mousePressed", stroke[0], 1);
      for (const q of stroke.slice(1)) await mouse("mouseMoved", q, 1);
      await mouse("mouseReleased", stroke.at(-1), 0);
      await settle(page);
      assert.equal((await state(page)).strokes.draw, 1, `the ${name} stylus stroke`);
      const pen = await exported(page, 0, `pen-stylus-${name}.png`);
      assert.deepEqual(pen.pix, light.pix, `a ${name} stylus drew other ink than the finger`);
    }

    // A second finger while the first draws: one stroke, the first's.
    await tapClear(page);
    const f1 = (i) => ({ ...at(stroke[i]), id: 1 });
    const f2 = (i) => ({ ...at([100 - stroke[i][0], stroke[i][1]]), id: 2 });
    await touch("touchStart", [f1(0)]);
    await touch("touchMove", [f1(1)]);
    await touch("touchStart", [f1(1), f2(0)]);
    for (let i = 2; i < stroke.length; i++) await touch("touchMove", [f1(i), f2(i - 1)]);
    await touch("touchEnd", [f2(stroke.length - 2)]); // the first finger lifts
    await touch("touchMove", [f2(stroke.length - 1)]);
    await touch("touchEnd", []);
    await settle(page);
    st = await state(page);
    assert.equal(st.strokes.draw, 1, "the second finger drew a stroke of its own");
    const two = await exported(page, 0, "pen-two-fingers.png");
    assert.deepEqual(two.pix, light.pix, "the second finger changed the first finger's stroke");

    // A finger dragged off the pads still scrolls the page.
    await touch("touchStart", [{ x: 370, y: 700, id: 3 }]);
    for (let k = 1; k <= 10; k++) await touch("touchMove", [{ x: 370, y: 700 - 40 * k, id: 3 }]);
    await touch("touchEnd", []);
    await page.waitForFunction((y) => window.scrollY > y, y0, { timeout: 5000 });
    await settle(page);
    assert.equal((await state(page)).strokes.draw, 1, "a drag off the pads drew");
  } finally {
    await phone.close();
  }
});
