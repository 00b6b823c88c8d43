// End-to-end test of serving: the real page from build/dist through
// ./server, loaded in Debian's chromium. It checks what the browser gets
// (types, encodings, caching and security headers), that the page loads
// without CSP violations or errors, that the CSP is really enforced, and it
// records the transfer sizes of the first view in e2e/out/transfer.json.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { startServer, launchBrowser, watch, screenshot, distDir, outDir } from "./lib/browser.mjs";

let server, browser, page, seen, doc;
const responses = [];
const transfer = new Map(); // url → bytes on the wire (headers + encoded body)

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = browser.page;
  seen = await watch(page);
  page.on("response", (r) => responses.push(r));

  // Bytes on the wire per request, from the DevTools protocol.
  const cdp = await browser.context.newCDPSession(page);
  const urls = new Map();
  cdp.on("Network.responseReceived", (e) => urls.set(e.requestId, e.response.url));
  cdp.on("Network.loadingFinished", (e) => {
    const url = urls.get(e.requestId);
    if (url) transfer.set(url, (transfer.get(url) ?? 0) + e.encodedDataLength);
  });
  await cdp.send("Network.enable");

  const wasmSeen = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(".wasm"), { timeout: 60000 });
  doc = await page.goto(server.url);
  await wasmSeen;
  await page.waitForLoadState("load");
  // The page's program says when it is ready (window.metaglot); give the
  // requests it starts then (weights, data) a moment to finish.
  if (await page.evaluate(() => "metaglot" in window)) {
    await page.waitForFunction(() => window.metaglot.ready, null, { timeout: 60000 });
  }
  await page.waitForTimeout(1000);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const ownResponses = () => responses.filter((r) => r.url().startsWith(server.url));

// expectedEncoding is what the server must choose for a request with this
// Accept-Encoding when both siblings exist: br if allowed, else gzip.
function expectedEncoding(acceptEncoding) {
  const codings = (acceptEncoding ?? "").split(",").map((s) => s.trim().split(";")[0]);
  return codings.includes("br") ? "br" : codings.includes("gzip") ? "gzip" : undefined;
}

test("the document carries the security headers and is revalidated", async () => {
  assert.equal(doc.status(), 200);
  const h = await doc.allHeaders();
  const csp = h["content-security-policy"] ?? "";
  for (const want of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(want), `CSP ${csp} lacks ${want}`);
  }
  assert.ok(!/script-src[^;]*'unsafe-inline'/.test(csp), "CSP allows inline scripts");
  assert.equal(h["x-content-type-options"], "nosniff");
  assert.equal(h["referrer-policy"], "no-referrer");
  assert.equal(h["content-type"], "text/html; charset=utf-8");
  assert.equal(h["cache-control"], "no-cache");
  assert.ok(h["etag"], "no ETag to revalidate with");
  const accept = (await doc.request().allHeaders())["accept-encoding"];
  assert.equal(h["content-encoding"], expectedEncoding(accept), `Accept-Encoding ${accept}`);
});

