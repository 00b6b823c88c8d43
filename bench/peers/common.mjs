// Shared by the peer scripts of bench/peers: argument parsing, seeded data,
// the median timing loop and the output line, the same fields as
// `metaglot bench -json` (workload, threads, ms, images_per_s, n) plus peer.

/** parseArgs reads "-name value" pairs into an object of strings. */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^-+/, "");
    if (!(k in defaults) || i + 1 >= argv.length) {
      throw new Error(`bad argument ${argv[i]}: want ${Object.keys(defaults).map((k) => "-" + k).join(", ")}, each with a value`);
    }
    out[k] = argv[i + 1];
  }
  return out;
}

/** rand returns a seeded generator of floats in [0, 1) (mulberry32). */
export function rand(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** randArray returns n floats uniform in [lo, hi). */
export function randArray(rng, n, lo = 0, hi = 1) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng();
  return x;
}

/**
 * medianMS runs fn warm times, then n times, and returns the median
 * wall-clock milliseconds of a call and the mean CPU milliseconds of the
 * process per call (all threads): on a busy machine the second shows what
 * the first cannot.
 */
export async function medianMS(fn, warm, n) {
  for (let i = 0; i < warm; i++) await fn();
  const t = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    t.push(performance.now() - s);
  }
  const c = process.cpuUsage(c0);
  t.sort((a, b) => a - b);
  const ms = n % 2 ? t[(n - 1) / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
  return { ms, cpuMS: (c.user + c.system) / 1000 / n };
}

/** line prints one result ({ms, cpuMS} from medianMS) as a JSON line. */
export function line(workload, threads, { ms, cpuMS }, images, n, peer, extra = {}) {
  const r2 = (x) => Math.round(x * 100) / 100;
  console.log(JSON.stringify({ workload, threads, ms: r2(ms), images_per_s: r2((images / ms) * 1000), cpu_ms: r2(cpuMS), n, peer, ...extra }));
}
