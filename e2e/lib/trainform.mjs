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
    // Update: let that happen before setting the other fields (the page
    // runs frames only when something changed: wait for its queue to be
    // applied, window.metaglot.busy, not for frames).
    await page.locator("#train-algo").selectOption(fields.algo);
    await page.waitForFunction(() => !window.metaglot.busy);
  }
  for (const [k, v] of Object.entries(fields)) {
    if (k === "algo") continue;
    if (k === "init") await page.locator("#train-init").selectOption(v);
    else await page.locator("#train-" + k).fill(String(v));
  }
}
