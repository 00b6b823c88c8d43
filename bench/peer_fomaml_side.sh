#!/bin/sh
# FOMAML's training throughput against PyTorch's, side by side: rounds that
# alternate metaglot's core/maml BenchmarkStep (Finn et al.'s meta-batch of 32
# 5-way 1-shot 1-query tasks, one inner step, one thread) with
# bench/peer_fomaml.py --speed on the same setting, for each network, the
# order flipping every round. One JSON line per round and network to stdout
# (append it to bench/peer_fomaml.jsonl); the load average on every line.
#
#   sh bench/peer_fomaml_side.sh [ROUNDS]     (make bench-fomaml-peer)
set -eu
rounds=${1:-3}
py=${PYTHON:-/usr/bin/python3}
go=${GO:-go}
started=$(date -u +%H:%M)
ours() { # net suffix
	$go test -run '^$' -bench "^BenchmarkStep\$/^5w1s1q-x32$1\$/^threads=1\$" -benchtime 10x ./core/maml |
		awk '/tasks\/s/ { for (i = 1; i < NF; i++) if ($(i+1) == "tasks/s") print $i }'
}
theirs() { # net
	OMP_WAIT_POLICY=PASSIVE $py bench/peer_fomaml.py --speed 10 --meta-batch 32 --query 1 --threads 1 --net "$1" |
		sed -n 's/.*"tasks_per_s": \([0-9.]*\).*/\1/p'
}
for r in $(seq 1 "$rounds"); do
	for net in conv4 conv4s2; do
		suffix=; [ "$net" = conv4 ] || suffix=-$net
		if [ $((r % 2)) = 1 ]; then m=$(ours "$suffix"); p=$(theirs "$net"); else p=$(theirs "$net"); m=$(ours "$suffix"); fi
		load=$(cut -d' ' -f1 /proc/loadavg)
		printf '{"started_utc": "%s", "round": %d, "net": "%s", "threads": 1, "metaglot_tasks_per_s": %s, "pytorch_tasks_per_s": %s, "ratio": %s, "loadavg_1min": %s}\n' \
			"$started" "$r" "$net" "$m" "$p" "$(awk "BEGIN { printf \"%.2f\", $m / $p }")" "$load"
	done
done
