#!/bin/sh
# The A/B measurement of training episodes drawn within one alphabet
# (metaglot train -one-alphabet; issue #18): from the same starting model,
# two fine-tuning runs with the same seed and settings, one with the option
# and one without, one after the other; then, for each final model, the
# held-out accuracy (the run's last validation on the 5 background
# alphabets held out: 20-way 1-shot within one alphabet, drawers paired) and
# the Lake evaluation (20-way 1-shot within one evaluation alphabet).
# Writes one JSON line per arm to $OUT: {"arm","train","held_out","lake"}.
#
# usage: sh bench/lake_onealphabet_ab.sh BIN START RUNS OUT [EPISODES [EVAL_EPISODES]]
#   BIN    a metaglot binary (go build -o BIN ./cmd/metaglot)
#   START  the starting model, e.g. the protonet-background-aug-5shot run's
#          model.safetensors (episode 3550)
#   RUNS   a directory for the two runs (outside the repository)
#   OUT    the result lines (bench/lake-onealphabet-ab.jsonl)
# Run from the repository. Each arm is about 13 CPU-minutes at 1000
# episodes (one thread, AVX-512), its validations included. The learning
# rate is constant and every step draws from its own stream of the seed,
# so a longer run's weights at episode 1000 are these. A first line gives
# the starting model's Lake evaluation. The paired differences on the same
# episodes (bench/lake-onealphabet-paired.jsonl) come from
#   go run ./bench/lakepaired RUNS/mixed/model.safetensors RUNS/one-alphabet/model.safetensors
# and, the starting model first, from
#   go run ./bench/lakepaired START RUNS/mixed/model.safetensors RUNS/one-alphabet/model.safetensors \
#     RUNS/one-alphabet/model-best.safetensors RUNS/mixed/model-best.safetensors
set -e
BIN=$1 START=$2 RUNS=$3 OUT=$4 EPISODES=${5:-1000} EVAL=${6:-400}
TRAIN="-algo protonet -split lake -augment 1 -rotations -val-alphabets 5 -init $START
 -way 60 -shot 5 -query 5 -lr 5e-4 -lr-halve-every 0 -episodes $EPISODES -seed 2
 -checkpoint-every 250 -val-every 250 -val-episodes 400 -threads 1 -progress=false"
start=$("$BIN" eval -json -model "$START" -split lake -way 20 -shot 1 -query 15 -seed 1 -threads 1 -episodes "$EVAL")
printf '{"arm":"start","train":"","held_out":null,"lake":%s}\n' "$start" > "$OUT.tmp"
for arm in mixed one-alphabet; do
  extra=""
  [ "$arm" = one-alphabet ] && extra="-one-alphabet"
  dir="$RUNS/$arm"
  if [ ! -f "$dir/model.safetensors" ] || ! grep -q "\"episode\":$EPISODES," "$dir/metrics.jsonl"; then
    # shellcheck disable=SC2086
    "$BIN" train $TRAIN $extra -out "$dir"
  fi
  held=$(grep "\"episode\":$EPISODES," "$dir/metrics.jsonl" | grep -o '"val_acc":[^,}]*,"val_ci95":[^,}]*')
  lake=$("$BIN" eval -json -model "$dir/model.safetensors" -split lake -way 20 -shot 1 -query 15 -seed 1 -threads 1 -episodes "$EVAL")
  printf '{"arm":"%s","train":"%s","held_out":{%s},"lake":%s}\n' "$arm" "$(echo $TRAIN $extra | sed "s#$START#START#")" "$held" "$lake" >> "$OUT.tmp"
done
mv "$OUT.tmp" "$OUT"
cat "$OUT"
