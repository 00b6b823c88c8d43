// Debian's chromium, driven by playwright-core, for end-to-end tests.
//
// Never `playwright install`: the browser is the system's /usr/bin/chromium
// (apt-get install chromium; `make e2e` does it when it runs as root), or
// the one CHROMIUM names. Each launch gets a fresh profile in a temporary
// folder, removed on close. Screenshots go to e2e/out/.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "./server.mjs";

export { startServer, distDir, serverBin } from "./server.mjs";

/** The chromium binary: /usr/bin/chromium unless CHROMIUM says otherwise. */
export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

/** Where screenshots and other artefacts of a run go (git-ignored). */
export const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "out");

// Flags for a quiet, reproducible headless run on a machine without a GPU
// or network: SwiftShader renders WebGL (ebiten's canvas) on the CPU.
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-default-apps",
  "--metrics-recording-only",
  "--password-store=basic",
  "--enable-unsafe-swiftshader",
  "--use-angle=swiftshader",
];

/**
 * launchBrowser starts chromium with a fresh temporary profile.
 *
 * @param {{viewport?: {width: number, height: number}, deviceScaleFactor?: number}} [opts]
 * @param {{viewport?: {width: number, height: number}, deviceScaleFactor?: number, hasTouch?: boolean, isMobile?: boolean}} [opts]
 *   hasTouch and isMobile emulate a phone (touch events, the mobile viewport).
 * @returns {Promise<{context: import("playwright-core").BrowserContext, page: import("playwright-core").Page, userDataDir: string, close: () => Promise<void>}>}
 *   page is the profile's first tab; userDataDir names the profile (and so
 *   the browser's processes: see chromiumCPU).
 */
export async function launchBrowser({ viewport = { width: 1280, height: 900 }, deviceScaleFactor = 1, hasTouch = false, isMobile = false } = {}) {
  if (!existsSync(chromiumPath)) {
    throw new Error(`chromium not found at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM)`);
  }
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), "metaglot-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      viewport,
      deviceScaleFactor,
      hasTouch,
      isMobile,
      acceptDownloads: true,
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    userDataDir,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * watch records what a page reports: console messages, uncaught errors and
 * Content-Security-Policy violations (through an init script, so it sees
 * those of the first load too). Call it before navigating.
 *
 * @param {import("playwright-core").Page} page
 * @returns {Promise<{console: {type: string, text: string}[], pageErrors: string[], cspViolations: () => Promise<object[]>}>}
 */
export async function watch(page) {
  const seen = { console: [], pageErrors: [] };
  page.on("console", (m) => seen.console.push({ type: m.type(), text: m.text() }));
  page.on("pageerror", (e) => seen.pageErrors.push(String(e)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push({
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        sample: e.sample,
      });
    });
  });
  seen.cspViolations = () => page.evaluate(() => window.__cspViolations ?? []);
  return seen;
}

/**
 * startPage starts the server and the browser and opens the page.
 *
 * @param {{path?: string, viewport?: {width: number, height: number}, deviceScaleFactor?: number, hasTouch?: boolean, isMobile?: boolean}} [opts]
 * @returns {Promise<{browser: import("playwright-core").BrowserContext, page: import("playwright-core").Page, url: string, userDataDir: string,
 *   server: Awaited<ReturnType<typeof startServer>>, seen: Awaited<ReturnType<typeof watch>>, close: () => Promise<void>}>}
 *   browser is the persistent context; close tears everything down.
 */
export async function startPage({ path: pagePath = "/", ...launchOpts } = {}) {
  const server = await startServer();
  let b;
  try {
    b = await launchBrowser(launchOpts);
    const seen = await watch(b.page);
    await b.page.goto(new URL(pagePath, server.url).href);
    return {
      browser: b.context,
      page: b.page,
      userDataDir: b.userDataDir,
      url: server.url,
      server,
      seen,
      close: async () => {
        await b.close();
        await server.stop();
      },
    };
  } catch (err) {
    await b?.close();
    await server.stop();
    throw err;
  }
}

/**
 * screenshot saves a full-page PNG as e2e/out/<name> and returns its path.
 *
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * chromiumCPU returns the CPU time (user + system, seconds) used so far by
 * each process of the browser started with the profile userDataDir: the
 * browser process (found by its --user-data-dir) and all its descendants,
 * keyed "browser", "renderer", "gpu-process", "utility", ... (summed per
 * kind), and "total". Linux only (/proc).
 *
 * @param {string} userDataDir
 * @returns {Record<string, number>}
 */
export function chromiumCPU(userDataDir) {
  const tick = 100; // USER_HZ: /proc/<pid>/stat counts in 1/100 s on Linux
  const procs = new Map(); // pid → {ppid, cpu, kind}
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the command (which may hold spaces) in parentheses.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // Chromium's child processes rewrite their command line into one
      // string with spaces; the browser process keeps NUL separators.
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      const type = /(?:^| )--type=(\S+)/.exec(cmd);
      procs.set(+name, {
        ppid: +f[1],
        cpu: (+f[11] + +f[12]) / tick, // utime, stime
        kind: type ? type[1] : "browser",
        root: !type && /chrom/.test(cmd.split(" ")[0]) && cmd.includes(` --user-data-dir=${userDataDir} `),
      });
    } catch {
      // the process ended meanwhile
    }
  }
  const mine = new Set([...procs].filter(([, p]) => p.root).map(([pid]) => pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!mine.has(pid) && mine.has(p.ppid)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  const out = { total: 0 };
  for (const pid of mine) {
    const p = procs.get(pid);
    out[p.kind] = (out[p.kind] ?? 0) + p.cpu;
    out.total += p.cpu;
  }
  return out;
}
