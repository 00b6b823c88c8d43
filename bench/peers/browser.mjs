// Workload A in Chromium: metaglot's wasm (the `metaglot bench` command,
// built for GOOS=js, run by Go's wasm_exec.js in a page) or TF.js with its
// wasm SIMD backend (one thread: the page is not cross-origin isolated;
// the embedding loop is tfjs-embed.mjs, served to the page as a module),
// through the e2e harness's headless Chromium (e2e/lib/browser.mjs, Debian's
// /usr/bin/chromium; `npm ci` in e2e/ first). A tiny local server serves
// the page and the files it needs. Prints one JSON line like tfjs.mjs.
//
//   node bench/peers/browser.mjs -runtime metaglot -wasm build/metaglot.wasm \
//     -wasmexec "$(go env GOROOT)/lib/wasm/go_js_wasm_exec" -n 20
//   node bench/peers/browser.mjs -runtime tfjs-wasm -n 20
import http from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../../e2e/lib/browser.mjs";
import { parseArgs } from "./common.mjs";

const a = parseArgs(process.argv.slice(2), { runtime: "metaglot", workload: "A", n: "20", wasm: "build/metaglot.wasm", wasmexec: "" });
if (a.workload !== "A") throw new Error(`-workload ${a.workload}: the browser runs workload A only`);
const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const tfDir = path.dirname(require.resolve("@tensorflow/tfjs/dist/tf.min.js"));
const tfWasmDir = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js"));
const n = Number(a.n);

const pages = {
  metaglot: `<!doctype html><script src="/wasm_exec.js"></script><script>
    (async () => {
      const go = new Go();
      go.argv = ["metaglot", "bench", "-workload", "A", "-threads", "1", "-n", "${n}", "-json"];
      const { instance } = await WebAssembly.instantiateStreaming(fetch("/metaglot.wasm"), go.importObject);
      await go.run(instance);
      console.log("done");
    })().catch((e) => console.log("error " + e));
  </script>`,
  "tfjs-wasm": `<!doctype html><script src="/tf/tf.min.js"></script><script src="/tfwasm/tf-backend-wasm.min.js"></script><script type="module">
    import { conv4Embed } from "/tfjs-embed.mjs";
    (async () => {
      tf.wasm.setWasmPaths("/tfwasm/");
      await tf.setBackend("wasm");
      await tf.ready();
      const images = 100;
      const u = (k, lo, hi) => { const x = new Float32Array(k); for (let i = 0; i < k; i++) x[i] = lo + (hi - lo) * Math.random(); return x; };
      const x = tf.tensor4d(u(images * 28 * 28, 0, 1), [images, 28, 28, 1]);
      const folded = [];
      for (let i = 0; i < 4; i++) {
        const cin = i === 0 ? 1 : 64, b = 1 / Math.sqrt(cin * 9);
        folded.push({ w: tf.tensor4d(u(9 * cin * 64, -b, b), [3, 3, cin, 64]), b: tf.tensor1d(u(64, -b, b)) });
      }
      const embed = conv4Embed(tf, x, folded);
      for (let i = 0; i < 3; i++) embed();
      const t = [];
      const c0 = await window.metaglotCPU();
      for (let i = 0; i < ${n}; i++) { const s = performance.now(); embed(); t.push(performance.now() - s); }
      const cpu = (await window.metaglotCPU() - c0) / ${n};
      t.sort((p, q) => p - q);
      const ms = t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
      const simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT") ? "+simd" : "";
      console.log(JSON.stringify({ workload: "A", threads: 1, ms: Math.round(ms * 100) / 100, images_per_s: Math.round(images / ms * 1e5) / 100, cpu_ms: Math.round(cpu * 100) / 100, n: ${n},
        peer: "tfjs-wasm " + tf.version.tfjs + " (wasm" + simd + ", 1 thread, chromium)" }));
      console.log("done");
    })().catch((e) => console.log("error " + e));
  </script>`,
};
if (!(a.runtime in pages)) throw new Error(`-runtime ${a.runtime}: want metaglot or tfjs-wasm`);
if (a.runtime === "metaglot" && !a.wasmexec) throw new Error("-wasmexec: the path of Go's lib/wasm/go_js_wasm_exec is needed (wasm_exec.js is beside it)");

const files = {
  "/": [() => pages[a.runtime], "text/html"],
  "/wasm_exec.js": [() => readFileSync(path.join(path.dirname(a.wasmexec), "wasm_exec.js")), "text/javascript"],
  "/metaglot.wasm": [() => readFileSync(a.wasm), "application/wasm"],
  "/tf/tf.min.js": [() => readFileSync(path.join(tfDir, "tf.min.js")), "text/javascript"],
  "/tfjs-embed.mjs": [() => readFileSync(path.join(here, "tfjs-embed.mjs")), "text/javascript"],
  "/tfwasm/tf-backend-wasm.min.js": [() => readFileSync(path.join(tfWasmDir, "tf-backend-wasm.min.js")), "text/javascript"],
};
for (const f of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"]) {
  files["/tfwasm/" + f] = [() => readFileSync(path.join(tfWasmDir, f)), "application/wasm"];
}
const server = http.createServer((req, res) => {
  const f = files[new URL(req.url, "http://x").pathname];
  if (!f) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": f[1] }).end(f[0]());
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const b = await launchBrowser();
try {
  // The page's CPU clock: the CPU time of every process this one started
  // (Chromium's browser, renderer, GPU and utility processes), which the
  // timing loops of both pages read before and after their timed calls.
  await b.page.exposeFunction("metaglotCPU", descendantsCPU);
  const lines = [];
  const finished = new Promise((ok, fail) => {
    b.page.on("console", (m) => {
      const t = m.text();
      if (t.startsWith("{")) lines.push(t);
      else if (t === "done") ok();
      else if (t.startsWith("error ")) fail(new Error(`${a.runtime} in chromium: ${t.slice(6)}`));
    });
    b.page.on("pageerror", (e) => fail(e));
  });
  await b.page.goto(`http://127.0.0.1:${server.address().port}/`);
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error("timed out after 10 minutes")), 600_000);
  });
  await Promise.race([finished, timeout]).finally(() => clearTimeout(timer));
  if (!lines.length) throw new Error(`${a.runtime} in chromium printed no result`);
  const r = JSON.parse(lines[lines.length - 1]);
  if (a.runtime === "metaglot") r.peer = `metaglot ${r.go} ${r.kernel} (chromium)`;
  console.log(JSON.stringify(r));
} finally {
  await b.close();
  server.close();
}

// descendantsCPU returns the CPU time (user + system, milliseconds) used so
// far by the living processes descended from this one, from /proc (Linux;
// clock ticks of 1/100 s: a timed loop of 20 calls of about 70 ms reads to
// about 1 %).
function descendantsCPU() {
  const stat = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    let s;
    try {
      s = readFileSync(`/proc/${d}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the command name (which may hold spaces) in parentheses.
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    stat.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
  }
  let ticks = 0;
  for (const st of stat.values()) {
    for (let p = st.ppid, hops = 0; p > 1 && hops < 64; p = stat.get(p)?.ppid ?? 0, hops++) {
      if (p === process.pid) {
        ticks += st.ticks;
        break;
      }
    }
  }
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}
