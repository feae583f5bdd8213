#!/usr/bin/env bash
# Keep-alive tail latency, ours beside Debian's libmicrohttpd, in every
# thread mode, on a fresh server and a warm one (issue 19, item 2).
#
#   bench/tails.sh [RUNS] [SECONDS] [MODE...]
#   modes (default): ext-select ext-epoll int-select int-poll int-epoll pool-2 tpc tpc-poll
#
# One run of a mode and a server: bench/hello starts afresh (server on CPU
# 0), `wrk -t1 -c100 -d SECONDS --latency` (on CPU 1) measures the fresh
# server, and a second wrk of the same length the same server, now warm
# (its threads, pools and caches made by the first). The servers alternate
# run by run (ours, libmicrohttpd, ours ...), the modes round by round.
# For each wrk the CPU time of every other program on the two CPUs is
# measured (/proc/stat less the server's and wrk's own time): a run is
# *clean* when the others took at most 5% of CPU 0 and 20% of CPU 1.
# Prints one line per wrk and, per mode, server and phase, the median and
# the largest p99 (ms) over all runs and over the clean ones; TSV in
# $OUT (default bench/results/tails.tsv), the summary beside it (tails.md).
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bench}
RUNS=${1:-10}
DUR=${2:-3}
shift 2 2>/dev/null
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(ext-select ext-epoll int-select int-poll int-epoll pool-2 tpc tpc-poll)
OUT=${OUT:-bench/results/tails.tsv}
HZ=$(getconf CLK_TCK)
PORT=19600
TMP=$(mktemp -d /tmp/tails.XXXXXX)
SRV=""
trap '[ -n "$SRV" ] && kill -KILL $SRV 2>/dev/null; rm -rf "$TMP"' EXIT
for exe in "$BIN/hello-ours" "$BIN/hello-mhd"; do
    [ -x "$exe" ] || { echo "tails: $exe missing (make bench-bins)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "tails: wrk missing (scripts/deps.sh bench)" >&2; exit 1; }

# cpu_busy N: busy ticks (all but idle and iowait) of CPU N so far
cpu_busy() {
    awk -v c="cpu$1" '$1 == c {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}

# ticks PID: utime + stime of the process and its threads
ticks() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
    s=${s##*) }
    set -- $s
    echo $((${12} + ${13}))
}

# p99 FILE: wrk's 99th percentile in ms
p99() {
    awk '$1 == "99%" {
        v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
        if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
        printf "%.2f", v }' "$1"
}

# measure LIB MODE PHASE: one wrk against the running server $SRV
measure() {
    local lib=$1 mode=$2 phase=$3
    local c0 c1 s0 s1 w0 w1
    c0=$(cpu_busy 0)
    c1=$(cpu_busy 1)
    s0=$(ticks $SRV)
    w0=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$TMP/wtime" taskset -c 1 wrk -t1 -c100 -d"${DUR}"s --timeout 10s \
        --latency "http://127.0.0.1:$PORT/" >"$TMP/wrk" 2>&1
    w1=$(date +%s%N)
    s1=$(ticks $SRV)
    local d0 d1
    d0=$(($(cpu_busy 0) - c0))
    d1=$(($(cpu_busy 1) - c1))
    local wrk_t srv_t wall other0 other1
    wrk_t=$(awk '{printf "%d", ($1 + $2) * '"$HZ"'}' "$TMP/wtime")
    srv_t=$((s1 - s0))
    wall=$(((w1 - w0) * HZ / 1000000000))
    [ "$wall" -gt 0 ] || wall=1
    # Server on CPU 0 and wrk on CPU 1; the rest is the others'.
    other0=$(((d0 - srv_t) * 100 / wall))
    other1=$(((d1 - wrk_t) * 100 / wall))
    [ "$other0" -ge 0 ] || other0=0
    [ "$other1" -ge 0 ] || other1=0
    local clean=0
    [ "$other0" -le 5 ] && [ "$other1" -le 20 ] && clean=1
    local rps
    rps=$(awk '/^Requests\/sec/ {printf "%d", $2}' "$TMP/wrk")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$lib" "$phase" "$(p99 "$TMP/wrk")" \
        "$rps" "$other0" "$other1" "$clean" | tee -a "$OUT"
}

# run LIB MODE: a fresh server, measured fresh and then warm
run() {
    local lib=$1 mode=$2
    PORT=$((PORT + 1))
    taskset -c 0 "$BIN/hello-$lib" --mode "$mode" --port $PORT >"$TMP/out" 2>"$TMP/err" &
    SRV=$!
    local i
    for ((i = 0; i < 200; i++)); do
        grep -q serving "$TMP/out" && break
        sleep 0.05
    done
    measure "$lib" "$mode" fresh
    measure "$lib" "$mode" warm
    kill -TERM $SRV
    wait $SRV 2>/dev/null
    SRV=""
}

mkdir -p "$(dirname "$OUT")"
printf 'mode\tserver\tphase\tp99_ms\trps\tother_cpu0_pct\tother_cpu1_pct\tclean\n' >"$OUT"
HEAD="Run of $(date -u '+%Y-%m-%d %H:%M UTC'): $RUNS runs of ${DUR} s per mode, server and phase (load average at start: $(cut -d' ' -f1-3 /proc/loadavg))."
echo "# $HEAD"
for r in $(seq "$RUNS"); do
    for mode in "${MODES[@]}"; do
        if [ $((r % 2)) = 1 ]; then
            run ours "$mode"
            run mhd "$mode"
        else
            run mhd "$mode"
            run ours "$mode"
        fi
    done
done
{
    echo "$HEAD"
    echo
    python3 bench/tails.py "$OUT"
} | tee "${OUT%.tsv}.md"
