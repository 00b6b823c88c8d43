// What the page costs when nothing changes, and while the pen moves (not a
// test: run by hand after `make dist server-bin`, with
// `node e2e/idle.bench.mjs [seconds] [WxH ...]`; default 10 s at 1280x900,
// the e2e tests' default size, and 1280x1100, the demo test's).
//
// Per size, in a fresh headless chromium (SwiftShader, no GPU):
//   idle     the page ready and left alone for `seconds`
//   drawing  the mouse held down on the drawing pad, going round a circle,
//            one move sent every 8 ms (125 a second), for `seconds`
// and for each: the CPU time (user + system) of every chromium process of
// the run (/proc; browser, renderer, GPU process, utilities) per second of
// wall time, the renderer main thread's busy time from CDP
// Performance.getMetrics (TaskDuration) per second, the frames the page
// ran (window.metaglot.frames), of them those that changed ebiten's canvas
// (paints) and its updates (ticks) per second: while the pen moves, every
// update that took pointer events painted the pad's ink, so ticks per
// second is the drawing's frame rate.
// Prints one JSON object and writes it to e2e/out/idle-figures.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import os from "node:os";
import path from "node:path";
import { chromiumCPU, startPage } from "./lib/browser.mjs";

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(out, { recursive: true });
const seconds = +(process.argv[2] || 10);
const sizes = (process.argv.length > 3 ? process.argv.slice(3) : ["1280x900", "1280x1100"]).map((s) => {
  const [width, height] = s.split("x").map(Number);
  return { width, height };
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// counters samples everything measured, so that two samples give rates.
async function counters(ctx, cdp) {
  const m = await ctx.page.evaluate(() => ({
    frames: window.metaglot.frames,
    paints: window.metaglot.paints ?? null,
    ticks: window.metaglot.ticks ?? null,
    points: window.metaglot.points ?? null,
  }));
  const { metrics } = await cdp.send("Performance.getMetrics");
  const metric = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  return { t: performance.now() / 1000, cpu: chromiumCPU(ctx.userDataDir), task: metric.TaskDuration, script: metric.ScriptDuration, ...m };
}

// rates turns two samples into per-second figures.
function rates(a, b) {
  const s = b.t - a.t;
  const per = (x, y) => (x == null || y == null ? null : +((y - x) / s).toFixed(2));
  const cpu = {};
  for (const k of Object.keys(b.cpu)) cpu[k] = +(((b.cpu[k] - (a.cpu[k] ?? 0)) / s) * 100).toFixed(1);
  return {
    seconds: +s.toFixed(2),
    cpuPercent: cpu, // % of one core, per kind of chromium process
    mainThreadPercent: +(((b.task - a.task) / s) * 100).toFixed(1),
    scriptPercent: +(((b.script - a.script) / s) * 100).toFixed(1),
    framesPerSecond: per(a.frames, b.frames),
    paintsPerSecond: per(a.paints, b.paints),
    ticksPerSecond: per(a.ticks, b.ticks),
    // main-thread time per update, ms (null when there was none)
    mainThreadMsPerTick: b.ticks > a.ticks ? +(((b.task - a.task) * 1000) / (b.ticks - a.ticks)).toFixed(2) : null,
    loadAverage: os.loadavg()[0], // of the machine, at the end
  };
}

const figures = { when: new Date().toISOString(), note: "headless chromium, SwiftShader WebGL, 2-core machine shared with other jobs", seconds, runs: [] };
for (const viewport of sizes) {
  const ctx = await startPage({ viewport });
  try {
    const { page } = ctx;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
    await sleep(3000); // start-up's last frames and the collector settle

    let a = await counters(ctx, cdp);
    await sleep(seconds * 1000);
    let b = await counters(ctx, cdp);
    const idle = rates(a, b);

    const box = await page.locator("#slot-draw").boundingBox();
    const at = (k) => {
      const ang = (k / 60) * 2 * Math.PI;
      return [box.x + box.width * (0.5 + 0.3 * Math.cos(ang)), box.y + box.height * (0.5 + 0.3 * Math.sin(ang))];
    };
    // Moves go out through CDP every 8 ms without waiting for the page
    // to take each (as a real mouse does: the browser coalesces what
    // arrives within a frame).
    const mouse = (type, [x, y]) => cdp.send("Input.dispatchMouseEvent", { type, x, y, button: "left", buttons: 1, clickCount: type === "mouseMoved" ? 0 : 1 });
    await mouse("mouseMoved", at(0));
    await mouse("mousePressed", at(0));
    a = await counters(ctx, cdp);
    let moves = 0;
    const sent = [];
    const end = performance.now() + seconds * 1000;
    for (let next = performance.now(); performance.now() < end; ) {
      sent.push(mouse("mouseMoved", at(++moves)));
      next += 8;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    b = await counters(ctx, cdp);
    await Promise.all(sent);
    await mouse("mouseReleased", at(moves));
    const drawing = { ...rates(a, b), movesPerSecond: +(moves / (b.t - a.t)).toFixed(1) };
    await page.screenshot({ path: path.join(out, `idle-bench-${viewport.width}x${viewport.height}.png`) });
    figures.runs.push({ viewport, idle, drawing });
    console.error(JSON.stringify(figures.runs.at(-1)));
  } finally {
    await ctx.close();
  }
}
writeFileSync(path.join(out, "idle-figures.json"), JSON.stringify(figures, null, 1));
console.log(JSON.stringify(figures, null, 1));
