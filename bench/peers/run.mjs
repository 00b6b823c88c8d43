// bench-peers: metaglot and its peers on workloads A (embed 100 images,
// inference) and B (one ProtoNet 20-way 5-shot 5-query training step, 200
// images), side by side in one run on this machine — `make bench-peers`.
//
// Contenders: metaglot natively (1 and 2 threads) and as wasm under node;
// PyTorch (bench/peer_torch.py, NCHW and channels-last, 1 and 2 threads);
// onnxruntime-node (A only: ORT has no training in node); TF.js with its
// wasm SIMD backend under node (tfjs.mjs); with -browser 1, metaglot's
// wasm and TF.js-wasm in Chromium (browser.mjs, workload A; needs `npm ci`
// in e2e/ for playwright-core).
//
// The machine may be shared (two niced training runs, other jobs), so the
// run is interleaved: each round times every contender once (median of n
// calls in a fresh process), metaglot next to its peers, and the order
// flips every round; a contender's figure is the median of its rounds. Each
// line also carries the mean CPU time per call and the 1-minute load
// average seen during its rounds. Ratios are metaglot's time over the
// peer's, for the same workload, threads and platform: below 1 metaglot is
// faster.
//
//   node bench/peers/run.mjs -metaglot build/metaglot -wasm build/metaglot.wasm \
//     -wasmexec "$(go env GOROOT)/lib/wasm/go_js_wasm_exec" -onnx build/conv4.onnx \
//     -out bench/peers.jsonl [-rounds 5] [-roundsB 3] [-browser 1]
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./common.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const a = parseArgs(process.argv.slice(2), {
  metaglot: "build/metaglot", wasm: "build/metaglot.wasm", wasmexec: "", onnx: "build/conv4.onnx",
  python: "/usr/bin/python3", out: "bench/peers.jsonl", rounds: "5", roundsB: "3", browser: "0", only: "",
});
if (!a.wasmexec) throw new Error("-wasmexec: the path of Go's lib/wasm/go_js_wasm_exec is needed");

// Each contender: who, what, and how to run one round (a command printing
// one JSON line with ms and, where known, cpu_ms).
const mg = (threads) => ({ runtime: "metaglot", platform: "native", threads, cmd: (w, n) => [a.metaglot, ["bench", "-workload", w, "-threads", String(threads), "-n", String(n), "-json"]] });
const mgWasm = { runtime: "metaglot", platform: "wasm-node", threads: 1, cmd: (w, n) => [a.wasmexec, [a.wasm, "bench", "-workload", w, "-threads", "1", "-n", String(n), "-json"]] };
const torch = (threads, layout) => ({ runtime: `pytorch-${layout}`, platform: "native", threads, cmd: (w, n) => [a.python, [path.join(here, "..", "peer_torch.py"), "-workload", w, "-threads", String(threads), "-layout", layout, "-n", String(n), "-warm", "3"]] });
const ortNode = (threads) => ({ runtime: "onnxruntime-node", platform: "native", threads, workloads: ["A"], cmd: (w, n) => ["node", [path.join(here, "ort.mjs"), "-model", a.onnx, "-threads", String(threads), "-n", String(n)]] });
const tfjs = { runtime: "tfjs-wasm", platform: "wasm-node", threads: 1, cmd: (w, n) => ["node", [path.join(here, "tfjs.mjs"), "-workload", w, "-n", String(n), "-warm", w === "A" ? "3" : "1"]] };
const browser = (rt) => ({ runtime: rt, platform: "wasm-chromium", threads: 1, workloads: ["A"], cmd: (w, n) => ["node", [path.join(here, "browser.mjs"), "-runtime", rt, "-workload", w, "-n", String(n), "-wasm", a.wasm, "-wasmexec", a.wasmexec]] });

// Interleaved order: metaglot, then the peers it is compared with.
let contenders = [
  mg(1), ortNode(1), torch(1, "channels_last"), torch(1, "nchw"),
  mg(2), ortNode(2), torch(2, "channels_last"), torch(2, "nchw"),
  mgWasm, tfjs,
];
if (a.browser === "1") contenders.push(browser("metaglot"), browser("tfjs-wasm"));
if (a.only) contenders = contenders.filter((c) => a.only.split(",").includes(`${c.runtime}/${c.platform}/${c.threads}`));

