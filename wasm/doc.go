// Command wasm is metaglot's page: draw new characters, give a few
// examples of each, and watch a meta-learned network classify a query
// after every stroke. It builds only for the browser
// (GOOS=js GOARCH=wasm).
//
// The page is three layers:
//
//   - index.html lays out HTML controls (buttons, selects, text fields:
//     accessible and keyboard-reachable) and empty "slots" where pictures go;
//   - ebiten draws the pads' paper, the thumbnails of examples and the real
//     held-out drawings on one full-window canvas beneath the HTML, into the
//     rectangles of the slots, and only in the frames something asks for
//     (requestFrame: an idle page draws nothing);
//   - the pads take the pen themselves as pointer events (mouse, finger,
//     stylus), and their ink and 28×28 "what the network sees" previews are
//     small canvases of their own, updated point by point (pen_js.go), so
//     drawing never repaints the full-window canvas;
//   - package app holds the state and every action and decision in plain
//     Go (exports, Try Omniglot, storage, which weights to fetch and what
//     to make of them, the texts shown); Game and the DOM code only
//     forward events to it and show it: dom_js.go binds the events,
//     render_js.go shows the state, files_js.go moves files in and out,
//     pen_js.go takes the pen (its queue is pad.Queue). The syscall/js
//     helpers both programs need (promises, fetch, files, downloads,
//     storage) are package browser, the site's paths package site.
//
// The Train view (train_js.go) meta-trains in a Web Worker running a second,
// ebiten-free binary (wasm/worker, started when the view is first shown);
// package trainview keeps its state, generates its settings form from the
// algorithm registry (core/algo; trainform_js.go builds it), and draws its
// charts, episode viewer and embedding view into pixel buffers, which go
// into <canvas> elements of their own so that a new picture never repaints
// ebiten's canvas. The algorithm menus are the registry's.
//
// window.metaglot is a read-only view of the state for tests (see
// metaglot_js.go).
package main
