#!/usr/bin/python3
"""Reptile in PyTorch, as a peer for metaglot's Reptile training throughput
(issue 13, item 3).

Run by hand (never by make test), from the repository root:

    /usr/bin/python3 bench/peer_reptile.py [--threads 1] [--meta-steps 10] [--repeat 3]

It times Reptile meta-steps with the settings of metaglot's recipe
`reptile` (`metaglot recipes`; core/reptile): Conv4 + a learned 5-way
linear head from a random start, 5-way 5-shot tasks with 5 queries per
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
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop" / "torch"))
import metaglot_torch as mt  # noqa: E402

WAY, SHOT, QUERY, META_BATCH, INNER_STEPS, INNER_LR, EPS = 5, 5, 5, 5, 5, 0.1, 1.0


def params(g):
    """Conv4 + head as PyTorch (and metaglot's NewHeadNetParams) initialise them."""
    p = {}
    for i, cin in enumerate([1, 64, 64, 64]):
        bound = 1 / (cin * 9) ** 0.5
        p[f"c{i}.w"] = torch.empty(64, cin, 3, 3).uniform_(-bound, bound, generator=g)
        p[f"c{i}.b"] = torch.empty(64).uniform_(-bound, bound, generator=g)
        p[f"bn{i}.w"] = torch.ones(64)
        p[f"bn{i}.b"] = torch.zeros(64)
    bound = 1 / 64 ** 0.5
    p["head.w"] = torch.empty(WAY, 64).uniform_(-bound, bound, generator=g)
    p["head.b"] = torch.empty(WAY).uniform_(-bound, bound, generator=g)
    return p


def forward(p, x, stats=None, collect=None):
    """Conv4 + head; BatchNorm with the batch's statistics (appended to
    collect) or with the given per-block (mean, var)."""
    for i in range(4):
        x = F.conv2d(x, p[f"c{i}.w"], p[f"c{i}.b"], padding=1)
        if stats is None:
            if collect is not None:
                collect.append((x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)))
            x = F.batch_norm(x, None, None, p[f"bn{i}.w"], p[f"bn{i}.b"], True, 0.0, 1e-5)
        else:
            x = F.batch_norm(x, stats[i][0], stats[i][1], p[f"bn{i}.w"], p[f"bn{i}.b"], False, 0.0, 1e-5)
        x = F.max_pool2d(F.relu(x), 2)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--meta-steps", type=int, default=10, help="meta-steps per timing")
    ap.add_argument("--repeat", type=int, default=3, help="timings")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.threads < 1 or a.meta_steps < 1 or a.repeat < 1:
        raise SystemExit("peer_reptile.py: --threads, --meta-steps and --repeat must be at least 1")
    torch.set_num_threads(a.threads)
    om = mt.Omniglot()
    rng = np.random.default_rng(a.seed)
    tasks = [om.episode(rng, "train", WAY, SHOT, QUERY) for _ in range(META_BATCH)]
    theta = params(torch.Generator().manual_seed(a.seed))
    meta_step(theta, tasks)  # warm-up
    rates = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        for _ in range(a.meta_steps):
            loss = meta_step(theta, tasks)
        rates.append(a.meta_steps * META_BATCH / (time.perf_counter() - t0))
    if not np.isfinite(loss):
        raise SystemExit(f"peer_reptile.py: query loss {loss}: diverged")
    print(json.dumps({"peer": "pytorch " + torch.__version__, "algo": "reptile", "way": WAY, "shot": SHOT,
                      "query": QUERY, "meta_batch": META_BATCH, "inner_steps": INNER_STEPS, "inner_lr": INNER_LR,
                      "threads": a.threads, "meta_steps": a.meta_steps, "repeat": a.repeat,
                      "episodes_per_s_best": round(max(rates), 2),
                      "episodes_per_s_median": round(statistics.median(rates), 2)}), flush=True)


if __name__ == "__main__":
    main()
