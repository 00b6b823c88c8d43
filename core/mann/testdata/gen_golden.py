#!/usr/bin/python3
"""Golden vectors for metaglot's MANN (core/mann), from PyTorch autograd.

Run by hand (never by CI), from this directory:

    apt-get install -y python3-torch   # Debian's PyTorch, if missing
    /usr/bin/python3 gen_golden.py     # writes golden.json

It builds the memory-augmented network of Santoro et al. 2016 as core/mann
does (an nn.LSTMCell "controller"; nn.Linear "key", "gate" and "out"; cosine
content addressing with a softmax over the slots; least-recently-used-access
writes), with small sizes, fills its parameters and an episode batch with
seeded random values rounded to float32 (stored in the file, so the Go test
uses exactly these), and records, in float64, the probabilities at every step,
the loss (mean cross-entropy over all steps and sequences) and the gradient of
the loss with respect to every parameter. It also records a 28x28 image and
its 20x20 adaptive average pooling (the controller's input size).

Under "string" it records the same for Santoro et al.'s string labels (their
Table 2): each label is a string of 5 characters over 5 letters, given as its
index in [0, 3125) whose base-5 digits, most significant first, are the
characters; the previous label enters as five concatenated one-hot 5-vectors,
the output is five 5-way softmaxes (25 units) and a step's loss the sum of the
five cross-entropies. It runs after everything above, from its own seed, so
the one-hot vectors stay what they were.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F

P_SIDE, C, U, N, D, H = 4, 4, 8, 10, 5, 3
P = P_SIDE * P_SIDE
S, B, WAY = 12, 2, 3
GAMMA = 0.9
EPS = 1e-6  # the norms are sqrt(sum v^2 + EPS), as core/mann


def f32(t):
    return t.to(torch.float32).to(torch.float64)


def least_used(u):
    """Indices of the H smallest entries, increasing, ties to the lower index."""
    return [i for _, i in sorted((float(v), i) for i, v in enumerate(u))][:H]


def chars(code):
    """The 5 characters (0..4) of a string label's index, the first first."""
    return [code // 5 ** (4 - i) % 5 for i in range(5)]


def episode(mods, images, labels, way, string=False):
    """One-hot labels (labels: B x S classes), or string labels (labels: B x S
    indices of strings; way unused)."""
    cell, key, gate, out = mods
    L = 25 if string else C
    h = torch.zeros(B, U, dtype=torch.float64)
    c = torch.zeros(B, U, dtype=torch.float64)
    r = torch.zeros(B, H * D, dtype=torch.float64)
    wr = torch.zeros(B, H, N, dtype=torch.float64)
    usage = torch.zeros(B, N, dtype=torch.float64)
    mem = torch.zeros(B, N, D, dtype=torch.float64)
    loss, probs = 0, []
    for t in range(S):
        prev = torch.zeros(B, L, dtype=torch.float64)
        if t > 0 and string:
            for b in range(B):
                for i, ch in enumerate(chars(int(labels[b, t - 1]))):
                    prev[b, 5 * i + ch] = 1
        elif t > 0:
            prev[torch.arange(B), labels[:, t - 1]] = 1
        x = torch.cat([images[:, t], prev, r], 1)
        h, c = cell(x, (h, c))
        k = torch.tanh(key(h)).view(B, H, D)
        g = torch.sigmoid(gate(h)).view(B, H, 1)
        lu = [least_used(usage[b].detach()) for b in range(B)]
        lu_mask = torch.zeros(B, 1, N, dtype=torch.float64)
        keep = torch.ones(B, N, 1, dtype=torch.float64)
        for b in range(B):
            lu_mask[b, 0, lu[b]] = 1
            keep[b, lu[b][0], 0] = 0
        ww = g * wr + (1 - g) * lu_mask
        mem = mem * keep + torch.einsum("bhn,bhd->bnd", ww, k)
        kn = torch.sqrt((k * k).sum(-1) + EPS)
        mn = torch.sqrt((mem * mem).sum(-1) + EPS)
        sim = torch.einsum("bhd,bnd->bhn", k, mem) / (kn[:, :, None] * mn[:, None, :])
        wr = torch.softmax(sim, -1)
        r = torch.einsum("bhn,bnd->bhd", wr, mem).reshape(B, H * D)
        usage = (GAMMA * usage + wr.sum(1) + ww.sum(1)).detach()
        if string:
            logp = torch.log_softmax(out(torch.cat([h, r], 1)).view(B, 5, 5), -1)  # B x char x letter
            probs.append(logp.exp().reshape(B, 25))
            for b in range(B):
                for i, ch in enumerate(chars(int(labels[b, t]))):
                    loss = loss - logp[b, i, ch]
            continue
        logits = out(torch.cat([h, r], 1))[:, :way]
        logp = torch.log_softmax(logits, -1)
        probs.append(logp.exp())
        loss = loss - logp[torch.arange(B), labels[:, t]].sum()
    return loss / (S * B), torch.stack(probs, 0)  # probs S x B x way


def main():
    torch.manual_seed(14)
    cell = nn.LSTMCell(P + C + H * D, U).double()
    key, gate, out = nn.Linear(U, H * D).double(), nn.Linear(U, H).double(), nn.Linear(U + H * D, C).double()
    m = nn.Module()
    m.controller, m.key, m.gate, m.out = cell, key, gate, out
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(f32(p * 3))  # larger than the default init: saturating gates, peaked reads
    images = f32(torch.rand(B, S, P, dtype=torch.float64))
    labels = torch.randint(0, WAY, (B, S))
    loss, probs = episode((cell, key, gate, out), images, labels, WAY)
    loss.backward()
    img = f32(torch.rand(1, 1, 28, 28, dtype=torch.float64))
    pooled = F.adaptive_avg_pool2d(img, 20)
    res = {
        "torch": torch.__version__,
        "config": {"pixels": P, "side": P_SIDE, "classes": C, "units": U, "slots": N, "width": D, "heads": H,
                   "gamma": GAMMA, "steps": S, "batch": B, "way": WAY},
        "params": {n: p.detach().flatten().tolist() for n, p in m.named_parameters()},
        "grads": {n: p.grad.flatten().tolist() for n, p in m.named_parameters()},
        "images": images.flatten().tolist(),  # B x S x P
        "labels": labels.tolist(),  # B x S
        "loss": loss.item(),
        "probs": probs.flatten().tolist(),  # S x B x way
        "image28": img.flatten().tolist(),
        "pooled20": pooled.flatten().tolist(),
    }
    res["string"] = string_part()
    with open("golden.json", "w") as f:
        json.dump(res, f)
    print("loss", loss.item())


def string_part():
    """The string-label episode: 25 label units in and out, way 4 strings
    per sequence, distinct within it."""
    torch.manual_seed(1416)
    L = 25
    cell = nn.LSTMCell(P + L + H * D, U).double()
    key, gate, out = nn.Linear(U, H * D).double(), nn.Linear(U, H).double(), nn.Linear(U + H * D, L).double()
    m = nn.Module()
    m.controller, m.key, m.gate, m.out = cell, key, gate, out
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(f32(p * 3))
    images = f32(torch.rand(B, S, P, dtype=torch.float64))
    codes = torch.stack([torch.randperm(3125)[:4] for _ in range(B)])  # 4 classes' strings per sequence
    classes = torch.randint(0, 4, (B, S))
    labels = torch.gather(codes, 1, classes)  # B x S string indices
    loss, probs = episode((cell, key, gate, out), images, labels, 0, string=True)
    loss.backward()
    print("string loss", loss.item())
    return {
        "params": {n: p.detach().flatten().tolist() for n, p in m.named_parameters()},
        "grads": {n: p.grad.flatten().tolist() for n, p in m.named_parameters()},
        "images": images.flatten().tolist(),  # B x S x P
        "labels": labels.tolist(),  # B x S string indices
        "loss": loss.item(),
        "probs": probs.flatten().tolist(),  # S x B x 25
    }


if __name__ == "__main__":
    main()
