// End-to-end test of the bundled FOMAML and Reptile, meta-trained from a
// random start with a learned 5-way head: on real Omniglot tasks of 5
// classes (Try Omniglot, 1 example each) the learned head before
// adaptation (0 steps, window.metaglot.adapt.before) is near chance, and
// the inner loop's steps change the predictions and make them right
// (adapt.after); the page says the inner loop starts from the learned
// head, and, with 10 classes, from the prototype head instead. Screenshot:
// e2e/out/adapt-fomaml.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { settled } from "./lib/draw.mjs";

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

const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot)));
const argmax = (ps) => ps.reduce((b, p, i) => (p !== null && (b < 0 || p > ps[b]) ? i : b), -1);

// tryTask fills the classes with n characters of a held-out alphabet, one
// drawing each, and returns the held-out drawings' buttons.
async function tryTask(page, n) {
  await page.locator("#try-n").selectOption(String(n));
  await page.locator("#try-k").selectOption("1");
  const was = await page.evaluate(() => window.metaglot.classes.map((c) => c.name).join("|"));
  await page.getByRole("button", { name: "Try Omniglot" }).click();
  await page.waitForFunction(([n, was]) => window.metaglot.heldOut === n && window.metaglot.classes.map((c) => c.name).join("|") !== was, [n, was], { timeout: 30000 });
  await settled(page);
  return page.getByRole("button", { name: /^Classify the real drawing/ });
}

for (const algo of ["fomaml", "reptile"]) {
  test(`${algo} from scratch: near chance before adaptation, the steps change the predictions`, async (t) => {
    const { page } = ctx;
    await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
    await page.locator("#algorithm").selectOption(algo);
    let right = { before: 0, after: 0 }, changed = 0, queries = 0;
    for (let task = 0; task < 4; task++) {
      const held = await tryTask(page, 5);
      const n = await held.count();
      for (let i = 0; i < n; i++) {
        const c0 = await page.evaluate(() => window.metaglot.classifications);
        await held.nth(i).click();
        await page.waitForFunction(([a, c0]) => {
          const m = window.metaglot;
          return a in m.unavailable || (m.classifications > c0 && m.adapt && m.adapt.after !== null && !m.adaptation.running);
        }, [algo, c0], { timeout: 60000 });
        const st = await state(page);
        if (algo in st.unavailable) {
          t.skip(`${algo} not available: ${st.unavailable[algo]}`);
          return;
        }
        const title = await held.nth(i).getAttribute("title");
        const want = st.classes.findIndex((c) => title.startsWith(c.name + ","));
        assert.ok(want >= 0, `no class for ${title}`);
        const b = argmax(st.adapt.before), a = argmax(st.adapt.after);
        right.before += b === want ? 1 : 0;
        right.after += a === want ? 1 : 0;
        changed += a !== b ? 1 : 0;
        queries++;
        if (task === 0 && i === 0) {
          assert.equal(st.adapt.headWay, 5);
          assert.match(st.adapt.headNote, /meta-learned 5-way head/);
          assert.match(await page.locator("#head-note").textContent(), /meta-learned 5-way head/);
          // Which BatchNorm statistics a drawing is normalised with: the
          // bundled FOMAML and Reptile were meta-trained with their papers'
          // transductive BatchNorm (Finn et al.'s, Nichol et al.'s), and the
          // page, one drawing at a time, uses the support set's.
          const who = algo === "fomaml" ? "FOMAML was meta-trained as Finn et al." : "Reptile was meta-trained as Nichol et al.";
          const bn = new RegExp(`^${who} did, with transductive BatchNorm.*one drawing at a time.*statistics of your examples \\(the support set\\)`);
          assert.match(st.adapt.bnNote, bn);
          assert.match(await page.locator("#bn-note").textContent(), bn);
          assert.equal(st.adapt.losses.length, st.adapt.steps);
          await page.locator("#panel-query").screenshot({ path: path.join(out, `adapt-${algo}.png`) });
        }
      }
    }
    console.log(`${algo}: ${queries} real held-out drawings of 4 five-class tasks: ${right.before} right before adaptation, ${right.after} after; ${changed} predictions changed by the steps`);
    // Chance is 1 in 5; one query at a time, the bundled FOMAML scores
    // 20.0 % with 0 steps and 93.9 % after its 10, the bundled Reptile
    // 19.8 % with 0 steps and 88.9 % after its 50 (bench/eval-*.jsonl).
    // 10 or more of 20 right at chance has a probability of 0.3 %. Five
    // runs gave, before → after, 4 → 17, 4 → 14, 4 → 15, 4 → 17, 4 → 17 for
    // FOMAML and 6 → 12, 0 → 17, 3 → 14, 3 → 16, 3 → 14 for Reptile: the
    // gain is asserted for both (no gain at those accuracies has a
    // probability well under 1 %; with the Conv4 Reptile before it varied
    // too much on these drawings and was only reported).
    assert.ok(right.before <= queries * 0.45, `${right.before} of ${queries} right before adaptation: not near chance`);
    assert.ok(right.after > right.before, `${right.after} of ${queries} right after adaptation, ${right.before} before`);
    assert.ok(changed >= 4, `only ${changed} of ${queries} predictions changed by adaptation`);

    // Ten classes do not fit the 5-way head: the prototype head, said.
    const held = await tryTask(page, 10);
    await held.first().click();
    await page.waitForFunction(() => window.metaglot.adapt && window.metaglot.adapt.after !== null && !window.metaglot.adaptation.running, null, { timeout: 60000 });
    const st = await state(page);
    assert.equal(st.adapt.after.length, 10);
    assert.match(st.adapt.headNote, /5-way head and you have 10 classes.*prototype head/);
    assert.match(await page.locator("#head-note").textContent(), /prototype head/);
  });
}
