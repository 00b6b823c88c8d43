// Drawing on the page's pads with real pointer events, shared by the
// browser tests.

// settled waits until every action and pointer event sent so far has been
// applied and no background work (an adaptation) is left. The page queues
// them and applies the whole queue in its next Update
// (window.metaglot.ticks counts Updates), and runs frames only when
// something changed: so it waits for window.metaglot.busy to turn false,
// not for a number of frames (an idle page draws none, and a frame may
// carry many pointer events or, under uneven timing, none).
export async function settled(page, timeout = 60000) {
  await page.waitForFunction(() => !window.metaglot.busy, null, { timeout });
}

// stroke draws one stroke on the pad with the given slot id through points
// in the pad's 105×105 frame.
export async function stroke(page, slot, pts) {
  const box = await page.locator("#" + slot).boundingBox();
  const at = ([x, y]) => [box.x + (x / 105) * box.width, box.y + (y / 105) * box.height];
  await page.mouse.move(...at(pts[0]));
  await settled(page);
  await page.mouse.down();
  await settled(page);
  for (const p of pts.slice(1)) {
    await page.mouse.move(...at(p));
    await settled(page);
  }
  await page.mouse.up();
  await settled(page);
}

// draw draws the strokes one after the other.
export async function draw(page, slot, strokes) {
  for (const s of strokes) await stroke(page, slot, s);
}

// addClass adds a class with the Add class button and names it as a user
// does: type into the new class's name field, then Enter.
export async function addClass(page, name) {
  await page.getByRole("button", { name: "Add class" }).click();
  await settled(page);
  const field = page.getByRole("textbox", { name: /^Name of class/ }).last();
  await field.fill(name);
  await field.press("Enter");
  await settled(page);
}

// Shapes in the pad frame, as lists of strokes; s varies their size, dx
// their position.
export const circle = (s = 30, dx = 0) => [Array.from({ length: 25 }, (_, i) => {
  const a = (i / 24) * 2 * Math.PI;
  return [52 + dx + s * Math.cos(a), 52 + s * Math.sin(a)];
})];
export const cross = (s = 30, dx = 0) => [
  [[52 + dx - s, 52 - s], [52 + dx, 52], [52 + dx + s, 52 + s]],
  [[52 + dx + s, 52 - s], [52 + dx, 52], [52 + dx - s, 52 + s]],
];
export const bar = (s = 30, dx = 0) => [[[52 + dx, 52 - s], [52 + dx, 52], [52 + dx, 52 + s]]];
