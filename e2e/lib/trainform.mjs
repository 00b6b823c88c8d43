// The Train view's settings form, shared by the trainer tests and the
// trainer bench.

/**
 * fillTrainForm sets the Train view's form: keys are the fields' ids
 * without "train-", which are metaglot train's flags ("algo", "way",
 * "val-every", "inner-lr", "bn", "proto-head", ...; "init" is where the
 * run starts). Menus are chosen, checkboxes set from a boolean, text
 * fields filled.
 *
 * @param {import("playwright-core").Page} page
 * @param {Record<string, string|number|boolean>} fields
 */
export async function fillTrainForm(page, fields) {
  // Choosing the learner or the start fills in its settings (the
  // learner's own, or the bundled model's recipe), in the page's next
  // Update: let that happen before setting the other fields (the page
  // runs frames only when something changed: wait for its queue to be
  // applied, window.metaglot.busy, not for frames).
  for (const k of ["algo", "init"]) {
    if (fields[k] === undefined) continue;
    await page.locator("#train-" + k).selectOption(String(fields[k]));
    await page.waitForFunction(() => !window.metaglot.busy);
  }
  for (const [k, v] of Object.entries(fields)) {
    if (k === "algo" || k === "init") continue;
    const field = page.locator("#train-" + k);
    const kind = await field.evaluate((e) => (e.tagName === "SELECT" ? "select" : e.type));
    if (kind === "select") await field.selectOption(String(v));
    else if (kind === "checkbox") await field.setChecked(Boolean(v));
    else await field.fill(String(v));
  }
}
