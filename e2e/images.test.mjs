// End-to-end test of examples from image files (#15 item 8): a class sheet
// saved with a class's PNG button, chosen with another class's "Add
// image", comes back as one example per drawing; a PNG of a drawing
// dropped on the query pad becomes the query and is classified; what is
// not a single drawing is refused with a message naming the file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { settled, addClass, draw, circle, cross } from "./lib/draw.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "out");
mkdirSync(out, { recursive: true });

let ctx;
before(async () => {
  ctx = await startPage({ viewport: { width: 1280, height: 1100 } });
});
after(async () => {
  await ctx?.close();
});

const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));

// download clicks the button and returns the file it offers.
async function download(page, button, file) {
  const [d] = await Promise.all([page.waitForEvent("download"), button.click()]);
  const to = path.join(out, file);
  await d.saveAs(to);
  return readFileSync(to);
}

// dropFile drops a file on the element as a browser does from the desktop.
async function dropFile(page, selector, name, mime, data) {
  await page.locator(selector).evaluate((el, [name, mime, bytes]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], name, { type: mime }));
    const over = new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true });
    el.dispatchEvent(over);
    if (!over.defaultPrevented) throw new Error("the drop target does not take files");
    el.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, mime, [...data]]);
}

test("a class sheet and a drawing as files: examples and the query", async () => {
  const { page } = ctx;
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  for (const [name, shape] of [["circle", circle], ["cross", cross]]) {
    await addClass(page, name);
    for (const [s, dx] of [[30, 0], [24, 4]]) {
      await draw(page, "slot-draw", shape(s, dx));
      await page.getByRole("button", { name: "Add to class" }).click();
      await settled(page);
    }
  }
  const sheet = await download(page, page.getByRole("button", { name: "Save the examples of circle as PNG" }), "images-sheet.png");

  // The sheet chosen with a new class's "Add image": its two drawings.
  await addClass(page, "circle again");
  await page.getByLabel("Add images to circle again").setInputFiles({ name: "circle.png", mimeType: "image/png", buffer: sheet });
  await page.waitForFunction(() => window.metaglot.classes[2]?.examples === 2, null, { timeout: 10000 });
  assert.match((await state(page)).message, /Added 2 drawings from circle\.png to circle again/);

  // A drawing saved as PNG, dropped on the query pad: the query.
  await draw(page, "slot-query", circle(28, 2));
  const drawn = (await state(page)).best;
  const q = await download(page, page.locator("#query-png"), "images-query.png");
  await page.locator("#query-clear").click();
  await settled(page);
  assert.equal((await state(page)).probabilities, null);
  await dropFile(page, "#slot-query", "query.png", "image/png", q);
  await page.waitForFunction(() => window.metaglot.probabilities !== null, null, { timeout: 10000 });
  let st = await state(page);
  assert.equal(await page.locator("#query-label").textContent(), "query.png");
  assert.equal(st.best, drawn, "the PNG of the drawing is classified as the drawing was");
  assert.match(st.best, /^circle/);

  // Dropped on the cross class's card: one more example of cross.
  await dropFile(page, '#class-list li[data-name="cross"]', "query.png", "image/png", q);
  await page.waitForFunction(() => window.metaglot.classes[1].examples === 3, null, { timeout: 10000 });

  // Refused, naming the file: a sheet as the query, a text file.
  await dropFile(page, "#slot-query", "circle.png", "image/png", sheet);
  await page.waitForFunction(() => /Not used as the query: circle\.png holds 2 drawings/.test(window.metaglot.message), null, { timeout: 10000 });
  await page.getByLabel("Add images to circle again").setInputFiles({ name: "notes.txt", mimeType: "image/png", buffer: Buffer.from("hello") });
  await page.waitForFunction(() => /Not added: notes\.txt: not a PNG or JPEG image/.test(window.metaglot.message), null, { timeout: 10000 });
  st = await state(page);
  assert.deepEqual(st.classes.map((c) => c.examples), [2, 3, 2]);
  await settled(page);
  await page.screenshot({ path: path.join(out, "images.png") });
});
