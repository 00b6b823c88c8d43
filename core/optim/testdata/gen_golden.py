#!/usr/bin/python3
"""Writes golden.json: parameters after each step of torch.optim.Adam,
torch.optim.SGD and torch.optim.RMSprop on fixed gradients, the reference for optim's Go tests.

Run by hand from this directory with Debian's PyTorch (apt-get install
python3-torch), never from the tests:

    /usr/bin/python3 gen_golden.py

Hyperparameters and data are rounded to float32 first, so the Go side,
which holds them as float32, starts from exactly the same numbers.
"""
import json
import struct

import torch


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def values(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


SHAPES = [("w", [2, 3]), ("b", [3])]


def make_case(name, kind, config, steps, seed, omit=None, lrs=None):
    """omit: {step index: [names without a gradient at that step]};
    lrs: {step index: learning rate set before that step}."""
    omit = omit or {}
    lrs = lrs or {}
    gen = torch.Generator().manual_seed(seed)
    params = [torch.randn(shape, generator=gen).requires_grad_() for _, shape in SHAPES]
    case = {
        "name": name,
        "optimizer": kind,
        "config": config,
        "params": [{"name": n, "shape": s, "data": values(p)} for (n, s), p in zip(SHAPES, params)],
        "steps": [],
    }
    if kind == "adam":
        opt = torch.optim.Adam(params, lr=config["LR"], betas=(config["Beta1"], config["Beta2"]),
                               eps=config["Eps"], weight_decay=config["WeightDecay"])
    elif kind == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=config["LR"], alpha=config["Alpha"], eps=config["Eps"],
                                  momentum=config["Momentum"], weight_decay=config["WeightDecay"],
                                  centered=config["Centered"])
    else:
        opt = torch.optim.SGD(params, lr=config["LR"], momentum=config["Momentum"],
                              weight_decay=config["WeightDecay"], nesterov=config["Nesterov"])
    for i in range(steps):
        if i in lrs:
            opt.param_groups[0]["lr"] = lrs[i]
        grads = {}
        for (n, s), p in zip(SHAPES, params):
            # Gradients of mixed magnitude: Adam's normalisation and the
            # epsilon matter for the small ones.
            scale = [1e-4, 1.0, 30.0][(i + len(n)) % 3]
            g = torch.randn(s, generator=gen) * scale
            if n in omit.get(i, []):
                p.grad = None
                continue
            p.grad = g.clone()
            grads[n] = values(g)
        opt.step()
        case["steps"].append({
            "lr": opt.param_groups[0]["lr"],
            "grads": grads,
            "params": {n: values(p) for (n, _), p in zip(SHAPES, params)},
        })
    state = {}
    for (n, _), p in zip(SHAPES, params):
        st = opt.state.get(p, {})
        if kind == "adam":
            state["adam.step." + n] = [float(st["step"])] if st else [0.0]
            state["adam.m." + n] = values(st["exp_avg"])
            state["adam.v." + n] = values(st["exp_avg_sq"])
        elif kind == "rmsprop":
            state["rmsprop.square_avg." + n] = values(st["square_avg"])
            if config["Momentum"] != 0:
                state["rmsprop.momentum." + n] = values(st["momentum_buffer"])
            if config["Centered"]:
                state["rmsprop.grad_avg." + n] = values(st["grad_avg"])
        elif config["Momentum"] != 0:
            state["sgd.momentum." + n] = values(st["momentum_buffer"])
    case["state"] = state
    return case


def adam(lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.0):
    return {"LR": f32(lr), "Beta1": f32(b1), "Beta2": f32(b2), "Eps": f32(eps), "WeightDecay": f32(wd)}


def sgd(lr, momentum=0.0, wd=0.0, nesterov=False):
    return {"LR": f32(lr), "Momentum": f32(momentum), "WeightDecay": f32(wd), "Nesterov": nesterov}


def rmsprop(lr=0.01, alpha=0.99, eps=1e-8, momentum=0.0, wd=0.0, centered=False):
    return {"LR": f32(lr), "Alpha": f32(alpha), "Eps": f32(eps), "Momentum": f32(momentum),
            "WeightDecay": f32(wd), "Centered": centered}


cases = [
    make_case("adam_default", "adam", adam(), 6, seed=1),
    make_case("adam_wd_lr_change", "adam", adam(lr=0.01, b1=0.8, b2=0.99, eps=1e-6, wd=0.1), 6, seed=2,
              lrs={4: f32(0.005)}),
    make_case("adam_partial", "adam", adam(lr=0.01), 5, seed=3, omit={1: ["b"], 2: ["b"], 3: ["w"]}),
    make_case("sgd_plain", "sgd", sgd(0.1), 5, seed=4),
    make_case("sgd_momentum_wd", "sgd", sgd(0.05, momentum=0.9, wd=0.01), 6, seed=5),
    make_case("sgd_nesterov_partial", "sgd", sgd(0.05, momentum=0.9, wd=0.001, nesterov=True), 6, seed=6,
              omit={2: ["w"]}, lrs={3: f32(0.02)}),
    make_case("rmsprop_default", "rmsprop", rmsprop(), 6, seed=7),
    # Santoro et al.'s MANN setting: decay 0.95, momentum 0.9.
    make_case("rmsprop_santoro", "rmsprop", rmsprop(lr=1e-4, alpha=0.95, momentum=0.9), 6, seed=8,
              lrs={4: f32(5e-5)}),
    make_case("rmsprop_centered_wd_partial", "rmsprop", rmsprop(lr=0.005, alpha=0.9, eps=1e-6, momentum=0.5, wd=0.01, centered=True),
              6, seed=9, omit={1: ["b"], 3: ["w"]}),
]

with open("golden.json", "w") as f:
    json.dump({"source": "torch.optim %s, gen_golden.py" % torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
