#!/usr/bin/python3
"""First-order MAML in PyTorch, as a peer for metaglot's learning curve.

Run by hand (never by make test):

    /usr/bin/python3 bench/peer_fomaml.py [--steps 1000] [--bn support|transductive]
    /usr/bin/python3 bench/peer_fomaml.py --speed 10 [--meta-batch 32 --query 1 --threads 2] [--net conv4s2]

--speed N times N meta-steps after one of warm-up and prints one JSON line
with the training throughput in tasks/s (the figure metaglot's
`go test -bench Step ./core/maml` reports for the same setting).

It meta-trains Conv4 + a 5-way linear head with the settings of
`make pretrain`'s FOMAML run (5-way 1-shot 5-query tasks, meta-batch 8, one
inner SGD step of lr 0.4, outer Adam 1e-3) on Omniglot's background
alphabets (x4 rotations, 28x28 by area averaging) and prints one JSON line
per 100 meta-steps: the mean post-adaptation query accuracy of those steps
and, every 500 steps, the 5-way 1-shot accuracy on 200 tasks from the
evaluation alphabets (10 adaptation steps).

--net picks the network: conv4 (the max-pooling Conv4, a 64-input head) or
conv4s2 (Finn et al.'s and Nichol et al.'s Omniglot network: 3x3 convolutions
of stride 2 and padding 1, BatchNorm, ReLU, no pooling, the last 64x2x2
flattened into a 256-input head; metaglot's -net conv4s2, whose
`go test -bench Step/5w1s1q-x32-conv4s2 ./core/maml` is the same setting).

--bn picks how queries are normalised:
  support       with the support set's batch statistics under the adapted
                weights (metaglot's choice: one query at a time), and
  transductive  with the query batch's own statistics (Finn et al.'s code).

The point is the shape of the curve under each choice, not an exact match
of metaglot's numbers (different data order and initial weights).
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F

DATA = "../shared/data/omniglot"
NET = "conv4"  # --net: conv4 or conv4s2


def load(name):
    ims = np.load(f"{DATA}/images_{name}.npz")["images"]  # C,20,105,105; 0 = ink
    x = torch.from_numpy((~ims).astype(np.float32)).reshape(-1, 1, 105, 105)
    x = F.interpolate(x, size=(28, 28), mode="area")
    return x.reshape(ims.shape[0], 20, 28, 28)


def params(way, g):
    p = {}
    for i, cin in enumerate([1, 64, 64, 64]):
        bound = 1 / (cin * 9) ** 0.5  # kaiming_uniform_(a=sqrt(5)), as nn.Conv2d
        p[f"c{i}.w"] = torch.empty(64, cin, 3, 3).uniform_(-bound, bound, generator=g)
        p[f"c{i}.b"] = torch.empty(64).uniform_(-bound, bound, generator=g)
        p[f"bn{i}.w"] = torch.ones(64)
        p[f"bn{i}.b"] = torch.zeros(64)
    dim = 256 if NET == "conv4s2" else 64  # the embedding's width
    bound = 1 / dim ** 0.5
    p["head.w"] = torch.empty(way, dim).uniform_(-bound, bound, generator=g)
    p["head.b"] = torch.empty(way).uniform_(-bound, bound, generator=g)
    return {k: v.requires_grad_() for k, v in p.items()}


def forward(p, x, stats=None, collect=None):
    """Conv4 (or conv4s2) + head. stats: per-block (mean, var) to normalise
    with; None = the batch's own. collect: list receiving the batch
    statistics used."""
    s2 = NET == "conv4s2"
    for i in range(4):
        x = F.conv2d(x, p[f"c{i}.w"], p[f"c{i}.b"], stride=2 if s2 else 1, padding=1)
        if stats is None:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
            if collect is not None:
                collect.append((mean.detach(), var.detach()))
        else:
            mean, var = stats[i]
        x = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + 1e-5)
        x = x * p[f"bn{i}.w"][None, :, None, None] + p[f"bn{i}.b"][None, :, None, None]
        x = F.relu(x) if s2 else F.max_pool2d(F.relu(x), 2)
    return F.linear(x.flatten(1), p["head.w"], p["head.b"])


def task(data, classes, rng, way=5, shot=1, query=5):
    picked = rng.choice(classes, way, replace=False)
    sx, sy, qx, qy = [], [], [], []
    for k, c in enumerate(picked):
        char, rot = divmod(int(c), 4)
        draws = rng.choice(20, shot + query, replace=False)
        ims = torch.rot90(data[char, draws], rot, dims=(1, 2)).unsqueeze(1)
        sx.append(ims[:shot]); qx.append(ims[shot:])
        sy += [k] * shot; qy += [k] * query
    return torch.cat(sx), torch.tensor(sy), torch.cat(qx), torch.tensor(qy)


def adapt(p, sx, sy, steps, lr):
    fast = {k: v.detach().clone().requires_grad_() for k, v in p.items()}
    for _ in range(steps):
        loss = F.cross_entropy(forward(fast, sx), sy)
        grads = torch.autograd.grad(loss, list(fast.values()))
        fast = {k: (v - lr * g).detach().requires_grad_() for (k, v), g in zip(fast.items(), grads)}
    return fast


def query_logits(fast, sx, qx, bn):
    if bn == "transductive":
        return forward(fast, qx)
    stats = []
    with torch.no_grad():
        forward(fast, sx, collect=stats)
    return forward(fast, qx, stats=stats)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--bn", choices=["support", "transductive"], default="support")
    ap.add_argument("--meta-batch", type=int, default=8)
    ap.add_argument("--inner-lr", type=float, default=0.4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--query", type=int, default=5, help="query images per class in training")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--speed", type=int, default=0, help="time this many meta-steps and exit")
    ap.add_argument("--net", choices=["conv4", "conv4s2"], default="conv4")
    a = ap.parse_args()
    global NET
    NET = a.net
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    bg, ev = load("background"), load("evaluation")
    train_classes, test_classes = np.arange(bg.shape[0] * 4), np.arange(ev.shape[0] * 4)
    p = params(5, torch.Generator().manual_seed(a.seed))
    opt = torch.optim.Adam(p.values(), lr=1e-3)
    accs, t0 = [], time.time()
    if a.speed:
        a.steps = a.speed + 1
    for step in range(1, a.steps + 1):
        if a.speed and step == 2:
            t0 = time.time()  # after one meta-step of warm-up
        opt.zero_grad()
        for _ in range(a.meta_batch):
            sx, sy, qx, qy = task(bg, train_classes, rng, query=a.query)
            fast = adapt(p, sx, sy, 1, a.inner_lr)
            logits = query_logits(fast, sx, qx, a.bn)
            loss = F.cross_entropy(logits, qy)
            grads = torch.autograd.grad(loss, list(fast.values()))
            for v, g in zip(p.values(), grads):
                v.grad = g / a.meta_batch if v.grad is None else v.grad + g / a.meta_batch
            accs.append((logits.argmax(1) == qy).float().mean().item())
        opt.step()
        if a.speed and step == a.steps:
            dt = time.time() - t0
            print(json.dumps({"peer": "pytorch " + torch.__version__, "net": a.net, "bn": a.bn, "meta_batch": a.meta_batch,
                              "query": a.query, "threads": a.threads, "meta_steps": a.speed,
                              "tasks_per_s": round(a.speed * a.meta_batch / dt, 1)}), flush=True)
            return
        if step % 100 == 0:
            line = {"net": a.net, "bn": a.bn, "meta_step": step, "tasks": step * a.meta_batch,
                    "train_acc": float(np.mean(accs[-100 * a.meta_batch:])),
                    "seconds": round(time.time() - t0, 1)}
            if step % 500 == 0:
                vrng = np.random.default_rng(12345)
                ok = []
                for _ in range(200):
                    sx, sy, qx, qy = task(ev, test_classes, vrng, query=15)
                    fast = adapt(p, sx, sy, 10, a.inner_lr)
                    with torch.no_grad():
                        ok.append((query_logits(fast, sx, qx, a.bn).argmax(1) == qy).float().mean().item())
                line["val_acc"] = float(np.mean(ok))
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
