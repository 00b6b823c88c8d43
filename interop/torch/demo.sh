#!/bin/sh
# The README's "Training at scale" demonstration (make torch-demo): ProtoNet
# trained by PyTorch with DistributedDataParallel over 2 processes (gloo,
# CPU), then scored by metaglot eval, as it is, on 5-way 1-shot test episodes.
# Writes interop/torch/demo.json: the commands, PyTorch's training log and
# metaglot's evaluation; then interop/torch/ddp_check.jsonl (ddp_check.py:
# torchrun's 2 processes train the same model as one process).
#
#   interop/torch/demo.sh METAGLOT OUTDIR
#
# METAGLOT is a metaglot binary; OUTDIR receives the model and logs.
# EPISODES (default 300) sets the training episodes.
#
# --redirects 1:1 --tee 0:1: Debian's torchrun (PyTorch 1.13) under Python
# 3.11 fails with "'NoneType' object has no attribute 'get'" when these are
# left at their default 0 (3.11's enum.Flag no longer lists the zero
# member); as a mapping they work: rank 1's output goes to torchrun's log
# directory, rank 0's to the console (prefixed "[default0]:") and a log.
set -eu
mg=$1 out=$2
episodes=${EPISODES:-300}
here=$(dirname "$0")
mkdir -p "$out"
train="torchrun --nproc_per_node 2 --redirects 1:1 --tee 0:1 interop/torch/train.py -algo protonet -way 10 -shot 5 -query 5 -episodes $episodes -log-every 10 -out $out/protonet-ddp.safetensors"
eval="metaglot eval -json -model $out/protonet-ddp.safetensors -way 5 -shot 1 -episodes 300 -seed 1 -threads 1"
$train 2>"$out/torchrun.err" | sed 's/^\[default0\]://' | tee "$out/train.jsonl"
"$mg" ${eval#metaglot } > "$out/eval.json"
cat "$out/eval.json"
/usr/bin/python3 - "$out" "$train" "$eval" > "$here/demo.json" <<'PY'
import json, sys
out, train, ev = sys.argv[1:]
lines = [json.loads(l) for l in open(f"{out}/train.jsonl") if l.startswith("{")]
meta = {}
import importlib.util, pathlib
sys.dont_write_bytecode = True
spec = importlib.util.spec_from_file_location("mt", pathlib.Path("interop/torch/metaglot_torch.py"))
mt = importlib.util.module_from_spec(spec); spec.loader.exec_module(mt)
_, meta = mt.read_safetensors(f"{out}/protonet-ddp.safetensors")
d = {"train_command": train, "eval_command": ev, "model_metadata": meta,
     "eval": json.load(open(f"{out}/eval.json")), "train_log": lines}
print("{\n" + ",\n".join(f" {json.dumps(k)}: " + (
    "[\n  " + ",\n  ".join(json.dumps(l) for l in v) + "\n ]" if k == "train_log" else json.dumps(v))
    for k, v in d.items()) + "\n}")
PY
echo "wrote $here/demo.json"
# Two processes train what one does (same tasks, same meta-batch).
/usr/bin/python3 "$here/ddp_check.py" | tee "$here/ddp_check.jsonl"
