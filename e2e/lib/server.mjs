// Starting and stopping metaglot's Go server (server/) for end-to-end tests.
//
// The tests build nothing: `make e2e` builds build/dist (cmd/mkdist) and the
// server binary build/bin/server first. Override the paths with
// METAGLOT_SERVER and METAGLOT_DIST.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The folder the server serves: build/dist unless METAGLOT_DIST says otherwise. */
export const distDir = process.env.METAGLOT_DIST || path.join(repo, "build", "dist");

/** The server binary: build/bin/server unless METAGLOT_SERVER says otherwise. */
export const serverBin = process.env.METAGLOT_SERVER || path.join(repo, "build", "bin", "server");

/**
 * startServer runs the server on a free loopback port (-addr 127.0.0.1:0;
 * it prints the URL it got) and waits until it answers.
 *
 * @param {{root?: string, timeoutMs?: number}} [opts]
 * @returns {Promise<{url: string, log: string[], stop: () => Promise<{code: number|null, signal: string|null}>}>}
 *   url ends in "/"; log collects the server's stderr lines (one per
 *   request); stop sends SIGTERM and resolves with the exit status.
 */
export async function startServer({ root = distDir, timeoutMs = 15000 } = {}) {
  for (const [what, p] of [["server binary", serverBin], ["dist folder", path.join(root, "index.html")]]) {
    if (!existsSync(p)) {
      throw new Error(`${what} ${p} is missing: run \`make e2e\`, which builds it before the tests`);
    }
  }
  const proc = spawn(serverBin, ["-addr", "127.0.0.1:0", "-root", root], { stdio: ["ignore", "pipe", "pipe"] });
  const log = [];
  createInterface({ input: proc.stderr }).on("line", (line) => log.push(line));
  const exited = new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server printed no URL in ${timeoutMs} ms; log:\n${log.join("\n")}`)), timeoutMs);
    const lines = createInterface({ input: proc.stdout });
    lines.once("line", (line) => {
      clearTimeout(timer);
      const m = / on (http:\/\/\S+)$/.exec(line);
      m ? resolve(m[1]) : reject(new Error(`unexpected first line from the server: ${line}`));
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with status ${code} before printing its URL; log:\n${log.join("\n")}`));
    });
  }).catch((err) => {
    proc.kill("SIGKILL");
    throw err;
  });

  // Wait until it answers (it listens before it prints, so this is quick).
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { method: "HEAD" });
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error(`server at ${url} does not answer: ${err}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 10000);
      const status = await exited;
      clearTimeout(timer);
      return status;
    })();
    return stopped;
  };
  return { url, log, stop };
}
