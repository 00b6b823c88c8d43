#!/usr/bin/python3
"""Check that torchrun with N processes trains what one process trains with
the same -meta-batch: the same tasks (train.py seeds each task by its index
in the step, not by rank), gradients averaged over the same meta-batch.

    /usr/bin/python3 interop/torch/ddp_check.py [-algo protonet|fomaml] [-nproc 2]

Runs train.py for -steps steps in one process and under torchrun, with
plain SGD (-optim sgd: Adam would turn rounding noise in the gradients that
vanish, such as the convolution biases' before a training-mode BatchNorm,
into steps of ±lr that differ between the runs), then
prints one JSON line per algorithm: the largest difference between the two
models' trainable parameters (summation order differs between the runs, so
not bit for bit) and between their BatchNorm running statistics (ProtoNet
under DDP keeps rank 0's updates only; see train.py). Exits 1 when a
trainable parameter differs by more than -tol.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

here = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(here))
import metaglot_torch as mt  # noqa: E402

SETTINGS = {"protonet": ["-way", "10", "-shot", "2", "-query", "3"],
            "fomaml": ["-way", "5", "-shot", "1", "-query", "2", "-inner-steps", "2"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-algo", choices=list(SETTINGS), action="append")
    ap.add_argument("-nproc", type=int, default=2)
    ap.add_argument("-steps", type=int, default=3)
    ap.add_argument("-tol", type=float, default=1e-5)
    a = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for algo in a.algo or list(SETTINGS):
            mb = 2 * a.nproc
            args = [str(here / "train.py"), "-algo", algo, *SETTINGS[algo], "-meta-batch", str(mb), "-optim", "sgd",
                    "-episodes", str(mb * a.steps), "-log-every", "1000"]
            one, many = f"{tmp}/{algo}-1.safetensors", f"{tmp}/{algo}-{a.nproc}.safetensors"
            subprocess.run(["/usr/bin/python3", *args, "-out", one], check=True, stdout=subprocess.DEVNULL)
            # --redirects/--tee as mappings: see demo.sh.
            subprocess.run(["torchrun", "--nproc_per_node", str(a.nproc), "--redirects", "1:1", "--tee", "0:1",
                            *args, "-out", many], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t1, _ = mt.read_safetensors(one)
            tn, meta = mt.read_safetensors(many)
            if list(t1) != list(tn):
                raise SystemExit(f"{algo}: tensor names differ: {list(t1)} vs {list(tn)}")
            buf = lambda k: k.endswith(("running_mean", "running_var"))
            d = lambda keys: max((float(np.abs(t1[k] - tn[k]).max()) for k in keys), default=0.0)
            train = d([k for k in t1 if not buf(k)])
            out = {"algo": algo, "nproc": a.nproc, "meta_batch": mb, "steps": a.steps,
                   "max_abs_diff_trainable": train, "max_abs_diff_running_stats": d([k for k in t1 if buf(k)]),
                   "tol": a.tol, "description": meta.get("description", "")}
            out["ok"] = train <= a.tol
            ok = ok and out["ok"]
            print(json.dumps(out), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
