#!/usr/bin/python3
"""Golden vectors for metaglot's Conv4S2 (the stride-2 Omniglot network), from PyTorch.

Run by hand (never by CI), from this directory:

    apt-get install -y python3-torch      # Debian's PyTorch, if missing
    /usr/bin/python3 gen_golden_conv4s2.py  # writes golden_conv4s2.json

It builds the network of Finn et al. (2017) / Nichol et al. (2018) as
metaglot names it: an attribute `encoder`, nn.Sequential of four
[Conv2d(cin, 64, 3, stride=2, padding=1), BatchNorm2d(64), ReLU] blocks
(28 -> 14 -> 7 -> 4 -> 2), then x.flatten(1), 256-d. The parameters and the
images come from the same tiny integer hash as gen_golden.py (golden_test.go
reproduces it exactly, so the file need not store 113 000 weights); the file
records each parameter tensor's sum and first value so that the Go test
proves it rebuilt the very same ones.

For 5 images (a 5-way 1-shot task's batch), in training mode (batch
statistics) and in inference mode (running statistics), with the fixed
upstream gradient dEmb (hashed, 5x256; the loss is sum(emb * dEmb)) it
records:

  - the embeddings (5x256),
  - the gradient with respect to the images (5x1x28x28, all of it),
  - the parameter gradients: every element of the 64-element tensors, every
    37th element of the convolution weights, and sum |g| over each tensor,
  - in training mode, the running statistics after the update; in inference
    mode the running statistics used (the batch's own, perturbed: computed,
    so stored).

Values come from PyTorch in float64 on the float32-rounded parameters and
images: the exact answer up to ~1e-15.
"""
import json

import torch
import torch.nn as nn

N = 5
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


def conv4s2():
    blocks = []
    for cin in (1, 64, 64, 64):
        blocks.append(nn.Sequential(nn.Conv2d(cin, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU()))
    m = nn.Module()
    m.encoder = nn.Sequential(*blocks)
    return m.double()


def embed(model, x):
    return model.encoder(x).flatten(1)  # N x 64 x 2 x 2 -> N x 256, C,H,W order


def fill(model, mode):
    """Deterministic parameters; the streams match conv4s2_golden_test.go."""
    sd = model.state_dict()
    for i in range(4):
        cin = 1 if i == 0 else 64
        bound = 1 / (cin * 9) ** 0.5
        base = (5000 if mode == "train" else 6000) + 10 * i
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


def run(mode):
    model = conv4s2()
    fill(model, mode)
    x = hash_uniform(4001, N * 28 * 28, 0.0, 1.0).view(N, 1, 28, 28)
    d_emb = hash_uniform(4002, N * 256, -1.0, 1.0).view(N, 256)
    running_in = None
    if mode == "eval":
        # Realistic running statistics: the batch's own (one training
        # forward with momentum 1), perturbed, rounded to float32.
        model.train()
        for b in model.encoder:
            b[1].momentum = 1.0
        with torch.no_grad():
            embed(model, x)
        running_in = {}
        for i, b in enumerate(model.encoder):
            bn = b[1]
            bn.momentum = 0.1
            rm = bn.running_mean * hash_uniform(4100 + i, 64, 0.8, 1.2) + hash_uniform(4200 + i, 64, -0.05, 0.05)
            rv = bn.running_var * hash_uniform(4300 + i, 64, 0.5, 1.5)
            with torch.no_grad():
                bn.running_mean.copy_(rm.float().double())
                bn.running_var.copy_(rv.float().double())
            running_in[f"encoder.{i}.1.running_mean"] = bn.running_mean.tolist()
            running_in[f"encoder.{i}.1.running_var"] = bn.running_var.tolist()
    params = {k: {"sum": v.sum().item(), "first": v.flatten()[0].item()} for k, v in model.state_dict().items()
              if not k.endswith("num_batches_tracked")}
    model.train(mode == "train")
    x.requires_grad_(True)
    emb = embed(model, x)
    model.zero_grad()
    (emb * d_emb).sum().backward()
    rec = {"params": params, "emb": emb.detach().flatten().tolist(), "dx": x.grad.flatten().tolist(),
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
    out = {"n": N, "stride": STRIDE, "torch": torch.__version__, "train": run("train"), "eval": run("eval")}

    def fmt(o):
        if isinstance(o, float):
            return float("%.12g" % o)
        if isinstance(o, list):
            return [fmt(v) for v in o]
        if isinstance(o, dict):
            return {k: fmt(v) for k, v in o.items()}
        return o

    with open("golden_conv4s2.json", "w") as f:
        json.dump(fmt(out), f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
