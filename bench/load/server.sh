#!/usr/bin/env bash
# Load benchmark of ./server, run by hand (never by `make test`):
#
#   make dist DIST=build/dist-load BROTLI=5     # once: a dist to serve
#   bench/load/server.sh build/dist-load         # about a minute
#
# On loopback only, in bounded time, it
#   1. builds the server into a private temporary folder (or uses $SERVER),
#   2. starts it on 127.0.0.1 (a free port) with its log in a temporary file,
#   3. runs `wrk -t2 -c50 -d10s` on /index.html (no Accept-Encoding), then on
#      the page's main wasm with `Accept-Encoding: br`,
#   4. opens 200 connections that ask for the wasm uncompressed (12 MB) and
#      never read, and counts the server's open file descriptors 2 s later
#      and 20 s later, after the write timeout (10 s) has passed,
#   5. prints the figures (MB/s as wrk reports them: MiB/s) and the server's
#      RSS (after wrk; peak and final, after the stalled clients), and
#      appends them as one JSON line to bench/load/results.jsonl.
#
# SERVER=path uses a built binary, LABEL=text names the run in the JSON line,
# DURATION (10s) and STALLED (200) change the load. Needs wrk (apt-get
# install -y wrk), /usr/bin/python3, Linux /proc. The
# figures depend on the machine and on whatever else runs on it: say so
# when quoting them.
set -euo pipefail

DIST=${1:-build/dist}
DURATION=${DURATION:-10s}
STALLED=${STALLED:-200}
LABEL=${LABEL:-}
cd "$(dirname "$0")/../.."

command -v wrk >/dev/null || { echo "server.sh: wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -f "$DIST/index.html" ] || { echo "server.sh: $DIST/index.html missing: make dist DIST=$DIST BROTLI=5" >&2; exit 1; }
wasm=$(cd "$DIST" && ls main.*.wasm 2>/dev/null | head -n1)
[ -n "$wasm" ] && [ -f "$DIST/$wasm.br" ] || { echo "server.sh: no main.<hash>.wasm with a .br sibling in $DIST" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

server=${SERVER:-}
if [ -z "$server" ]; then
	server=$work/server
	GOTOOLCHAIN=go1.27.3 GOEXPERIMENT=simd go build -o "$server" ./server
fi

"$server" -addr 127.0.0.1:0 -root "$DIST" >"$work/stdout" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do grep -q " on http" "$work/stdout" && break; sleep 0.05; done
url=$(sed -n 's/.* on \(http[^ ]*\)$/\1/p' "$work/stdout")
[ -n "$url" ] || { echo "server.sh: the server printed no URL; log:" >&2; cat "$work/log" >&2; exit 1; }
hostport=${url#http://}
hostport=${hostport%/}
echo "server $server (pid $pid) on $url serving $DIST"

# run_wrk NAME PATH [HEADER]: prints "req/s MB/s errors" for NAME.
run_wrk() {
	local name=$1 path=$2 header=${3:-}
	local args=(-t2 -c50 -d"$DURATION" --latency)
	[ -n "$header" ] && args+=(-H "$header")
	wrk "${args[@]}" "$url${path#/}" >"$work/wrk-$name"
	grep -E "Socket errors|Non-2xx" "$work/wrk-$name" >&2 || true
	/usr/bin/python3 - "$work/wrk-$name" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def num(pattern, default=0.0):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default
units = {"B": 1 / 1048576, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
m = re.search(r"Transfer/sec:\s+([0-9.]+)([KMG]?B)", text)
mbs = float(m.group(1)) * units[m.group(2)] if m else 0.0
socket = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
non2xx = int(num(r"Non-2xx or 3xx responses:\s+(\d+)"))
p99 = re.search(r"99%\s+(\S+)", text)
rps = num(r"Requests/sec:\s+([0-9.]+)")
print(f"{rps:.0f} {mbs:.0f} {socket + non2xx} {p99.group(1) if p99 else '?'}")
EOF
}

read -r idx_rps idx_mbs idx_err idx_p99 < <(run_wrk index /index.html)
echo "index.html:      $idx_rps req/s, $idx_mbs MB/s, $idx_err errors, p99 $idx_p99"
read -r br_rps br_mbs br_err br_p99 < <(run_wrk wasm "/$wasm" "Accept-Encoding: br")
echo "wasm (br):       $br_rps req/s, $br_mbs MB/s, $br_err errors, p99 $br_p99"

rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024 + 0.5) }' "/proc/$pid/status"; }
rss_wrk=$(rss VmRSS)
echo "server RSS after wrk: $rss_wrk MB"

fds() { ls "/proc/$pid/fd" | wc -l; }
fds_before=$(fds)
# Stalled clients: a 4 KB receive window each, a request for the whole wasm,
# and no reads; they hold their sockets until the server cuts them.
/usr/bin/python3 - "$hostport" "/$wasm" "$STALLED" "$work/stalled-ready" <<'EOF' &
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
conns = []
for _ in range(int(sys.argv[3])):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((host, int(port)))
    s.sendall(f"GET {sys.argv[2]} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    conns.append(s)
open(sys.argv[4], "w").close()
time.sleep(24)
EOF
stalled_pid=$!
for _ in $(seq 200); do [ -f "$work/stalled-ready" ] && break; sleep 0.05; done
sleep 2
fds_stalled=$(fds)
sleep 18 # well past the 10 s write timeout, even on a busy machine
fds_after=$(fds)
wait "$stalled_pid" || true
echo "file descriptors: $fds_before before, $fds_stalled with $STALLED stalled clients, $fds_after 20 s later"

peak=$(rss VmHWM)
now=$(rss VmRSS)
echo "server RSS: peak $peak MB, now $now MB (after the stalled clients); log $(wc -c <"$work/log") bytes"

line=$(printf '{"time":"%s","label":"%s","dist":"%s","duration":"%s","index_rps":%s,"index_mbs":%s,"index_errors":%s,"index_p99":"%s","wasm_br_rps":%s,"wasm_br_mbs":%s,"wasm_br_errors":%s,"wasm_br_p99":"%s","stalled":%s,"fds_before":%s,"fds_stalled":%s,"fds_after":%s,"rss_wrk_mb":%s,"rss_peak_mb":%s,"rss_mb":%s,"go":"%s","load":"%s"}' \
	"$(date -u +%FT%TZ)" "$LABEL" "$DIST" "$DURATION" "$idx_rps" "$idx_mbs" "$idx_err" "$idx_p99" "$br_rps" "$br_mbs" "$br_err" "$br_p99" \
	"$STALLED" "$fds_before" "$fds_stalled" "$fds_after" "$rss_wrk" "$peak" "$now" "$(go version -m "$server" | sed -n '1s/.*: //p')" "$(cut -d' ' -f1-3 /proc/loadavg)")
echo "$line" >>bench/load/results.jsonl
echo "appended to bench/load/results.jsonl"
