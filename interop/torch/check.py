#!/usr/bin/python3
"""Load a metaglot model into PyTorch strictly and check it computes what
metaglot computes.

    /usr/bin/python3 interop/torch/check.py -model assets/models/protonet.safetensors
    /usr/bin/python3 interop/torch/check.py -model M -fixture F.json [-roundtrip OUT.safetensors]

-model, -fixture and -roundtrip may be repeated (the i-th of each go
together), to check several models in one process.

-model: any metaglot model file (ProtoNet's, FOMAML's or Reptile's, with or
without a learned head; Conv4, or conv4s2 when its metadata's config says
"net": "conv4s2"), loaded by metaglot_torch.load_model into that network
with load_state_dict(strict=True).
-fixture: JSON {"images": [N*784 floats], "embeddings": [N*D], "logits":
[N*way], optional} that metaglot computed for those images with BatchNorm
in inference mode (running statistics); cmd/metaglot's TestTorchInterop
writes one. Each PyTorch value must be within -tol*(1+|metaglot's|), or,
where float32 itself cannot promise that, metaglot must be about as close to
the exact answer as PyTorch's float32 is: the same module in float64 is the
reference, and metaglot's largest relative error from it may be at most 4
times PyTorch's own (float32) one. A model whose BatchNorm running statistics
are far from its activations (one trained with batch statistics only, as
FOMAML with transductive BatchNorm: embeddings of 10^5 on ink) loses digits
in any float32 implementation; a wrong layer loses all of them.
-roundtrip: write the loaded module's state back (metaglot's names, the
file's metadata unchanged): metaglot must read the very same tensors.
Prints one JSON line per model ("net": the network it was loaded into);
exits 1 when a value is out of tolerance.
"""
import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent))
import metaglot_torch as mt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-model", action="append", required=True)
    ap.add_argument("-fixture", action="append", default=[])
    ap.add_argument("-roundtrip", action="append", default=[])
    ap.add_argument("-tol", type=float, default=1e-4)
    a = ap.parse_args()
    for flag in ("fixture", "roundtrip"):
        if getattr(a, flag) and len(getattr(a, flag)) != len(a.model):
            raise SystemExit(f"-{flag} given {len(getattr(a, flag))} times for {len(a.model)} -model")
    torch.set_num_threads(1)
    ok = True
    for i, model in enumerate(a.model):
        ok = check(model, a.fixture[i] if a.fixture else None, a.roundtrip[i] if a.roundtrip else None, a.tol) and ok
    sys.exit(0 if ok else 1)


def check(model, fixture, roundtrip, tol):
    m, meta = mt.load_model(model)
    out = {"model": model, "algo": meta.get("algo", ""), "net": m.NET, "head": m.way, "strict": True,
           "tensors": len(mt.metaglot_state(m)), "torch": torch.__version__}
    ok = True
    if fixture:
        fx = json.loads(Path(fixture).read_text())
        x = torch.tensor(fx["images"], dtype=torch.float32).reshape(-1, 1, mt.IMAGE, mt.IMAGE)
        out["images"] = x.shape[0]
        with torch.no_grad():
            got = {"embeddings": m(x)}
            if m.way:
                got["logits"] = m.logits(x)
            m64, x64 = copy.deepcopy(m).double(), x.double()
            exact = {"embeddings": m64(x64)}
            if m.way:
                exact["logits"] = m64.logits(x64)
        for k, v in got.items():
            if k not in fx:
                continue
            want = np.asarray(fx[k], dtype=np.float64)
            have = v.double().flatten().numpy()
            if have.shape != want.shape:
                raise SystemExit(f"{fixture}: {k}: {want.size} values, PyTorch gives {have.size}")
            err = np.abs(have - want)
            out["max_abs_diff_" + k] = float(err.max())
            out["max_rel_diff_" + k] = float((err / (1 + np.abs(want))).max())
            if bool((err <= tol * (1 + np.abs(want))).all()):
                continue
            ref = exact[k].flatten().numpy()
            mg = float((np.abs(want - ref) / (1 + np.abs(ref))).max())
            pt = float((np.abs(have - ref) / (1 + np.abs(ref))).max())
            out["float64_rel_err_metaglot_" + k] = mg
            out["float64_rel_err_torch32_" + k] = pt
            ok = ok and mg <= 4 * pt
        out["tol"] = tol
        out["ok"] = ok
    if roundtrip:
        mt.write_safetensors(roundtrip, mt.metaglot_state(m), meta)
        out["roundtrip"] = roundtrip
    print(json.dumps(out), flush=True)
    return ok


if __name__ == "__main__":
    main()