// Calls per round: B's TF.js step takes seconds, so it gets one.
const calls = (c, w) => (w === "A" ? 20 : c.runtime === "tfjs-wasm" ? 1 : 5);

const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();
const started = { date: new Date().toISOString(), uptime: uptime() };
const rows = [];
for (const w of ["A", "B"]) {
  const rounds = Number(w === "A" ? a.rounds : a.roundsB);
  const cs = contenders.filter((c) => !c.workloads || c.workloads.includes(w));
  const got = new Map(cs.map((c) => [c, { ms: [], cpu: [], load: [] }]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...cs].reverse() : cs;
    for (const c of order) {
      const [bin, args] = c.cmd(w, calls(c, w));
      const load = os.loadavg()[0];
      const p = spawnSync(bin, args, { encoding: "utf8", maxBuffer: 1 << 24 });
      const out = (p.stdout || "").trim().split("\n").filter((l) => l.startsWith("{")).pop();
      if (p.status !== 0 || !out) {
        throw new Error(`${c.runtime} (${c.platform}, ${c.threads} threads) workload ${w}: ${bin} ${args.join(" ")} exited ${p.status}: ${(p.stderr || "").trim().split("\n").slice(-3).join(" | ")}`);
      }
      const j = JSON.parse(out);
      const g = got.get(c);
      g.ms.push(j.ms);
      if (j.cpu_ms) g.cpu.push(j.cpu_ms);
      g.load.push(load);
      g.version = j.peer || j.go + " " + j.kernel;
      process.stderr.write(`round ${r + 1}/${rounds} ${w} ${c.runtime} ${c.platform} ${c.threads}t: ${j.ms} ms (cpu ${j.cpu_ms ?? "?"}) load ${load.toFixed(2)}\n`);
    }
  }
  for (const c of cs) {
    const g = got.get(c);
    rows.push({
      workload: w, runtime: c.runtime, platform: c.platform, threads: c.threads, ms: median(g.ms),
      cpu_ms: g.cpu.length ? median(g.cpu) : undefined, rounds_ms: g.ms, calls_per_round: calls(c, w),
      load1: round2(g.load.reduce((s, x) => s + x, 0) / g.load.length), version: g.version,
    });
  }
}

// Ratios against the metaglot row of the same workload, platform and threads.
for (const r of rows) {
  if (r.runtime === "metaglot") continue;
  const m = rows.find((x) => x.runtime === "metaglot" && x.workload === r.workload && x.platform === r.platform && x.threads === r.threads);
  if (!m) continue;
  r.metaglot_ms = m.ms;
  r.ratio = round2(m.ms / r.ms);
  if (m.cpu_ms && r.cpu_ms) r.ratio_cpu = round2(m.cpu_ms / r.cpu_ms);
}
const run = { kind: "run", ...started, uptime_end: uptime(), cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.versions.node };
writeFileSync(a.out, [run, ...rows.map((r) => ({ kind: "result", ...r }))].map((x) => JSON.stringify(x)).join("\n") + "\n");

// The table: one row per contender, ratio = metaglot ÷ peer (< 1: metaglot faster).
console.log(`${started.date}  load at start: ${started.uptime.replace(/.*load average: /, "")}  at end: ${run.uptime_end.replace(/.*load average: /, "")}`);
console.log("| workload | runtime | platform | threads | ms (median of rounds) | cpu ms/call | metaglot ÷ peer (wall) | (cpu) | load |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(`| ${r.workload} | ${r.runtime} | ${r.platform} | ${r.threads} | ${r.ms} | ${r.cpu_ms ?? ""} | ${r.ratio ?? ""} | ${r.ratio_cpu ?? ""} | ${r.load1} |`);
}

function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  const n = s.length;
  return round2(n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2);
}
function round2(x) {
  return Math.round(x * 100) / 100;
}
