#!/usr/bin/python3
"""Fixtures from PyTorch for metaglot's Go tests, so `make test` checks the
PyTorch path without PyTorch installed (issue 17, item 4).

Run by hand from the repository root (never by make test):

    /usr/bin/python3 interop/torch/gen_fixtures.py

It builds metaglot_torch.Conv4 (metaglot's parameter names) with fixed
random weights (torch.manual_seed(SEED): PyTorch's own initialisation of
the convolutions, BatchNorm weights and biases drawn uniformly so they are
not 1 and 0), gives its BatchNorm layers real running statistics by WARMUP
training-mode forwards over other Omniglot images (so running_mean and
running_var are far from 0 and 1, and num_batches_tracked is WARMUP), and
writes into core/checkpoint/testdata/:

  torch_conv4.safetensors  model.state_dict() exactly as PyTorch keeps it:
                           float32 tensors plus the int64 counters
                           encoder.{i}.1.num_batches_tracked, state_dict
                           order, no metadata (what
                           safetensors.torch.save_file(model.state_dict())
                           holds; written with metaglot_torch's writer, as
                           Debian has no python3-safetensors);
  torch_conv4.json         the images (IMAGES of metaglot's assets, 28x28,
                           stored as their bytes, 255 = ink, with where they
                           come from) and what PyTorch (float32, one thread)
                           computes for them:
                             embeddings_eval   model.eval()(x): running statistics
                             embeddings_train  model.train()(x): the batch's statistics
                             running_after_train  the running statistics after that
                                               training-mode forward (momentum 0.1,
                                               unbiased variance)
                           and, for information, how far PyTorch's float32
                           values are from the same computation in float64.

core/checkpoint's TestTorchFixture loads the file through metaglot's
load path (checkpoint.Read, FromPyTorch, LoadInto) and must match all of
it within 1e-5; core/onnx's tests export the same model to ONNX.

The same weights also make a conv4s2 (metaglot_torch.Conv4S2: the very
same tensor names and shapes, stride-2 convolutions and no pooling), and
it writes into core/onnx/testdata/:

  torch_conv4s2.json       what PyTorch's Conv4S2 with those weights
                           computes in inference mode for the same six
                           images (embeddings_eval, 6 x 256; the images are
                           torch_conv4.json's), and its float64 difference;
                           core/onnx's TestORTEmbeddingsConv4S2 compares
                           onnxruntime's run of the conv4s2 export with it.
The output is deterministic: running the script again rewrites the same
bytes (one thread, fixed seed).
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
import metaglot_torch as mt  # noqa: E402

SEED = 17
WARMUP = 30       # training-mode forwards that set the running statistics (0.9^30 = 4 % of the initial 0 and 1 left)
WARMUP_BATCH = 16
# (character index in assets/omniglot/index.json order, drawer, quarter turns)
IMAGES = [(0, 0, 0), (211, 3, 1), (602, 7, 2), (977, 11, 3), (1288, 15, 0), (1601, 19, 1)]
OUT = mt.REPO / "core" / "checkpoint" / "testdata"
OUT_ONNX = mt.REPO / "core" / "onnx" / "testdata"


def build(om):
    torch.manual_seed(SEED)
    m = mt.Conv4()
    with torch.no_grad():
        for blk in m.encoder:
            blk[1].weight.uniform_(0.5, 1.5)
            blk[1].bias.uniform_(-0.3, 0.3)
    g = np.random.default_rng(SEED)
    m.train()
    with torch.no_grad():
        for _ in range(WARMUP):
            picks = [(int(g.integers(om.pixels.shape[0])), int(g.integers(20)), int(g.integers(4)))
                     for _ in range(WARMUP_BATCH)]
            m(batch(om, picks))
    return m


def batch(om, picks):
    return torch.from_numpy(np.stack([om.image(c, d, r) for c, d, r in picks])[:, None].copy())


def running(m):
    return {f"encoder.{i}.1.{k}": getattr(blk[1], k).tolist()
            for i, blk in enumerate(m.encoder) for k in ("running_mean", "running_var")}


def main():
    torch.set_num_threads(1)
    om = mt.Omniglot()
    m = build(om)
    sd = m.state_dict()
    OUT.mkdir(parents=True, exist_ok=True)
    mt.write_safetensors(OUT / "torch_conv4.safetensors", dict(sd), {})

    x = batch(om, IMAGES)
    m64 = mt.Conv4().double()
    m64.load_state_dict(sd)
    with torch.no_grad():
        emb_eval = m.eval()(x)
        emb_eval64 = m64.eval()(x.double())
        emb_train = m.train()(x)  # updates the running statistics, as metaglot's Forward(train)
        emb_train64 = m64.train()(x.double())
    names = json.loads((mt.ASSETS / "omniglot" / "index.json").read_text())
    chars = [(a["name"], c["name"]) for a in names["alphabets"] for c in a["characters"]]
    fx = {
        "generator": "interop/torch/gen_fixtures.py",
        "torch": torch.__version__,
        "seed": SEED,
        "warmup_batches": WARMUP,
        "images": [{"alphabet": chars[c][0], "character": chars[c][1], "index": c, "drawer": d,
                    "rotation": r, "pixels": np.rot90(om.pixels[c, d], r).flatten().tolist()}
                   for c, d, r in IMAGES],
        "embeddings_eval": emb_eval.flatten().tolist(),
        "embeddings_train": emb_train.flatten().tolist(),
        "running_after_train": running(m),
        "float64_max_abs_diff_eval": float((emb_eval.double() - emb_eval64).abs().max()),
        "float64_max_abs_diff_train": float((emb_train.double() - emb_train64).abs().max()),
    }
    (OUT / "torch_conv4.json").write_text(json.dumps(fx, separators=(",", ":")) + "\n")

    # The same weights as conv4s2, read back from the file written above
    # (sd shares m's buffers, whose running statistics the training-mode
    # forward has since moved; gathered by Conv4's forwards, they are only
    # numbers to conv4s2).
    arrays, _ = mt.read_safetensors(OUT / "torch_conv4.safetensors")
    saved = {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}
    s2, s2_64 = mt.Conv4S2(), mt.Conv4S2().double()
    s2.load_state_dict(saved)
    s2_64.load_state_dict(saved)
    with torch.no_grad():
        e2 = s2.eval()(x)
        e2_64 = s2_64.eval()(x.double())
    fx2 = {
        "generator": "interop/torch/gen_fixtures.py",
        "torch": torch.__version__,
        "net": "conv4s2",
        "weights": "core/checkpoint/testdata/torch_conv4.safetensors",
        "images": "core/checkpoint/testdata/torch_conv4.json",
        "embeddings_eval": e2.flatten().tolist(),
        "float64_max_abs_diff_eval": float((e2.double() - e2_64).abs().max()),
    }
    (OUT_ONNX / "torch_conv4s2.json").write_text(json.dumps(fx2, separators=(",", ":")) + "\n")
    print(json.dumps({k: fx[k] for k in ("torch", "seed", "float64_max_abs_diff_eval", "float64_max_abs_diff_train")}))


if __name__ == "__main__":
    main()
