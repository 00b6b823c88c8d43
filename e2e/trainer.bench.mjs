// Browser figures of the Train view (not a test: run by hand after
// `make dist server-bin`, with `node e2e/trainer.bench.mjs [seconds]`):
// episodes per second in the worker for ProtoNet 5-way 1-shot 5-query,
// ProtoNet 20-way 5-shot 5-query and FOMAML 5-way 1-shot (5 queries,
// meta-batch 4), the page's frame rate meanwhile, and the worker's memory
// over 1000 ProtoNet 5-way 1-shot 1-query episodes (measured first, in the
// fresh worker). Prints one JSON object
// and writes it to e2e/out/trainer-figures.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";
import { fillTrainForm } from "./lib/trainform.mjs";

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(out, { recursive: true });
const seconds = +(process.argv[2] || 30);
const heapEpisodes = +(process.argv[3] || 1000);

const ctx = await startPage({ viewport: { width: 1280, height: 1400 } });
const { page } = ctx;
const train = () => page.evaluate(() => JSON.parse(JSON.stringify(window.metaglot.train)));
// The browser's animation frames (a requestAnimationFrame loop installed
// by the first call): they keep coming while the page's main thread is
// free. The page itself runs frames only when something changed.
const frames = () => page.evaluate(() => {
  if (!window.__rafCount) {
    window.__rafCount = 1;
    const tick = () => { window.__rafCount++; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  }
  return window.__rafCount;
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function stop() {
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => window.metaglot.train.state !== "running" && window.metaglot.train.state !== "paused", null, { timeout: 120000 });
}

const figures = { when: new Date().toISOString(), note: "shared 2-core machine under load from other jobs: noisy", runs: [] };
try {
  await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
  const t0 = Date.now();
  await page.getByRole("tab", { name: "Train" }).click();
  await page.waitForFunction(() => window.metaglot.train.ready, null, { timeout: 120000 });
  figures.workerReadyMs = Date.now() - t0;
  // Memory over heapEpisodes episodes, first, in the fresh worker.
  await fillTrainForm(page, { algo: "protonet", way: 5, shot: 1, query: 1, episodes: heapEpisodes, "val-every": 100, init: "scratch" });
  await page.getByRole("button", { name: "Start" }).click();
  await page.waitForFunction(() => window.metaglot.train.state === "running", null, { timeout: 30000 });
  const mem = [];
  const m0 = { t: Date.now(), fr: await frames() };
  for (let next = 0; ;) {
    const st = await train();
    if (st.episodes >= next) {
      mem.push({ episodes: st.episodes, heapMB: st.heapBytes / 2 ** 20, sysMB: st.sysBytes / 2 ** 20, wasmMB: st.wasmBytes / 2 ** 20 });
      next = st.episodes + heapEpisodes / 10;
    }
    if (st.state !== "running") {
      if (mem.at(-1).episodes !== st.episodes) mem.push({ episodes: st.episodes, heapMB: st.heapBytes / 2 ** 20, sysMB: st.sysBytes / 2 ** 20, wasmMB: st.wasmBytes / 2 ** 20 });
      break;
    }
    await sleep(250);
  }
  const m1 = { t: Date.now(), fr: await frames() };
  figures.memory = { config: "ProtoNet 5w1s1q, held-out every 100", framesPerSecond: (m1.fr - m0.fr) / ((m1.t - m0.t) / 1000), samples: mem };
  for (const [name, f] of [
    ["ProtoNet 5w1s5q", { algo: "protonet", way: 5, shot: 1, query: 5 }],
    ["ProtoNet 20w5s5q", { algo: "protonet", way: 20, shot: 5, query: 5 }],
    ["FOMAML 5w1s5q meta-batch 4", { algo: "fomaml", way: 5, shot: 1, query: 5, "inner-lr": 0.4, "inner-steps": 1, "meta-batch": 4 }],
  ]) {
    await fillTrainForm(page, { ...f, episodes: 1000000, "val-every": 0, init: "scratch" });
    await page.getByRole("button", { name: "Start" }).click();
    // A new run: its first progress resets the counters.
    await page.waitForFunction(() => window.metaglot.train.state === "running" && window.metaglot.train.steps > 0, null, { timeout: 120000 });
    const a = { t: Date.now(), ep: (await train()).episodes, fr: await frames() };
    await sleep(seconds * 1000);
    const b = { t: Date.now(), ep: (await train()).episodes, fr: await frames() };
    await stop();
    const s = (b.t - a.t) / 1000;
    figures.runs.push({ name, seconds: s, episodesPerSecond: (b.ep - a.ep) / s, framesPerSecond: (b.fr - a.fr) / s });
    console.error(JSON.stringify(figures.runs.at(-1)));
  }
  const end = await train();
  figures.afterAllRuns = { heapMB: end.heapBytes / 2 ** 20, sysMB: end.sysBytes / 2 ** 20, wasmMB: end.wasmBytes / 2 ** 20 };
  await page.screenshot({ path: path.join(out, "trainer-bench.png"), fullPage: true });
} finally {
  await ctx.close();
}
writeFileSync(path.join(out, "trainer-figures.json"), JSON.stringify(figures, null, 1));
console.log(JSON.stringify(figures, null, 1));
