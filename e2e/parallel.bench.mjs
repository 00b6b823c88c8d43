// Browser figures of data-parallel training (not a test: run by hand after
// `make dist server-bin`, with `node e2e/parallel.bench.mjs [seconds]
// [rounds] [workers]`): the Train view's episodes per second with 1 worker
// and with N (default 2: ?workers=N), interleaved round by round in two
// browsers side by side (one trains while the other idles), for FOMAML
// 5-way 1-shot 5-query with meta-batch 4 (the page's quick settings) and
// Finn et al.'s meta-batch of 32 tasks of 5-way 1-shot 1-query (each
// timed from the end of a meta-step to the end of another), and the frame
// rate of the training page meanwhile (a requestAnimationFrame loop). Prints one JSON object with the machine's load averages and
// writes it to e2e/out/parallel-figures.json.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { fillTrainForm } from "./lib/trainform.mjs";

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(out, { recursive: true });
const seconds = +(process.argv[2] || 20);
const rounds = +(process.argv[3] || 3);
const many = +(process.argv[4] || 2);

const train = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot.train)));
const frames = (page) => page.evaluate(() => {
  if (!window.__rafCount) {
    window.__rafCount = 1;
    const tick = () => { window.__rafCount++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  }
  return window.__rafCount;
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function open(workers) {
  const ctx = await startPage({ path: `/?workers=${workers}`, viewport: { width: 1280, height: 1400 } });
  const { page } = ctx;
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 120000 });
  return ctx;
}

// boundary waits for the run to pass `after` episodes (the end of a
// meta-step, as the next progress event reports it) and returns the time,
// the episodes and the frame count then.
async function boundary(page, after) {
  await page.waitForFunction((a) => window.metaglot.train.episodes > a, after, { timeout: 300000, polling: 10 });
  return { t: Date.now(), ep: (await train(page)).episodes, fr: await frames(page) };
}

// measure trains fields on page for at least `seconds`, from the end of a
// meta-step to the end of another (a meta-batch of 32 takes seconds), and
// returns episodes/s and frames/s.
async function measure(page, fields) {
  await fillTrainForm(page, { ...fields, episodes: 10000000, "val-every": 0, init: "scratch", seed: 1 });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "running" && window.metaglot.train.steps > 0, null, { timeout: 300000 });
  await frames(page);
  const a = await boundary(page, (await train(page)).episodes);
  await sleep(seconds * 1000);
  const b = await boundary(page, (await train(page)).episodes);
  const used = (await train(page)).workersUsed;
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "stopped", null, { timeout: 300000 });
  const s = (b.t - a.t) / 1000;
  return { workersUsed: used, seconds: s, episodes: b.ep - a.ep, episodesPerSecond: (b.ep - a.ep) / s, framesPerSecond: (b.fr - a.fr) / s };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

const figures = {
  when: new Date().toISOString(), cores: os.cpus().length, seconds, rounds, workers: many,
  note: "2-core machine shared with two niced training runs and other helpers' jobs: compare the columns of one round",
  loadBefore: os.loadavg(), configs: [],
};
const one = await open(1);
const par = await open(many);
try {
  for (const [name, f] of [
    ["FOMAML 5w1s5q meta-batch 4 (quick)", { algo: "fomaml", way: 5, shot: 1, query: 5, "inner-lr": 0.4, "inner-steps": 1, "meta-batch": 4 }],
    ["FOMAML 5w1s1q meta-batch 32 (Finn et al.)", { algo: "fomaml", way: 5, shot: 1, query: 1, "inner-lr": 0.4, "inner-steps": 1, "meta-batch": 32 }],
  ]) {
    const c = { name, rounds: [] };
    for (let r = 0; r < rounds; r++) {
      const load = os.loadavg()[0];
      const a = await measure(one.page, f);
      const b = await measure(par.page, f);
      c.rounds.push({ load1: load, one: a, many: b, speedup: b.episodesPerSecond / a.episodesPerSecond });
      console.error(name, JSON.stringify(c.rounds.at(-1)));
    }
    c.medianSpeedup = median(c.rounds.map((x) => x.speedup));
    c.medianEpisodesPerSecond = { one: median(c.rounds.map((x) => x.one.episodesPerSecond)), many: median(c.rounds.map((x) => x.many.episodesPerSecond)) };
    c.medianFramesPerSecond = { one: median(c.rounds.map((x) => x.one.framesPerSecond)), many: median(c.rounds.map((x) => x.many.framesPerSecond)) };
    figures.configs.push(c);
  }
} finally {
  await one.close();
  await par.close();
}
figures.loadAfter = os.loadavg();
writeFileSync(path.join(out, "parallel-figures.json"), JSON.stringify(figures, null, 1));
console.log(JSON.stringify(figures, null, 1));
