// The Train view's settings form, shared by the trainer tests and the
// trainer bench.

/**
 * fillTrainForm sets the Train view's form: keys are the fields' ids
 * without "train-" ("algo", "way", "eval-every", ...; "init" is a select).
 *
 * @param {import("playwright-core").Page} page
 * @param {Record<string, string|number>} fields
 */
export async function fillTrainForm(page, fields) {
  if (fields.algo) {
    // Choosing the learner fills in its defaults, in the page's next
    // frame: let that happen before setting the other fields.
    const f0 = await page.evaluate(() => window.metaglot.frames);
    await page.locator("#train-algo").selectOption(fields.algo);
    await page.waitForFunction((f) => window.metaglot.frames >= f + 3, f0);
  }
  for (const [k, v] of Object.entries(fields)) {
    if (k === "algo") continue;
    if (k === "init") await page.locator("#train-init").selectOption(v);
    else await page.locator("#train-" + k).fill(String(v));
  }
}
