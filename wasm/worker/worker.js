// worker.js runs metaglot's trainer (wasm/worker, built as worker.wasm) in
// a Web Worker, off the page's thread. It is a file of its own so that the
// page's Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval',
// worker-src 'self') admits it. Messages: see wasm/worker/doc.go. The
// trainer starts this same script again as its helper workers (named
// "metaglot-helper"; the Go program checks self.name).
"use strict";
importScripts("wasm_exec.js");

// Commands that arrive before the Go program runs wait here; it takes them.
self.metaglotQueued = [];
self.onmessage = (e) => { self.metaglotQueued.push(e.data); };

(async () => {
  try {
    const go = new Go();
    const { instance } = await WebAssembly.instantiateStreaming(fetch("worker.wasm"), go.importObject)
      .catch(async () => {
        // A server without the application/wasm type: compile from bytes.
        const bytes = await (await fetch("worker.wasm")).arrayBuffer();
        return WebAssembly.instantiate(bytes, go.importObject);
      });
    self.metaglotMemoryBytes = () => instance.exports.mem.buffer.byteLength;
    await go.run(instance);
    self.postMessage({ json: JSON.stringify({ type: "error", msg: "The trainer stopped. Reload the page to start it again." }) });
  } catch (err) {
    self.postMessage({ json: JSON.stringify({ type: "error", msg: "The trainer could not start: " + err }) });
  }
})();
