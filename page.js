// page.js starts metaglot's WebAssembly program (wasm/, built as main.wasm).
// It is a file of its own because the page's Content-Security-Policy
// allows no inline script. wasm_exec.js (Go's glue) is loaded before it.
"use strict";
// The Train view's Web Worker (wasm/worker/worker.js; the build hashes the name).
window.metaglotWorkerURL = new URL("worker.js", document.baseURI).href;
// The ProtoNet weights download alongside the program; wasm/ picks this
// promise up instead of fetching them again.
window.metaglotPrefetch = { "assets/models/protonet.safetensors": fetch("assets/models/protonet.safetensors") };
(async () => {
  const status = document.getElementById("status");
  if (!("WebAssembly" in window)) {
    status.textContent = "This browser cannot run WebAssembly, which the page needs.";
    return;
  }
  try {
    const go = new Go();
    // No garbage collection while the program starts (its package
    // initialisers and first frame only allocate); it sets the usual
    // GOGC=100 once the page is ready (wasm/dom_js.go, drawn).
    go.env = { GOGC: "off" };
    const resp = fetch("main.wasm");
    const { instance } = await WebAssembly.instantiateStreaming(resp, go.importObject)
      .catch(async () => {
        // A server without the application/wasm type: compile from bytes.
        const bytes = await (await fetch("main.wasm")).arrayBuffer();
        return WebAssembly.instantiate(bytes, go.importObject);
      });
    performance.mark("metaglot:instantiated");
    window.metaglotMemoryBytes = () => instance.exports.mem.buffer.byteLength;
    await go.run(instance);
    status.textContent = "The program stopped. Reload the page to start it again.";
  } catch (err) {
    status.textContent = "The program could not start: " + err;
  }
})();
