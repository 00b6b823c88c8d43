#!/usr/bin/python3
"""Meta-train metaglot's Conv4 or conv4s2 in PyTorch (ProtoNet or FOMAML) and
write a model file metaglot loads as it is (`metaglot eval -model FILE`).
-net conv4s2 trains the stride-2 network (metaglot_torch.Conv4S2) and
records "net": "conv4s2" in the model's config.

One CPU:
    /usr/bin/python3 interop/torch/train.py -algo protonet -episodes 200 -out /tmp/pt.safetensors
Several processes (DistributedDataParallel, gloo backend, on CPU: the
script does not move the module and episodes to GPUs):
    torchrun --nproc_per_node 2 --redirects 1:1 --tee 0:1 interop/torch/train.py -algo protonet -episodes 600 -out /tmp/pt.safetensors
(--redirects and --tee as mappings work around Debian's torchrun under
Python 3.11; see demo.sh.)

The episodes are metaglot's: N-way K-shot episodes of the Vinyals split's
training classes (trainval, 4800 with rotations) from assets/omniglot, the
same pixels metaglot trains on (see metaglot_torch.Omniglot).

What a step is, and the effective batch (recorded as "meta_batch" in the
model's config, "episodes" counting tasks, as metaglot does):
  protonet  each rank draws its own episode (support and queries embedded
            as one BatchNorm batch, as metaglot) and DDP averages the
            gradients: one Adam step per world_size episodes, which is
            metaglot's -meta-batch world_size (the default; a multiple of
            the world size runs -meta-batch/world_size episodes per rank,
            gradients accumulated). DDP broadcasts rank 0's BatchNorm
            running statistics before each forward, so the saved ones
            follow rank 0's episodes (metaglot's, every episode in turn).
  fomaml    a meta-batch of -meta-batch tasks is split across the ranks
            (task i on rank i mod world_size; -meta-batch must be a
            multiple of world_size); each task adapts a copy of the
            parameters by -inner-steps SGD steps on its support, and the
            query loss is taken at the adapted weights written as the
            meta-parameters plus a constant offset, so its gradient through
            the DDP module is the first-order MAML gradient; DDP sums it
            over ranks (no_sync for all but a rank's last task) and divides
            by world_size, and the script scales by 1/tasks-per-rank: the
            mean over the meta-batch. -bn support (metaglot's default:
            queries normalised by the support's statistics under the adapted
            weights), running, or transductive; running statistics are not
            updated.
Step s's task i (of -meta-batch) is drawn from numpy's generator seeded
(-seed, s*meta_batch + i), whichever rank runs it, so a run of N processes
trains on the very tasks of a one-process run with the same -meta-batch:
ddp_check.py compares the two models.
The file's "description" records the PyTorch version, world size and backend.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
import metaglot_torch as mt  # noqa: E402


def protonet_loss(emb, way, shot, query):
    """Snell et al.'s loss, as core/protonet.Loss: prototypes are the mean
    support embeddings, logits the negative squared Euclidean distances."""
    s, q = emb[:way * shot], emb[way * shot:]
    protos = s.reshape(way, shot, -1).mean(1)
    logits = -((q[:, None, :] - protos[None]) ** 2).sum(-1)
    y = torch.arange(way).repeat_interleave(query)
    return F.cross_entropy(logits, y), (logits.argmax(1) == y).float().mean()


def fomaml_task(module, ddp, sx, sy, qx, qy, a):
    """One task: adapts a copy of the parameters (as offsets delta from
    them) on the support set, and returns the query logits and loss at the
    adapted weights, computed through ddp so that the loss's backward puts
    the first-order MAML gradient into the meta-parameters' .grad."""
    names = [n for n, _ in module.named_parameters()]
    delta = {n: torch.zeros_like(p) for n, p in module.named_parameters()}
    bn = "running" if a.bn == "running" else "batch"
    for _ in range(a.inner_steps):
        d = {n: v.requires_grad_() for n, v in delta.items()}
        loss = F.cross_entropy(module.logits(sx, delta=d, bn=bn), sy)
        grads = torch.autograd.grad(loss, [d[n] for n in names])
        delta = {n: (d[n] - a.inner_lr * g).detach() for n, g in zip(names, grads)}
    if a.bn == "support":
        stats = []
        with torch.no_grad():
            module.forward(sx, delta=delta, bn="batch", stats_out=stats)
        qbn = stats
    else:
        qbn = "running" if a.bn == "running" else "batch"
    logits = ddp(qx, delta=delta, bn=qbn, logits=True)
    return logits, F.cross_entropy(logits, qy)


