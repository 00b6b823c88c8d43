#!/usr/bin/python3
"""Reptile in PyTorch, as a peer for metaglot's Reptile training throughput
(issue 13, item 3).

Run by hand (never by make test), from the repository root:

    /usr/bin/python3 bench/peer_reptile.py [--threads 1] [--meta-steps 10] [--repeat 3] [--net conv4s2]

It times Reptile meta-steps with the settings of metaglot's recipe
`reptile-conv4` (`metaglot recipes`; core/reptile): Conv4 + a learned 5-way
linear head from a random start (--net conv4s2: Finn et al.'s and Nichol
et al.'s Omniglot network instead, 3x3 convolutions of stride 2 and padding
1 without pooling and a 256-input head, metaglot's -net conv4s2 and
BenchmarkPeerStep/5w5s5q-x5-conv4s2), 5-way 5-shot tasks with 5 queries per
class, a meta-batch of 5 tasks, per task 5 plain SGD steps of lr 0.1 on
the whole support set (25 images; BatchNorm with the support's batch
statistics), then the query loss under the adapted weights with the
support's statistics (metaglot's bn "support": queries one at a time, no
gradient), and the outer update theta += eps * mean_i(phi_i - theta)
(eps = 1). As metaglot's `go test -bench PeerStep ./core/reptile`, the
tasks (from metaglot's own Omniglot assets, interop/torch/metaglot_torch)
are drawn once and reused, so the figure is the learner's, not the data
pipeline's. One meta-step of warm-up, then --repeat timings of
--meta-steps meta-steps each; prints one JSON line with the best and the
median episodes/s (an episode = a task, as metaglot counts them).

    /usr/bin/python3 bench/peer_reptile.py --side-by-side [--rounds 3] [--meta-steps 3]

measures both side by side, for a machine shared with other jobs: it
builds core/reptile's test binary (go test -c, into a temporary folder;
GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd unless set, as make bench)
and, in each round, for 1 and then 2 threads, times --meta-steps
meta-steps of metaglot (BenchmarkPeerStep, -test.benchtime Nx, after its
warm-up step) right before as many of PyTorch (after one warm-up
meta-step), printing one JSON line per pair with the load average
(os.getloadavg) and the ratio metaglot/PyTorch, then the median ratio per
thread count. On a machine far more loaded than its cores, PyTorch's
two OpenMP threads may wait for each other much longer than they compute
(each is descheduled in turn): its 2-thread rate then falls below its
1-thread rate, which says more about the load than about either library;
OMP_WAIT_POLICY=PASSIVE in the environment is reported with each line.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop" / "torch"))
import metaglot_torch as mt  # noqa: E402

WAY, SHOT, QUERY, META_BATCH, INNER_STEPS, INNER_LR, EPS = 5, 5, 5, 5, 5, 0.1, 1.0
NET = "conv4"  # --net: conv4 or conv4s2


def params(g):
    """Conv4 + head as PyTorch (and metaglot's NewHeadNetParams) initialise them."""
    p = {}
    for i, cin in enumerate([1, 64, 64, 64]):
        bound = 1 / (cin * 9) ** 0.5
        p[f"c{i}.w"] = torch.empty(64, cin, 3, 3).uniform_(-bound, bound, generator=g)
        p[f"c{i}.b"] = torch.empty(64).uniform_(-bound, bound, generator=g)
        p[f"bn{i}.w"] = torch.ones(64)
        p[f"bn{i}.b"] = torch.zeros(64)
    dim = 256 if NET == "conv4s2" else 64  # the embedding's width
    bound = 1 / dim ** 0.5
    p["head.w"] = torch.empty(WAY, dim).uniform_(-bound, bound, generator=g)
    p["head.b"] = torch.empty(WAY).uniform_(-bound, bound, generator=g)
    return p


def forward(p, x, stats=None, collect=None):
    """Conv4 (or conv4s2) + head; BatchNorm with the batch's statistics
    (appended to collect) or with the given per-block (mean, var)."""
    s2 = NET == "conv4s2"
    for i in range(4):
        x = F.conv2d(x, p[f"c{i}.w"], p[f"c{i}.b"], stride=2 if s2 else 1, padding=1)
        if stats is None:
            if collect is not None:
                collect.append((x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)))
            x = F.batch_norm(x, None, None, p[f"bn{i}.w"], p[f"bn{i}.b"], True, 0.0, 1e-5)
        else:
            x = F.batch_norm(x, stats[i][0], stats[i][1], p[f"bn{i}.w"], p[f"bn{i}.b"], False, 0.0, 1e-5)
        x = F.relu(x) if s2 else F.max_pool2d(F.relu(x), 2)
    return F.linear(x.flatten(1), p["head.w"], p["head.b"])


