# metaglot — see README.md. Two commands matter: `make serve` and `make test`.
#
# The fast kernels use Go 1.27's portable simd package. The go command fetches
# that toolchain from the module proxy the first time (about 76 MB); a plain
# Go 1.26 still builds everything through the plain-Go kernels.
FAST    := GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd
PLAIN   := GOTOOLCHAIN=local GOEXPERIMENT=
GO      ?= go
WASMENV := GOOS=js GOARCH=wasm
# go_js_wasm_exec runs a wasm test binary under node.
WASMEXEC = $(shell $(FAST) $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec

# Packages that import ebiten build only for the browser: vet them under
# GOOS=js GOARCH=wasm and leave them out of the native runs.
EBITEN_PKGS = $(shell $(GO) list -f '{{.ImportPath}} {{join .Deps " "}}' ./... | grep 'hajimehoshi/ebiten' | cut -d' ' -f1)
NATIVE_PKGS = $(filter-out $(EBITEN_PKGS),$(shell $(GO) list ./...))

.PHONY: all test test-go test-wasm fmt-check tidy-check vet bench assets pretrain evaltable serve dist e2e clean

all: test

# e2e last: it needs the page built (dist) and a browser.
test: fmt-check tidy-check vet test-go test-wasm e2e

fmt-check:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt needed: $$bad"; exit 1; fi

# go.mod and go.sum must be what `go mod tidy` makes them: every import
# required directly, nothing unused.
tidy-check:
	@d=$$($(FAST) $(GO) mod tidy -diff) || { echo "go mod tidy needed:"; echo "$$d"; exit 1; }

vet:
	$(FAST) $(GO) vet $(NATIVE_PKGS)
	$(PLAIN) $(GO) vet $(NATIVE_PKGS)
	$(FAST) $(WASMENV) $(GO) vet $(EBITEN_PKGS) ./wasm/worker

# Native tests, both kernel paths: the simd one (Go 1.27, GOEXPERIMENT=simd)
# and the plain-Go twin (the local toolchain).
test-go:
	$(FAST) $(GO) test -count=1 $(NATIVE_PKGS)
	$(PLAIN) $(GO) test -count=1 $(NATIVE_PKGS)

# core again under wasm through node, both kernel paths.
test-wasm:
	$(FAST) $(WASMENV) $(GO) test -count=1 -exec "$(WASMEXEC)" ./core/...
	$(PLAIN) $(WASMENV) $(GO) test -count=1 -exec "$$($(PLAIN) $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./core/...

# Benchmark workloads A and B (see core/workload): natively with 1 and 2
# threads, then under wasm through node (one thread). One JSON line per run
# into bench/results.jsonl, which the README's table quotes.
BENCH_OUT := bench/results.jsonl
bench:
	mkdir -p bench build
	$(FAST) $(GO) build -o build/metaglot ./cmd/metaglot
	$(FAST) $(WASMENV) $(GO) build -o build/metaglot.wasm ./cmd/metaglot
	{ build/metaglot bench -threads 1 -json && \
	  build/metaglot bench -threads 2 -json && \
	  "$(WASMEXEC)" build/metaglot.wasm bench -json; } > $(BENCH_OUT).tmp
	mv $(BENCH_OUT).tmp $(BENCH_OUT)
	cat $(BENCH_OUT)

# The bundled models (assets/models/*.safetensors), trained by metaglot train
# on this machine's CPU from the recipes in cmd/metaglot/recipes.txt (one
# readable list, with why each is as it is; `metaglot recipes` prints it).
# Each run checkpoints into $(RUNS)/<name> (outside the repository by
# default) and resumes from there when run again (-resume: the run keeps the
# settings it started with, which must match the recipe's, and trains to the
# recipe's -episodes), so `make pretrain` can be interrupted (even with
# kill -9) and restarted; a finished run's model.safetensors (parameters and
# metadata only: episodes trained, wall time, settings) is copied into
# assets/models, or its model-best.safetensors when it has one (runs that
# validate on background alphabets held out of training, -val-alphabets,
# keep there the model of their best held-out accuracy). One run alone:
# `make pretrain PRETRAIN=protonet`. The bundled FOMAML and Reptile
# (fomaml, reptile) start from a random initialisation; fo-proto-maml and
# reptile-proto start from the bundled ProtoNet's Conv4 (-init), so they
# come after it, as mann (a second stage at a lower learning rate) comes
# after mann-stage1 and reptile (its run continued to 500 000 tasks) after
# reptile-stage1. A run not yet finished that a session carried to
# another machine has its checkpoint in checkpoints/<name>.safetensors, which
# a run with no directory of its own continues from (-resume-from).
RUNS     ?= ../runs
PRETRAIN ?= protonet-5shot protonet fo-proto-maml reptile-proto fomaml reptile-stage1 reptile protonet-background protonet-background-aug-5shot protonet-background-aug mann-stage1 mann
pretrain:
	mkdir -p build assets/models
	$(FAST) $(GO) build -o build/metaglot ./cmd/metaglot
	set -e; for name in $(PRETRAIN); do \
	  out="$(RUNS)/$$name"; resume=; \
	  if [ -f "$$out/checkpoint.safetensors" ]; then resume=-resume; \
	  elif [ -f "checkpoints/$$name.safetensors" ]; then resume="-resume-from checkpoints/$$name.safetensors"; fi; \
	  build/metaglot train -recipe $$name $$resume -threads 2 -out "$$out"; \
	  src="$$out/model.safetensors"; \
	  if [ -f "$$out/model-best.safetensors" ]; then src="$$out/model-best.safetensors"; fi; \
	  cp "$$src" "assets/models/$$name.safetensors"; \
	done

# The README's accuracy table: metaglot eval of the bundled models, one JSON
# line per cell into bench/eval-<model>.jsonl: {"model","flags","result":{eval
# -json}}. The cells are data, with why each is there: cmd/metaglot/evaltable.txt
# (`metaglot evalcells MODEL` prints them with their episodes). The cells of a
# model run side by side, one thread each, at most EVAL_JOBS at a time (the
# CPUs by default; EVAL_JOBS=1 leaves a training run its other cores); the
# lines keep the cells' order. EVAL_MODELS picks models, EVAL_SLOW the
# episodes of the cells that are slow on a CPU.
EVAL_EPISODES ?= 1000
EVAL_SLOW     ?= 1000
EVAL_JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
EVAL_MODELS   ?= protonet fomaml reptile protonet-background protonet-background-aug mann
evaltable: $(EVAL_MODELS:%=bench/eval-%.jsonl)
build/metaglot-eval: FORCE
	mkdir -p build
	$(FAST) $(GO) build -o $@ ./cmd/metaglot
bench/eval-%.jsonl: SHELL := /bin/bash
bench/eval-%.jsonl: build/metaglot-eval FORCE
	mkdir -p bench
	set -e; n=0; \
	row() { while [ "$$(jobs -pr | wc -l)" -ge $(EVAL_JOBS) ]; do wait -n || true; done; \
	  n=$$((n+1)); ( r=$$(build/metaglot-eval eval -json -query 15 -seed 1 -threads 1 $$1 -episodes $$2) && \
	  printf '{"model":"%s","flags":"%s","result":%s}\n' "$*" "$$1" "$$r" > $@.$$n.tmp ) & }; \
	build/metaglot-eval evalcells -episodes $(EVAL_EPISODES) -slow $(EVAL_SLOW) $* > $@.cells; \
	while read -r eps flags; do row "$$flags" $$eps; done < $@.cells; rm -f $@.cells; \
	wait; for i in $$(seq 1 $$n); do cat $@.$$i.tmp; done > $@.tmp; rm -f $@.*.tmp
	mv $@.tmp $@
	cat $@
.PHONY: FORCE
FORCE:

# The Omniglot assets (committed) from the original data beside the repo:
# one PNG sprite sheet per alphabet, index.json and the licenses. The same
# bytes every time; a fresh clone needs no ../shared. The Go release is
# pinned because compress/flate's output differs between releases (the
# pixels do not); see pngToolchain in cmd/mkassets.
assets:
	GOTOOLCHAIN=go1.26.8 $(GO) run ./cmd/mkassets -src ../shared/data/omniglot -out assets/omniglot

# The page, served. `make dist` assembles build/dist, the folder any static
# host can serve (cmd/mkdist: wasm/ built as main.wasm with the FAST
# toolchain, its wasm_exec.js, index.html and page.js, assets/, hashed names,
# .gz/.br siblings). `make serve` serves it with ./server on $(ADDR).
# Brotli at quality 11 takes minutes for a large wasm; the results are kept in
# build/cache/compress, keyed by content (`make dist BROTLI=5` is quicker).
# The page's programs use encoding/json's own implementation (nojsonv2)
# rather than the one on top of encoding/json/v2: 1.2 MB less WebAssembly
# to download and compile before the first view (same API and behaviour).
ADDR    ?= 127.0.0.1:8080
DIST    := build/dist
BROTLI  ?= 11
SERVER  := build/bin/server
.PHONY: server-bin e2e-deps

dist:
	$(FAST),nojsonv2 $(GO) run ./cmd/mkdist -out $(DIST) -index index.html \
		-js wasm/worker/worker.js $(foreach f,$(wildcard page.js),-js $(f)) \
		-wasm main=./wasm -wasm worker=./wasm/worker \
		-assets assets -brotli $(BROTLI) -cache build/cache/compress

server-bin:
	$(FAST) $(GO) build -o $(SERVER) ./server

serve: dist server-bin
	$(SERVER) -addr $(ADDR) -root $(DIST)

# End-to-end tests in Debian's chromium (e2e/, node --test, playwright-core).
e2e: dist server-bin e2e-deps
	cd e2e && npm ci --no-audit --no-fund && node --test *.test.mjs

# node >= 20 and npm must be there; chromium is installed when missing and
# make runs as root (as in CI), and named as missing otherwise.
e2e-deps:
	@command -v node >/dev/null && command -v npm >/dev/null || \
		{ echo "e2e needs node (>= 20) and npm, which are missing: apt-get install -y nodejs npm"; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || \
		{ echo "e2e needs node >= 20, this is $$(node --version)"; exit 1; }
	@if [ ! -x "$${CHROMIUM:-/usr/bin/chromium}" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "e2e: installing Debian's chromium"; \
			apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || exit 1; \
		else \
			echo "e2e needs chromium at $${CHROMIUM:-/usr/bin/chromium}, which is missing: sudo apt-get install -y chromium (or set CHROMIUM=/path/to/it)"; exit 1; \
		fi; \
	fi

# The GEMM kernels against gonum on Conv4's layer-2 shapes, natively (simd
# and plain toolchains, 1 and 2 threads) and under node (simd and plain).
# Timing on a shared machine is noisy: compare the best of the -count runs.
.PHONY: bench-gemm
bench-gemm:
	$(FAST) $(GO) test -run X -bench Conv -cpu 1,2 -count 3 ./core/gemm/
	$(PLAIN) $(GO) test -run X -bench Conv -cpu 1,2 -count 3 ./core/gemm/
	$(FAST) $(WASMENV) $(GO) test -run X -bench Conv -benchtime 5x -count 3 -exec "$(WASMEXEC)" ./core/gemm/
	$(PLAIN) $(WASMENV) $(GO) test -run X -bench Conv -benchtime 5x -count 3 -exec "$$($(PLAIN) $(GO) env GOROOT)/lib/wasm/go_js_wasm_exec" ./core/gemm/

clean:
	rm -rf build dist

# PyTorch ↔ metaglot (interop/torch, README "Training at scale"): ProtoNet
# trained by torchrun with DistributedDataParallel over 2 CPU processes
# (gloo), scored by metaglot eval; writes interop/torch/demo.json. Needs
# /usr/bin/python3 with Debian's python3-torch, -numpy and -pil; not part of
# `make test` (cmd/metaglot's TestTorchInterop* check the round trip there,
# skipping without PyTorch).
.PHONY: torch-demo
torch-demo:
	mkdir -p build
	$(FAST) $(GO) build -o build/metaglot-torch ./cmd/metaglot
	interop/torch/demo.sh build/metaglot-torch build/torch-demo

# metaglot beside its peers (PyTorch, onnxruntime-node, TF.js-wasm under
# node, and in Chromium unless BENCH_BROWSER=0) on workloads A and B,
# interleaved in one run: bench/peers/run.mjs, results in
# bench/peers.jsonl (README "Speed against peers"). Needs node with npm,
# Debian's python3-torch and, for the browser rows, chromium and e2e/'s
# playwright-core (each `npm ci`'d when its node_modules is missing).
# ONNXRUNTIME_NODE_INSTALL=skip: the CPU build is in the npm package; its
# install script only fetches optional CUDA files.
.PHONY: bench-peers
BENCH_BROWSER ?= 1
bench-peers:
	mkdir -p build bench
	$(FAST) $(GO) build -o build/metaglot ./cmd/metaglot
	$(FAST) $(WASMENV) $(GO) build -o build/metaglot.wasm ./cmd/metaglot
	/usr/bin/python3 bench/peer_torch.py -onnx build/conv4.onnx
	[ -d bench/peers/node_modules ] || (cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
	[ "$(BENCH_BROWSER)" != 1 ] || [ -d e2e/node_modules ] || (cd e2e && npm ci --no-audit --no-fund)
	node bench/peers/run.mjs -metaglot build/metaglot -wasm build/metaglot.wasm -wasmexec "$(WASMEXEC)" \
	  -onnx build/conv4.onnx -out bench/peers.jsonl -browser $(BENCH_BROWSER)

# PyTorch and ONNX fixtures and checks, by hand (need /usr/bin/python3 with
# Debian's python3-torch; onnx-fixtures needs npm): see README "Training at
# scale". make test only reads the committed fixtures.
torch-fixtures:
	/usr/bin/python3 interop/torch/gen_fixtures.py
torch-roundtrip:
	sh interop/torch/roundtrip.sh
onnx-fixtures:
	sh interop/onnx/gen.sh
bench-reptile-peer:
	/usr/bin/python3 bench/peer_reptile.py --side-by-side --net conv4 | tee -a bench/peer_reptile.jsonl
	/usr/bin/python3 bench/peer_reptile.py --side-by-side --net conv4s2 | tee -a bench/peer_reptile.jsonl
bench-fomaml-peer:
	$(FAST) GO=$(GO) sh bench/peer_fomaml_side.sh 3 | tee -a bench/peer_fomaml.jsonl
.PHONY: torch-fixtures torch-roundtrip onnx-fixtures bench-reptile-peer bench-fomaml-peer
