// How the page's ready time splits (not a test: run by hand after
// `make dist server-bin`, with `node e2e/ready.bench.mjs [loads]`). Each
// load is a fresh browser profile (nothing cached). Per load it records, in
// ms after navigation: main.wasm's last byte, the end of its compilation
// and instantiation (page.js's mark "metaglot:instantiated"), the start of
// the Go program, the weights taken, the first frame drawn and ready.
// Prints one JSON line per load and the medians; writes
// e2e/out/ready-figures.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { startPage } from "./lib/browser.mjs";

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), "out");
mkdirSync(out, { recursive: true });
const loads = +(process.argv[2] || 5);

const runs = [];
for (let i = 0; i < loads; i++) {
  const ctx = await startPage({ viewport: { width: 1280, height: 900 } });
  try {
    const { page } = ctx;
    await page.waitForFunction(() => window.metaglot && window.metaglot.ready, null, { timeout: 30000 });
    const r = await page.evaluate(() => {
      const res = performance.getEntriesByType("resource");
      const end = (re) => { const e = res.find((e) => re.test(e.name)); return e ? e.responseEnd : null; };
      const mark = (n) => { const m = performance.getEntriesByName(n)[0]; return m ? m.startTime : null; };
      const m = window.metaglot;
      return {
        wasmFetchedMs: end(/\/main[.\w]*\.wasm$/),
        weightsFetchedMs: end(/protonet\.safetensors$/),
        instantiatedMs: mark("metaglot:instantiated"),
        wasmFetchStartMs: (res.find((e) => /\/main[.\w]*\.wasm$/.test(e.name)) || {}).startTime,
        docMs: performance.getEntriesByType("navigation")[0].responseEnd,
        startMs: m.startMs, weightsMs: m.weightsMs, firstDrawMs: m.firstDrawMs, readyMs: m.readyMs, wasmMB: m.wasmBytes / 2 ** 20,
      };
    });
    for (const k of Object.keys(r)) if (typeof r[k] === "number") r[k] = Math.round(r[k]);
    console.log(JSON.stringify(r));
    runs.push(r);
  } finally {
    await ctx.close();
  }
}
const median = (xs) => { const s = xs.filter((x) => x != null).sort((a, b) => a - b); return s.length ? s[(s.length - 1) >> 1] : null; };
const med = {};
for (const k of Object.keys(runs[0])) med[k] = median(runs.map((r) => r[k]));
console.log("median", JSON.stringify(med));
writeFileSync(path.join(out, "ready-figures.json"), JSON.stringify({ when: new Date().toISOString(), median: med, runs }, null, 2));
