// page.js starts metaglot's WebAssembly program (wasm/, built as main.wasm).
// It is a file of its own because the page's Content-Security-Policy
// allows no inline script. wasm_exec.js (Go's glue) is loaded before it.
"use strict";
// The Train view's Web Worker (wasm/worker/worker.js; the build hashes the name).
window.metaglotWorkerURL = new URL("worker.js", document.baseURI).href;
// The ProtoNet weights download alongside the program; wasm/ picks this
// promise up instead of fetching them again.
window.metaglotPrefetch = { "assets/models/protonet.safetensors": fetch("assets/models/protonet.safetensors") };
// Frames on demand. ebiten (wasm/) asks for an animation frame after every
// frame, even when it has nothing to do, which keeps the browser drawing 60
// frames a second. It takes window.requestAnimationFrame once, while the Go
// program initialises: gateAnimationFrames, called right before the program
// starts, puts a gate there, which holds ebiten's request back until the
// program wants a frame (metaglotFrames.wake(), wasm/pen_js.go
// requestFrame). The program's first act is to put the browser's own
// function back (metaglotFrames.restore()), before anything else can run and
// see the gate. The gate holds one callback at most: any other goes through.
function gateAnimationFrames() {
  const native = window.requestAnimationFrame;
  const gate = { wanted: true, held: null };
  gate.wake = () => {
    if (gate.held) {
      const cb = gate.held;
      gate.held = null;
      native.call(window, cb);
    } else {
      gate.wanted = true;
    }
  };
  gate.restore = () => { window.requestAnimationFrame = native; };
  window.metaglotFrames = gate;
  window.requestAnimationFrame = (cb) => {
    if (gate.wanted || gate.held) {
      gate.wanted = false;
      return native.call(window, cb);
    }
    gate.held = cb;
    return 0;
  };
}
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
    gateAnimationFrames();
    await go.run(instance);
    status.textContent = "The program stopped. Reload the page to start it again.";
  } catch (err) {
    status.textContent = "The program could not start: " + err;
  }
})();
