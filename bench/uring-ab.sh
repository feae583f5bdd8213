#!/usr/bin/env bash
# Interleaved A/B/C of ours with io_uring, ours with epoll and Debian's
# libmicrohttpd: the same bench/hello program, server pinned to CPU 0, wrk
# on CPU 1, server CPU per request from /proc/PID/stat (utime+stime) and the
# server's own count of answered requests (as bench/run.sh measures).
#
#   bench/uring-ab.sh [ROUNDS] [SECONDS] [SCENARIO...]
#   scenarios: ka100 (default) ka10 ka1000 close100 pipe16 body64k file1g
# (file1g: bench/fetch downloads a 1 GiB file 4 times over one connection;
# "rps" is then GiB/s and the CPU is per download)
# Prints one line per run and the medians per scenario and variant.
# MODE=pool-2 (or another bench/hello mode) instead of int-epoll.
# VARIANTS="uring epoll mhd floor" adds bench/floor (int-epoll only).
# SYSCALLS=1 adds a perf stat (raw_syscalls:sys_enter) pass per variant.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/bench}
ROUNDS=${1:-5}
DUR=${2:-3}
shift 2 2>/dev/null
SCEN=("$@")
[ ${#SCEN[@]} -gt 0 ] || SCEN=(ka100)
HZ=$(getconf CLK_TCK)
PORT=19400
TMP=$(mktemp -d /tmp/uring-ab.XXXXXX)
BIG=/dev/shm/uring-ab-1g.$$
SRV=""
trap '[ -n "$SRV" ] && kill -KILL $SRV 2>/dev/null; rm -rf "$TMP" "$BIG"' EXIT

ticks() {
    local s
    s=$(cat "/proc/$1/stat") || return 1
    s=${s##*) }
    set -- $s
    echo $((${12} + ${13}))
}

# run VARIANT SCENARIO: one timed run; prints "variant scen rps cpu_us_per_req"
run() {
    local v=$1 sc=$2 lib=ours env=() conns=100 sargs=() wargs=(-s bench/report.lua)
    case $v in
    uring) env=(MHD_IO_URING=1) ;;
    epoll) env=(MHD_IO_URING=0) ;;
    mhd) lib=mhd ;;
    floor) lib=floor ;;
    esac
    case $sc in
    ka10) conns=10 ;;
    ka1000) conns=1000 ;;
    close100) wargs=(-s bench/report.lua -H "Connection: close") ;;
    pipe16) wargs=(-s bench/pipeline.lua) ;;
    body64k) sargs=(--body 65536) ;;
    file1g)
        [ -f "$BIG" ] || head -c 1073741824 /dev/zero >"$BIG"
        sargs=(--file "$BIG") ;;
    esac
    PORT=$((PORT + 1))
    local exe="$BIN/hello-$lib"
    [ "$lib" != floor ] || exe="$BIN/floor"
    env "${env[@]}" taskset -c 0 "$exe" --mode "${MODE:-int-epoll}" --port $PORT --limit 20000 \
        "${sargs[@]}" >"$TMP/out" 2>"$TMP/err" &
    SRV=$!
    for _ in $(seq 100); do grep -q serving "$TMP/out" && break; sleep 0.05; done
    local t0 t1
    t0=$(ticks $SRV)
    if [ "${SYSCALLS:-0}" = 1 ]; then
        perf stat -e 'raw_syscalls:sys_enter' -p $SRV -o "$TMP/perf" &
        local pp=$!
    fi
    local w0 w1
    w0=$(date +%s%N)
    if [ "$sc" = file1g ]; then
        taskset -c 1 "$BIN/fetch" $PORT 4 >"$TMP/wrk" 2>&1
    else
        taskset -c 1 wrk -t1 -c$conns -d${DUR}s --timeout 5s "${wargs[@]}" "http://127.0.0.1:$PORT/" \
            >"$TMP/wrk" 2>&1
    fi
    w1=$(date +%s%N)
    t1=$(ticks $SRV)
    if [ "${SYSCALLS:-0}" = 1 ]; then
        kill -INT $pp
        wait $pp
    fi
    kill -TERM $SRV
    wait $SRV
    SRV=""
    local req
    req=$(awk '/^served/ {print $2}' "$TMP/out")
    local rps
    rps=$(awk '/^Requests\/sec/ {print $2}' "$TMP/wrk")
    [ "$sc" != file1g ] || rps=$(echo "scale=3; 4 * 1000000000 / ($w1 - $w0)" | bc)
    local sc_n=""
    if [ "${SYSCALLS:-0}" = 1 ]; then
        sc_n=$(awk '/raw_syscalls:sys_enter/ {gsub(",","",$1); print $1}' "$TMP/perf")
        sc_n=$(echo "scale=3; $sc_n / $req" | bc)
    fi
    local us
    us=$(echo "scale=3; ($t1 - $t0) * 1000000 / $HZ / $req" | bc)
    echo "$sc $v $rps $us $sc_n"
}

for sc in "${SCEN[@]}"; do
    for r in $(seq "$ROUNDS"); do
        for v in ${VARIANTS:-uring epoll mhd}; do
            run $v "$sc" | tee -a "$TMP/all"
        done
    done
done
echo "--- medians (scenario variant rps cpu_us/req [syscalls/req]) over $ROUNDS rounds"
python3 - "$TMP/all" <<'EOF'
import sys, statistics, collections
d = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 4 and all(x.replace('.', '', 1).isdigit() for x in f[2:]):
        d[(f[0], f[1])].append(f[2:])
for (sc, v), rows in d.items():
    cols = list(zip(*rows))
    med = [statistics.median(float(x) for x in c) for c in cols]
    print(sc, v, " ".join("%.3f" % m for m in med), " cpu:", " ".join(r[1] for r in rows))
EOF
