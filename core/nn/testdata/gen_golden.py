#!/usr/bin/python3
"""Golden vectors for metaglot's Conv4 + ProtoNet loss, from PyTorch.

Run by hand (never by CI), from this directory:

    apt-get install -y python3-torch   # Debian's PyTorch, if missing
    /usr/bin/python3 gen_golden.py     # writes golden.json

It builds Conv4 as metaglot names it (nn.Sequential of four
[Conv2d(3x3, 64, padding 1), BatchNorm2d(64), ReLU, MaxPool2d(2)] blocks in an
attribute `encoder`), fills the parameters and the input images with values
from a tiny integer hash that the Go test reproduces exactly (so the fixture
need not store 113 000 weights), and records, for a 2-way 2-shot 1-query
episode (6 images), in training mode (batch statistics) and in inference mode
(running statistics):

  - the embeddings (6x64), the ProtoNet loss and accuracy,
  - the gradients of the loss: every element of the 64-element tensors, every
    37th element of the convolution weights (and the sum of |g| over all of
    them), in state_dict names,
  - in training mode, the running statistics after the update; in inference
    mode, the running statistics used (the batch's own, perturbed, stored
    because they are computed rather than hashed).

Values come from PyTorch in float64 on the float32-rounded parameters and
images, so they are the exact answer up to ~1e-15; metaglot's float32 Conv4
must be within 1e-4 of them, its float64 code within 1e-9.
"""
import json

import torch
import torch.nn as nn

WAY, SHOT, QUERY = 2, 2, 1
N = WAY * (SHOT + QUERY)
STRIDE = 37
M32 = 0xFFFFFFFF


def hash_uniform(stream, count, lo, hi):
    """count values lo + (hi-lo)*u, u = lowbias32(stream*0x9E3779B9 + k)/2^32,
    rounded to float32. Exact integer arithmetic, as golden_test.go."""
    out = []
    for k in range(count):
        x = (stream * 0x9E3779B9 + k) & M32
        x ^= x >> 16
        x = (x * 0x7FEB352D) & M32
        x ^= x >> 15
        x = (x * 0x846CA68B) & M32
        x ^= x >> 16
        out.append(lo + (hi - lo) * (x / 4294967296.0))
    return torch.tensor(out, dtype=torch.float64).to(torch.float32).to(torch.float64)


def conv4():
    blocks = []
    for cin in (1, 64, 64, 64):
        blocks.append(nn.Sequential(nn.Conv2d(cin, 64, 3, padding=1), nn.BatchNorm2d(64),
                                    nn.ReLU(), nn.MaxPool2d(2)))
    m = nn.Module()
    m.encoder = nn.Sequential(*blocks)
    return m.double()


def fill(model, mode):
    """Deterministic parameters; the streams match golden_test.go."""
    sd = model.state_dict()
    for i in range(4):
        cin = 1 if i == 0 else 64
        bound = 1 / (cin * 9) ** 0.5
        base = (1000 if mode == "train" else 2000) + 10 * i
        vals = {
            f"encoder.{i}.0.weight": hash_uniform(base + 0, 64 * cin * 9, -bound, bound).view(64, cin, 3, 3),
            f"encoder.{i}.0.bias": hash_uniform(base + 1, 64, -bound, bound),
            f"encoder.{i}.1.weight": hash_uniform(base + 2, 64, 0.75, 1.25),
            f"encoder.{i}.1.bias": hash_uniform(base + 3, 64, -0.2, 0.2),
            f"encoder.{i}.1.running_mean": hash_uniform(base + 4, 64, -0.1, 0.1),
            f"encoder.{i}.1.running_var": hash_uniform(base + 5, 64, 0.5, 1.5),
        }
        with torch.no_grad():
            for k, v in vals.items():
                sd[k].copy_(v)


def protonet_loss(emb):
    support, queries = emb[: WAY * SHOT], emb[WAY * SHOT:]          # (way*shot)xD, (way*query)xD
    proto = support.view(WAY, SHOT, -1).mean(1)                     # way x D
    d = ((queries[:, None, :] - proto[None, :, :]) ** 2).sum(-1)    # (way*query) x way
    logp = torch.log_softmax(-d, dim=1)
    labels = torch.arange(WAY).repeat_interleave(QUERY)
    loss = -logp[torch.arange(len(labels)), labels].mean()
    acc = (logp.argmax(1) == labels).double().mean()
    return loss, acc


def run(mode):
    torch.manual_seed(0)
    model = conv4()
    fill(model, mode)
    x = hash_uniform(1, N * 28 * 28, 0.0, 1.0).view(N, 1, 28, 28)
    running_in = None
    if mode == "eval":
        # Realistic running statistics: the batch's own (one training
        # forward with momentum 1), perturbed, rounded to float32.
        model.train()
        for b in model.encoder:
            b[1].momentum = 1.0
        with torch.no_grad():
            model.encoder(x)
        running_in = {}
        for i, b in enumerate(model.encoder):
            bn = b[1]
            bn.momentum = 0.1
            rm = bn.running_mean * hash_uniform(3000 + i, 64, 0.8, 1.2) + hash_uniform(3100 + i, 64, -0.05, 0.05)
            rv = bn.running_var * hash_uniform(3200 + i, 64, 0.5, 1.5)
            with torch.no_grad():
                bn.running_mean.copy_(rm.float().double())
                bn.running_var.copy_(rv.float().double())
            running_in[f"encoder.{i}.1.running_mean"] = bn.running_mean.tolist()
            running_in[f"encoder.{i}.1.running_var"] = bn.running_var.tolist()
    model.train(mode == "train")
    emb = model.encoder(x).view(N, 64)
    loss, acc = protonet_loss(emb)
    model.zero_grad()
    loss.backward()
    rec = {"emb": emb.detach().flatten().tolist(), "loss": loss.item(), "acc": acc.item(),
           "grads": {}, "grad_abs_sum": {}}
    for name, p in model.named_parameters():
        g = p.grad.detach().flatten()
        rec["grads"][name] = g[::STRIDE].tolist() if g.numel() > 64 else g.tolist()
        rec["grad_abs_sum"][name] = g.abs().sum().item()
    if running_in is not None:
        rec["running_in"] = running_in
    if mode == "train":
        rec["running"] = {k: v.flatten().tolist() for k, v in model.state_dict().items()
                          if k.endswith("running_mean") or k.endswith("running_var")}
    return rec


def main():
    torch.set_default_dtype(torch.float64)
    out = {"way": WAY, "shot": SHOT, "query": QUERY, "stride": STRIDE,
           "torch": torch.__version__, "train": run("train"), "eval": run("eval")}

    def fmt(o):
        if isinstance(o, float):
            return float("%.12g" % o)
        if isinstance(o, list):
            return [fmt(v) for v in o]
        if isinstance(o, dict):
            return {k: fmt(v) for k, v in o.items()}
        return o

    with open("golden.json", "w") as f:
        json.dump(fmt(out), f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