class Wrapped(torch.nn.Module):
    """Routes DDP's forward to the module's forward or logits."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x, delta=None, bn=None, logits=False):
        return (self.m.logits if logits else self.m.forward)(x, delta, bn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-algo", choices=["protonet", "fomaml"], default="protonet")
    ap.add_argument("-net", choices=list(mt.NETS), default="conv4",
                    help="embedding network: conv4 (max-pooling) or conv4s2 (stride-2 convolutions, 256-d)")
    ap.add_argument("-way", type=int)
    ap.add_argument("-shot", type=int)
    ap.add_argument("-query", type=int)
    ap.add_argument("-episodes", type=int, required=True, help="tasks to train (all ranks together)")
    ap.add_argument("-lr", type=float, default=1e-3, help="Adam learning rate")
    ap.add_argument("-lr-halve-every", type=int, default=0, help="halve lr every this many episodes (0: never)")
    ap.add_argument("-meta-batch", type=int,
                    help="tasks per step over all ranks, a multiple of the world size (default: protonet the world size, fomaml 8)")
    ap.add_argument("-inner-steps", type=int, default=1)
    ap.add_argument("-inner-lr", type=float, default=0.4)
    ap.add_argument("-adapt-steps", type=int, default=10, help="fomaml: recorded for metaglot eval")
    ap.add_argument("-bn", choices=["support", "running", "transductive"], default="support")
    ap.add_argument("-optim", choices=["adam", "sgd"], default="adam",
                    help="adam (metaglot's); sgd only for ddp_check.py: Adam's first steps move a parameter by ±lr "
                         "whatever its gradient's size, so rounding noise in a (near-)zero gradient, such as a "
                         "convolution bias's before BatchNorm, becomes a difference of lr")
    ap.add_argument("-seed", type=int, default=1)
    ap.add_argument("-threads", type=int, default=1, help="torch threads per process")
    ap.add_argument("-assets", default=str(mt.ASSETS))
    ap.add_argument("-out", required=True, help="model file (.safetensors) to write")
    ap.add_argument("-log-every", type=int, default=50, help="print a JSON line every this many steps")
    ap.add_argument("-fixture", help="also write JSON: 4 test images and the model's embeddings (and logits) in inference mode")
    a = ap.parse_args()
    proto = a.algo == "protonet"
    a.way = a.way or (20 if proto else 5)
    a.shot = a.shot or (5 if proto else 1)
    a.query = a.query or (5 if proto else 1)
    for flag, v, lo in (("way", a.way, 2), ("shot", a.shot, 1), ("query", a.query, 1), ("episodes", a.episodes, 1),
                        ("inner-steps", a.inner_steps, 1), ("adapt-steps", a.adapt_steps, 0), ("threads", a.threads, 1)):
        if v < lo:
            raise SystemExit(f"-{flag} {v}: want at least {lo}")
    if a.shot + a.query > 20:
        raise SystemExit(f"-shot {a.shot} -query {a.query}: Omniglot has 20 drawings per class, want shot+query <= 20")
    if not Path(a.out).resolve().parent.is_dir():
        raise SystemExit(f"-out {a.out}: its directory does not exist")

    torch.set_num_threads(a.threads)
    world, rank, backend = 1, 0, "none"
    if "WORLD_SIZE" in os.environ:
        backend = "gloo"  # CPU tensors: this script does not move anything to a GPU
        dist.init_process_group(backend)
        world, rank = dist.get_world_size(), dist.get_rank()
    a.meta_batch = a.meta_batch or (world if proto else 8)
    if a.meta_batch % world:
        raise SystemExit(f"-meta-batch {a.meta_batch} is not a multiple of the world size {world}")
    per_rank = a.meta_batch // world

    torch.manual_seed(a.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    module = mt.net_class(a.net)(0 if proto else a.way)
    module.train()
    ddp = DDP(Wrapped(module)) if world > 1 else Wrapped(module)
    opt = (torch.optim.Adam if a.optim == "adam" else torch.optim.SGD)(module.parameters(), lr=a.lr)
    data = mt.Omniglot(a.assets)
    if a.way > len(data.classes["train"]):
        raise SystemExit(f"-way {a.way}: the training split has {len(data.classes['train'])} classes")

    steps = -(-a.episodes // a.meta_batch)
    t0, log = time.time(), []
    for step in range(steps):
        ep = step * a.meta_batch
        lr = a.lr * 0.5 ** (ep // a.lr_halve_every) if a.lr_halve_every else a.lr
        for g in opt.param_groups:
            g["lr"] = lr
        # Each step's tasks from their own stream: (seed, step, task index).
        tasks = [step * a.meta_batch + rank + world * j for j in range(per_rank)]
        opt.zero_grad()
        accs, losses = [], []
        for j, t in enumerate(tasks):
            rng = np.random.default_rng([a.seed, t])
            sx, sy, qx, qy = data.episode(rng, "train", a.way, a.shot, a.query)
            # DDP all-reduces at a rank's last backward of the step only.
            with ddp.no_sync() if world > 1 and j < per_rank - 1 else _Null():
                if proto:
                    loss, acc = protonet_loss(ddp(torch.cat([sx, qx])), a.way, a.shot, a.query)
                else:
                    logits, loss = fomaml_task(module, ddp, sx, sy, qx, qy, a)
                    acc = (logits.argmax(1) == qy).float().mean()
                (loss / per_rank).backward()
            accs.append(acc.item())
            losses.append(loss.item())
        opt.step()
        if (step + 1) % a.log_every == 0 or step + 1 == steps:
            m = torch.tensor([np.mean(losses), np.mean(accs)])
            if world > 1:
                dist.all_reduce(m)
                m /= world
            line = {"episodes": (step + 1) * a.meta_batch, "loss": round(m[0].item(), 4),
                    "acc": round(m[1].item(), 4), "lr": lr, "seconds": round(time.time() - t0, 1)}
            log.append(line)
            if rank == 0:
                print(json.dumps(line), flush=True)
    seconds = time.time() - t0

    if rank == 0:
        cfg = {"algo": a.algo, "split": "vinyals", "way": a.way, "shot": a.shot, "query": a.query,
               "episodes": steps * a.meta_batch, "lr": a.lr, "lr_halve_every": a.lr_halve_every,
               "inner_steps": 0, "inner_lr": 0, "adapt_steps": 0, "meta_batch": a.meta_batch,
               "proto_head": False, "seed": a.seed, "checkpoint_every": 100, "val_every": 0, "val_episodes": 100}
        if not proto:
            cfg.update(inner_steps=a.inner_steps, inner_lr=a.inner_lr, adapt_steps=a.adapt_steps, bn=a.bn)
        if a.net != "conv4":
            cfg["net"] = a.net  # modelfile.Config's "net" (omitted for Conv4, as metaglot omits it)
        desc = (f"trained in PyTorch {torch.__version__} by interop/torch/train.py: world size {world}, "
                f"backend {backend}, {a.threads} thread(s) per process, effective meta-batch {a.meta_batch} "
                f"({per_rank} task(s) per rank per step)" + ("" if a.optim == "adam" else f", optimizer {a.optim}"))
        module.eval()
        mt.save_model(a.out, module, cfg, steps * a.meta_batch, seconds, desc)
        if a.fixture:
            write_fixture(a.fixture, module, data)
        print(json.dumps({"out": a.out, "episodes": steps * a.meta_batch, "wall_seconds": round(seconds, 1),
                          "world_size": world, "backend": backend, "torch": torch.__version__}), flush=True)
    if world > 1:
        dist.destroy_process_group()


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def write_fixture(path, module, data):
    """Four test-class images (one of each rotation), where they come from (character index in
    index.json's order, drawer, quarter turns), the split's class counts,
    and what the module computes for the images in inference mode (running
    statistics): metaglot must read the same pixels and compute the same."""
    rng = np.random.default_rng(2026)
    test = data.classes["test"]
    chars = sorted({c for c, _ in test})  # one image of each rotation
    items = [(int(c), int(d), rot) for rot, (c, d) in
             enumerate(zip(rng.choice(chars, 4, replace=False), rng.choice(20, 4)))]
    x = torch.from_numpy(np.stack([data.image(*it) for it in items])[:, None].copy())
    with torch.no_grad():
        out = {"images": x.flatten().tolist(), "embeddings": module(x).flatten().tolist(), "items": items,
               "classes": {k: len(v) for k, v in data.classes.items()}}
        if module.way:
            out["logits"] = module.logits(x).flatten().tolist()
    Path(path).write_text(json.dumps(out) + "\n")

if __name__ == "__main__":
    main()