def meta_step(theta, tasks):
    delta = {k: torch.zeros_like(v) for k, v in theta.items()}
    loss_sum = 0.0
    for sx, sy, qx, qy in tasks:
        fast = {k: v.clone().requires_grad_() for k, v in theta.items()}
        for _ in range(INNER_STEPS):
            loss = F.cross_entropy(forward(fast, sx), sy)
            grads = torch.autograd.grad(loss, list(fast.values()))
            with torch.no_grad():
                for v, gr in zip(fast.values(), grads):
                    v -= INNER_LR * gr
        with torch.no_grad():
            stats = []
            forward(fast, sx, collect=stats)
            loss_sum += F.cross_entropy(forward(fast, qx, stats=stats), qy).item()
            for k, v in fast.items():
                delta[k] += (v - theta[k]) / len(tasks)
    with torch.no_grad():
        for k in theta:
            theta[k] += EPS * delta[k]
    return loss_sum / len(tasks)


def torch_rate(theta, tasks, meta_steps):
    """episodes/s of meta_steps meta-steps."""
    t0 = time.perf_counter()
    for _ in range(meta_steps):
        loss = meta_step(theta, tasks)
    if not np.isfinite(loss):
        raise SystemExit(f"peer_reptile.py: query loss {loss}: diverged")
    return meta_steps * META_BATCH / (time.perf_counter() - t0)


def side_by_side(a, theta, tasks):
    repo = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as d:
        binary = Path(d) / "reptile.test"
        env = dict(os.environ)  # the fast kernels, as the Makefile's FAST, unless the caller chose
        env.setdefault("GOTOOLCHAIN", "go1.27.3")
        env.setdefault("GOEXPERIMENT", "simd")
        subprocess.run(["go", "test", "-c", "-o", str(binary), "./core/reptile"], cwd=repo, env=env, check=True)
        ratios = {1: [], 2: []}
        for rnd in range(a.rounds):
            for threads in (1, 2):
                suffix = "" if NET == "conv4" else "-" + NET
                bench = f"PeerStep/^{WAY}w{SHOT}s{QUERY}q-x{META_BATCH}{suffix}$/threads={threads}$"
                out = subprocess.run([str(binary), "-test.run", "X", "-test.bench", bench,
                                      "-test.benchtime", f"{a.meta_steps}x"], cwd=repo / "core" / "reptile",
                                     check=True, capture_output=True, text=True).stdout
                m = re.search(r"([0-9.]+) episodes/s", out)
                if not m:
                    raise SystemExit(f"peer_reptile.py: no episodes/s in the Go benchmark's output:\n{out}")
                ours = float(m.group(1))
                torch.set_num_threads(threads)
                meta_step(theta, tasks)  # warm-up at this thread count
                theirs = torch_rate(theta, tasks, a.meta_steps)
                ratios[threads].append(ours / theirs)
                print(json.dumps({"round": rnd + 1, "net": NET, "threads": threads, "meta_steps": a.meta_steps,
                                  "metaglot_episodes_per_s": round(ours, 3),
                                  "pytorch_episodes_per_s": round(theirs, 3),
                                  "ratio": round(ours / theirs, 2),
                                  "loadavg_1min": round(os.getloadavg()[0], 1),
                                  "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "")}), flush=True)
        print(json.dumps({"summary": "metaglot/PyTorch episodes/s, median over rounds", "net": NET, "peer": "pytorch " + torch.__version__,
                          **{f"ratio_threads_{t}": round(statistics.median(r), 2) for t, r in ratios.items()}}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--meta-steps", type=int, default=10, help="meta-steps per timing")
    ap.add_argument("--repeat", type=int, default=3, help="timings")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--side-by-side", action="store_true", help="alternate with metaglot's BenchmarkPeerStep")
    ap.add_argument("--rounds", type=int, default=3, help="--side-by-side: rounds")
    ap.add_argument("--net", choices=["conv4", "conv4s2"], default="conv4")
    a = ap.parse_args()
    global NET
    NET = a.net
    if min(a.threads, a.meta_steps, a.repeat, a.rounds) < 1:
        raise SystemExit("peer_reptile.py: --threads, --meta-steps, --repeat and --rounds must be at least 1")
    torch.set_num_threads(a.threads)
    om = mt.Omniglot()
    rng = np.random.default_rng(a.seed)
    tasks = [om.episode(rng, "train", WAY, SHOT, QUERY) for _ in range(META_BATCH)]
    theta = params(torch.Generator().manual_seed(a.seed))
    if a.side_by_side:
        side_by_side(a, theta, tasks)
        return
    meta_step(theta, tasks)  # warm-up
    rates = [torch_rate(theta, tasks, a.meta_steps) for _ in range(a.repeat)]
    print(json.dumps({"peer": "pytorch " + torch.__version__, "algo": "reptile", "net": NET, "way": WAY, "shot": SHOT,
                      "query": QUERY, "meta_batch": META_BATCH, "inner_steps": INNER_STEPS, "inner_lr": INNER_LR,
                      "threads": a.threads, "meta_steps": a.meta_steps, "repeat": a.repeat,
                      "episodes_per_s_best": round(max(rates), 2),
                      "episodes_per_s_median": round(statistics.median(rates), 2)}), flush=True)


if __name__ == "__main__":
    main()
