#!/bin/sh
# roundtrip.sh: metaglot → PyTorch → metaglot, bit for bit, for every
# bundled Conv4 model (issue 17, item 4). Run by hand from the repository
# root (needs /usr/bin/python3 with Debian's python3-torch; never run by
# make test):
#
#     sh interop/torch/roundtrip.sh [MODEL.safetensors ...]
#
# For each model (default: assets/models/*.safetensors except mann's,
# which is not a Conv4; any conv4s2 model too, e.g. one of
# `metaglot train -net conv4s2`, loaded into metaglot_torch.Conv4S2 as its
# config's net says):
#   1. PyTorch loads it into metaglot_torch.Conv4 with
#      load_state_dict(strict=True) and writes the module's state_dict back
#      with the file's metadata (interop/torch/check.py -roundtrip);
#   2. the file PyTorch wrote must be the very same bytes (cmp);
#   3. metaglot loads what PyTorch wrote and evaluates it: the JSON of
#      `metaglot eval` (accuracy, per-episode figures) must equal the
#      original's, apart from the file name.
# Prints one line per model and "N passed, N failed"; exits 1 on any
# difference. Work files go to $TMPDIR (default /tmp), removed at the end.
set -eu
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
if ! $PY -c 'import torch' 2>/dev/null; then
	echo "roundtrip.sh: $PY cannot import torch: apt-get install python3-torch python3-numpy python3-pil" >&2
	exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/metaglot-roundtrip.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/metaglot" ./cmd/metaglot

if [ $# -eq 0 ]; then
	set --
	for m in assets/models/*.safetensors; do
		case $(basename "$m") in mann*) continue ;; esac
		set -- "$@" "$m"
	done
fi

args=""
i=0
for m in "$@"; do
	i=$((i + 1))
	args="$args -model $m -roundtrip $work/$i.safetensors"
done
# shellcheck disable=SC2086 # word splitting wanted: model paths have no spaces
$PY interop/torch/check.py $args >"$work/check.jsonl"

pass=0
fail=0
i=0
for m in "$@"; do
	i=$((i + 1))
	back="$work/$i.safetensors"
	if ! cmp -s "$m" "$back"; then
		echo "FAIL $m: PyTorch wrote other bytes ($(cmp "$m" "$back" 2>&1 | head -1))"
		fail=$((fail + 1))
		continue
	fi
	"$work/metaglot" eval -json -model "$m" -way 5 -shot 1 -episodes 10 -seed 1 -threads 1 | sed "s|$m|MODEL|g" >"$work/a.json"
	"$work/metaglot" eval -json -model "$back" -way 5 -shot 1 -episodes 10 -seed 1 -threads 1 | sed "s|$back|MODEL|g" >"$work/b.json"
	if ! cmp -s "$work/a.json" "$work/b.json"; then
		echo "FAIL $m: metaglot evaluates PyTorch's copy differently"
		diff "$work/a.json" "$work/b.json" | head -5
		fail=$((fail + 1))
		continue
	fi
	echo "ok   $m: PyTorch loaded it strictly and wrote the same $(wc -c <"$m") bytes; metaglot evaluates both alike"
	pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