test("the wasm is application/wasm, precompressed, hashed and immutable", async () => {
  const wasm = ownResponses().filter((r) => new URL(r.url()).pathname.endsWith(".wasm"));
  assert.ok(wasm.length > 0, "the page fetched no .wasm");
  for (const r of wasm) {
    const name = new URL(r.url()).pathname.slice(1);
    assert.match(name, /^[A-Za-z0-9_-]+\.[0-9a-f]{10}\.wasm$/, "wasm name is not content-hashed");
    assert.equal(r.status(), 200);
    const h = await r.allHeaders();
    const accept = (await r.request().allHeaders())["accept-encoding"];
    assert.equal(h["content-type"], "application/wasm");
    assert.equal(h["content-encoding"], expectedEncoding(accept), `Accept-Encoding ${accept}`);
    assert.ok(h["content-encoding"], `no compression for Accept-Encoding ${accept}`);
    assert.equal(h["vary"], "Accept-Encoding");
    assert.equal(h["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(h["x-content-type-options"], "nosniff");

    // The browser decodes it to the file on disk, and compiles it under the
    // page's CSP (which needs 'wasm-unsafe-eval' and application/wasm).
    const got = await page.evaluate(async (u) => {
      const bytes = new Uint8Array(await (await fetch(u)).arrayBuffer());
      const mod = await WebAssembly.compileStreaming(fetch(u));
      return { size: bytes.length, magic: Array.from(bytes.slice(0, 4)), exports: WebAssembly.Module.exports(mod).length };
    }, r.url());
    assert.equal(got.size, statSync(path.join(distDir, name)).size, "decoded size differs from the file");
    assert.deepEqual(got.magic, [0, 0x61, 0x73, 0x6d]);
    assert.ok(got.exports > 0, "the module exports nothing");
    const wire = transfer.get(r.url());
    assert.ok(wire < got.size, `${wire} bytes on the wire for ${got.size} bytes of wasm: not compressed`);
  }
});

test("every response has nosniff, the CSP and a type from the table", async () => {
  const own = ownResponses();
  assert.ok(own.length >= 3, `only ${own.length} responses`);
  for (const r of own) {
    const h = await r.allHeaders();
    const p = new URL(r.url()).pathname;
    assert.equal(h["x-content-type-options"], "nosniff", p);
    assert.ok(h["content-security-policy"], `${p}: no CSP`);
    if (r.status() === 200) {
      const ext = path.extname(p === "/" ? "/index.html" : p);
      const want = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png", ".safetensors": "application/octet-stream" }[ext];
      if (want) assert.equal(h["content-type"], want, p);
    }
  }
});

test("the page loads without CSP violations", async () => {
  const violations = await seen.cspViolations();
  assert.deepEqual(violations, [], "CSP violations: " + JSON.stringify(violations));
  const errors = seen.console.filter((m) => m.type === "error");
  const csp = errors.filter((m) => /Content Security Policy|Refused to/i.test(m.text));
  assert.deepEqual(csp, [], "console errors from the CSP");
  // Other errors belong to the page, not to serving: report them.
  for (const m of errors) console.log(`page console error: ${m.text}`);
  for (const e of seen.pageErrors) console.log(`page uncaught error: ${e}`);
  await screenshot(page, "server-page.png");
});

test("the CSP is enforced: no inline script, no script from elsewhere", async () => {
  // (eval cannot be checked from here: code evaluated through DevTools is
  // exempt from the page's CSP.)
  const result = await page.evaluate(async () => {
    const before = window.__cspViolations.length;
    const inline = document.createElement("script");
    inline.textContent = "window.__inlineRan = true;";
    document.body.append(inline);
    const data = document.createElement("script");
    data.src = "data:text/javascript,window.__dataRan=true";
    document.body.append(data);
    await new Promise((r) => setTimeout(r, 300));
    return { inline: window.__inlineRan === true, data: window.__dataRan === true, violations: window.__cspViolations.slice(before) };
  });
  assert.equal(result.inline, false, "an inline script ran");
  assert.equal(result.data, false, "a data: script ran");
  const script = result.violations.filter((v) => v.directive.startsWith("script-src"));
  assert.equal(script.length, 2, "violations: " + JSON.stringify(result.violations));
});

test("a missing file is a plain 404 with the security headers", async () => {
  const p2 = await browser.context.newPage();
  try {
    const r = await p2.goto(server.url + "no-such-file.js");
    assert.equal(r.status(), 404);
    const h = await r.allHeaders();
    assert.equal(h["x-content-type-options"], "nosniff");
    assert.ok(h["content-security-policy"]);
    assert.equal((await r.text()).trim(), "Not Found");
  } finally {
    await p2.close();
  }
});

test("transfer sizes of the first view", () => {
  const rows = [...transfer].filter(([u]) => u.startsWith(server.url)).map(([u, bytes]) => ({ path: new URL(u).pathname, bytes }));
  rows.sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, "transfer.json"), JSON.stringify({ total, rows }, null, 2) + "\n");
  console.log(`first view: ${rows.length} requests, ${total} bytes on the wire`);
  for (const r of rows) console.log(`  ${String(r.bytes).padStart(9)}  ${r.path}`);
  assert.ok(rows.some((r) => r.path.endsWith(".wasm")), "no wasm among the transfers");
});

test("the server logged every request and stops gracefully on SIGTERM", async () => {
  const { code, signal } = await server.stop();
  assert.equal(signal, null);
  assert.equal(code, 0, "exit status after SIGTERM\n" + server.log.join("\n"));
  const wasmPath = new URL(ownResponses().find((r) => r.url().endsWith(".wasm")).url()).pathname;
  assert.ok(server.log.some((l) => l.includes(`GET ${wasmPath} 200 `)), "no log line for the wasm");
  assert.ok(server.log.some((l) => l.includes("GET /no-such-file.js 404 ")), "no log line for the 404");
});
