#!/usr/bin/env bash
# The HTTP/2 part of `make bench` (alone: make bench-h2): our library with
# HTTP/2 on (MHD_HTTP2=1) beside h2o from Debian's archive, and beside our
# own HTTP/1.1 with pipelining, all in the same run on the same machine.
#
#   bench/h2.sh              full run   (5-8 min),    results in bench/results/h2/
#   QUICK=1 bench/h2.sh      smoke run  (about 1 min), results in bench/results/quick/h2/
#
# Environment: BUILD (build dir, default build), QUICK, and for development
# BENCH_ROUNDS, BENCH_ONLY (a regex matched against "cell/server"),
# BENCH_NO_COUNTS=1, H2_REQUESTS (requests per h2load run); any of these
# sends the results to bench/results/dev/h2/.
#
# The servers: bench/hello (the program of bench/run.sh, 13-byte reply, one
# response object made per request) on our library in int-epoll mode, one
# worker thread, with MHD_HTTP2=1 ("ours") or without ("ours-h1"); and h2o
# with bench/h2o.conf: one worker thread, the same 13 bytes as a static
# file ("h2o"). Each runs pinned to CPU 0, the load generator to CPU 1.
#
# What it does:
#  1. Timed runs. For each round, each cell, each server in turn: start the
#     server, read utime+stime from /proc/PID/stat, run the load, read the
#     CPU again, stop the server.
#       h2c-m10 / h2c-m100     h2load -c10 -m10 / -m100 over cleartext (prior
#                              knowledge), ours and h2o
#       h2tls-m10 / h2tls-m100 the same over TLS (ALPN h2; TLS 1.3 with
#                              TLS_AES_256_GCM_SHA384 for both servers)
#       h1-pipe16-c10 / -c100  wrk with 16-deep HTTP/1.1 pipelining (the
#                              pipe16 rows of bench/run.sh), ours-h1
#       h1tls-pipe16-c10       the same over TLS, ours-h1
#  2. Memory per idle connection: bench/idle opens connections, makes one
#     request on each (HTTP/1.1, or HTTP/2 with --h2: preface, SETTINGS, one
#     stream, SETTINGS ACK and a PING answered), and holds them; VmRSS of
#     the server after, less before, per connection. idle-h1 (ours-h1),
#     idle-h2 (ours and h2o), and idle-h2-burst: HTTP/2 connections idle
#     after 100 concurrent streams each (ours and h2o).
#  3. Counts, ours and h2o, one h2load connection over cleartext, for N1
#     and N2 requests, per request the difference over N2 - N1: instructions
#     (callgrind, user space, all threads; -m10 and -m100) and system calls
#     (strace -f -c; -m10).
#  4. bench/h2stats.py turns the raw data into latest.md and, for a full
#     run, the HTTP/2 block of BENCHMARKS.md.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
BIN=$BUILD/bench
case "${QUICK:-}" in
"" | 0 | no) quick=0 ;;
*) quick=1 ;;
esac

if [ "$quick" = 1 ]; then
    OUT=bench/results/quick/h2
    ROUNDS=3 N=50000 TLS_N=30000 DUR=1 IDLE_N=2000 BURST_N=500 IDLE_ROUNDS=1
    CG_N1=500 CG_N2=2500 CG_KINDS="m10" ST_N1=300 ST_N2=1300
else
    OUT=bench/results/h2
    ROUNDS=5 N=1000000 TLS_N=600000 DUR=3 IDLE_N=10000 BURST_N=5000 IDLE_ROUNDS=3
    CG_N1=2000 CG_N2=10000 CG_KINDS="m10 m100" ST_N1=1000 ST_N2=4000
fi
ROUNDS=${BENCH_ROUNDS:-$ROUNDS}
N=${H2_REQUESTS:-$N}
TLS_N=${H2_REQUESTS:-$TLS_N}
ONLY=${BENCH_ONLY:-}
partial=0
if [ -n "$ONLY${BENCH_ROUNDS:-}${BENCH_NO_COUNTS:-}${H2_REQUESTS:-}" ]; then
    partial=1
    OUT=bench/results/dev/h2
fi
LIMIT=20000
SRV_CPU=0
LOAD_CPU=1
if [ "$(nproc)" -lt 2 ]; then
    echo "warning: one CPU only; server and load generator share it" >&2
    LOAD_CPU=0
fi

for b in hello-ours idle; do
    if [ ! -x "$BIN/$b" ]; then
        echo "missing $BIN/$b: run 'make bench-h2' (or make bench-bins) first" >&2
        exit 1
    fi
done
for t in h2load wrk taskset valgrind strace pgrep certtool python3 bc; do
    command -v "$t" >/dev/null || { echo "missing $t: scripts/deps.sh bench" >&2; exit 1; }
done
HAVE_H2O=1
command -v h2o >/dev/null || HAVE_H2O=0

RAW=$OUT/raw
rm -rf "$RAW"
mkdir -p "$RAW"
TMP=$(mktemp -d /tmp/mhd-bench-h2.XXXXXX)
TLSDIR=$TMP/tls
DOCROOT=$TMP/www
HZ=$(getconf CLK_TCK)
START=$SECONDS
PORT_SEQ=0

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE_N + 100)) ]; then
    ulimit -Hn $((LIMIT + 1024)) 2>/dev/null && ulimit -n $((LIMIT + 1024)) 2>/dev/null
fi

SRV_PID=""
SRV_FD=""
AUX_PIDS=()
cleanup() {
    for p in $SRV_PID "${AUX_PIDS[@]}"; do
        [ -n "$p" ] && kill -KILL "$p" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

log() { printf '[%4ds] %s\n' $((SECONDS - START)) "$*"; }

# Two ports per server: h2o listens on PORT (cleartext) and PORT+1 (TLS).
next_port() {
    PORT=$((19000 + (PORT_SEQ * 2) % 800))
    PORT_SEQ=$((PORT_SEQ + 1))
}

alive() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    [ "${s%% *}" != Z ]
}

# cpu_ticks PID: "utime+stime utime" of the whole process, in clock ticks.
cpu_ticks() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0 0; return 1; }
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    echo $((${12} + ${13})) "${12}"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

wait_gone() {
    local i n=$(($2 * 20))
    for ((i = 0; i < n; i++)); do
        alive "$1" || return 0
        sleep 0.05
    done
    return 1
}

# start_server SERVER TLS(0/1): starts ours, ours-h1 or h2o (behind the
# SRV_WRAP command, if any) pinned to SRV_CPU, and waits for its ready line
# on its output (a FIFO). Sets SRV_PID and URL_PORT (the port to load); on
# failure returns 1 with the reason in SRV_FAIL.
SRV_WRAP=()
start_server() {
    local srv=$1 tls=$2 line="" ready h2env=0 cmd=()
    SRV_FAIL=""
    next_port
    URL_PORT=$PORT
    case $srv in
    ours | ours-h1)
        [ "$srv" = ours-h1 ] || h2env=1
        cmd=("$BIN/hello-ours" --mode int-epoll --port "$PORT" --limit "$LIMIT")
        [ "$tls" = 0 ] || cmd+=(--tls "$TLSDIR")
        ready='^serving'
        ;;
    h2o)
        if [ "$HAVE_H2O" = 0 ]; then
            SRV_FAIL="h2o is not installed (scripts/deps.sh bench)"
            return 1
        fi
        local conf=$TMP/h2o-$PORT.conf user=""
        [ "$(id -u)" != 0 ] || user="user: root"
        sed -e "s#@USER@#$user#" -e "s#@PORT@#$PORT#" -e "s#@TLSPORT@#$((PORT + 1))#" \
            -e "s#@TLS@#$TLSDIR#" -e "s#@DOCROOT@#$DOCROOT#" bench/h2o.conf >"$conf"
        cmd=(h2o -c "$conf")
        [ "$tls" = 0 ] || URL_PORT=$((PORT + 1))
        ready='ready to serve requests'
        ;;
    esac
    local fifo=$TMP/srv.fifo
    rm -f "$fifo"
    mkfifo "$fifo"
    MHD_HTTP2=$h2env taskset -c "$SRV_CPU" "${SRV_WRAP[@]}" "${cmd[@]}" >"$fifo" 2>&1 &
    SRV_PID=$!
    exec {SRV_FD}<"$fifo"
    while read -r -t 60 -u "$SRV_FD" line; do
        [[ ! $line =~ $ready ]] || return 0
        [[ $line == ==* ]] || SRV_FAIL="$SRV_FAIL$line "
    done
    SRV_FAIL=$(echo "${SRV_FAIL:-no ready line}" | head -c 200)
    kill -KILL "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null
    exec {SRV_FD}<&-
    SRV_PID=""
    return 1
}

# stop_server [PID]: SIGTERM to PID (default the server; under strace, the
# server is strace's child), then waits up to 60 s for the server (valgrind
# and strace write their output then). Sets SRV_NOTE to anything abnormal
# and SRV_REQ to the requests answered as bench/hello counts them (its last
# line, "served N C").
stop_server() {
    SRV_NOTE="" SRV_REQ=""
    if alive "$SRV_PID"; then
        kill -TERM "${1:-$SRV_PID}" 2>/dev/null
        if ! wait_gone "$SRV_PID" 60; then
            SRV_NOTE="did not stop within 60 s of SIGTERM (killed)"
            kill -KILL "$SRV_PID" 2>/dev/null
        fi
    else
        SRV_NOTE="server died during the run"
    fi
    wait "$SRV_PID" 2>/dev/null
    local ex=$? w line
    [ "$ex" = 0 ] || [ -n "$SRV_NOTE" ] || SRV_NOTE="exit status $ex at stop"
    while read -r -t 2 -u "$SRV_FD" w line; do
        [ "$w" != served ] || read -r SRV_REQ _ <<<"$line"
    done
    exec {SRV_FD}<&-
    SRV_PID=""
}

# us VALUE: h2load's durations (500us, 1.46ms, 2.01s) in microseconds.
us() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) m = 1; else if (v ~ /ms$/) m = 1000; else if (v ~ /s$/) m = 1000000; else m = 0
        sub(/[a-z]+$/, "", v); printf "%.0f", v * m }'
}

RAWFILE=$RAW/runs.tsv
printf 'cell\tserver\tround\tstatus\trequests\tduration_us\tsrv_cpu_s\tsrv_user_s\twall_s\tload_cpu_s\tlat_mean_us\tp50_us\tp99_us\theader_bytes\terrors\trss_per_conn\theld\tsrv_requests\tprotocol\tloadavg\tnote\n' >"$RAWFILE"
record() {
    local IFS=$'\t'
    echo "$*"$'\t'"$(cut -d' ' -f1 /proc/loadavg)"$'\t'"$NOTE" >>"$RAWFILE"
}

# Cells: kind (h2load, wrk, idle), TLS, connections, load options, servers.
declare -A KIND TLS CONNS ARGS SRVS
def() { KIND[$1]=$2 TLS[$1]=$3 CONNS[$1]=$4 ARGS[$1]=$5 SRVS[$1]=$6; }
def h2c-m10 h2load 0 10 "-m10" "ours h2o"
def h2c-m100 h2load 0 10 "-m100" "ours h2o"
def h2tls-m10 h2load 1 10 "-m10" "ours h2o"
def h2tls-m100 h2load 1 10 "-m100" "ours h2o"
def h1-pipe16-c10 wrk 0 10 "" "ours-h1"
def h1-pipe16-c100 wrk 0 100 "" "ours-h1"
def h1tls-pipe16-c10 wrk 1 10 "" "ours-h1"
def idle-h1 idle 0 "$IDLE_N" "" "ours-h1"
def idle-h2 idle 0 "$IDLE_N" "--h2" "ours h2o"
def idle-h2-burst idle 0 "$BURST_N" "--h2 --streams 100" "ours h2o"
CELLS_ALL="h2c-m10 h2c-m100 h2tls-m10 h2tls-m100 h1-pipe16-c10 h1-pipe16-c100 h1tls-pipe16-c10"
CELLS_ALL+=" idle-h1 idle-h2 idle-h2-burst"

# run_cell CELL SERVER ROUND
run_cell() {
    local cell=$1 srv=$2 r=$3 tls=${TLS[$1]} scheme=http
    [ "${KIND[$cell]}" != idle ] || [ "$r" -le "$IDLE_ROUNDS" ] || return 0
    [ "$tls" = 0 ] || scheme=https
    NOTE=""
    if ! start_server "$srv" "$tls"; then
        NOTE="server did not start: $SRV_FAIL"
        log "$cell $srv r$r: n/a ($SRV_FAIL)"
        record "$cell" "$srv" "$r" na 0 0 0 0 0 0 0 0 0 0 0 0 0 "" ""
        return
    fi
    local c0 c1 u0 u1 rss0 rss1 req=0 dus=0 errs=0 mean=0 p50=0 p99=0 hdr=0 perconn=0 held=0
    local proto="" wall=0 ucpu=0 scpu=0 status=ok TIMEFORMAT='%3R %3U %3S'
    local url="$scheme://127.0.0.1:$URL_PORT/"
    read -r c0 u0 < <(cpu_ticks "$SRV_PID")
    rss0=$(rss_kb "$SRV_PID")
    case ${KIND[$cell]} in
    h2load)
        local n=$N tlsopt=()
        [ "$tls" = 0 ] || n=$TLS_N tlsopt=(--tls13-ciphers=TLS_AES_256_GCM_SHA384)
        # shellcheck disable=SC2086
        { time taskset -c "$LOAD_CPU" h2load -t1 -c"${CONNS[$cell]}" ${ARGS[$cell]} -n "$n" \
            "${tlsopt[@]}" "$url" \
            >"$TMP/load.out" 2>&1; } 2>"$TMP/time.out"
        local o=$TMP/load.out
        # "requests: T total, S started, D done, OK succeeded, F failed, E
        # errored, TO timeout": failed counts the errored, the timed out
        # and the answers other than 2xx.
        read -r req errs < <(awk '/^requests:/ {print $8, $10}' "$o")
        req=${req:-0} errs=${errs:-1}
        local fin
        fin=$(awk '/^finished in/ {sub(/,$/, "", $3); print $3}' "$o")
        dus=$(us "${fin:-0}")
        mean=$(us "$(awk '/^time for request:/ {print $6}' "$o")")
        hdr=$(awk '/^traffic:/ {gsub(/[()]/, "", $6); print $6}' "$o")
        proto=$(awk -F': ' '/^Application protocol/ {p = $2} /^Cipher/ {c = $2}
                            END {print p (c != "" ? " " c : "")}' "$o")
        [ "$req" -gt 0 ] || status=fail
        ;;
    wrk)
        { time taskset -c "$LOAD_CPU" wrk -t1 -c"${CONNS[$cell]}" -d"${DUR}s" --timeout 5s \
            -s bench/pipeline.lua "$url" >"$TMP/load.out" 2>&1; } 2>"$TMP/time.out"
        local res
        res=$(grep '^RESULT' "$TMP/load.out" | tail -1)
        if [ -n "$res" ]; then
            # shellcheck disable=SC2086
            set -- $res
            req=$2 dus=$3 errs=$(($5 + $6 + $7 + $8 + $9)) p50=${10} p99=${11}
        else
            status=fail
        fi
        proto="http/1.1"
        ;;
    idle)
        local in=$TMP/idle.in outf=$TMP/idle.out ipid iw ir line conns=${CONNS[$cell]}
        rm -f "$in" "$outf"
        mkfifo "$in" "$outf"
        # shellcheck disable=SC2086
        taskset -c "$LOAD_CPU" "$BIN/idle" ${ARGS[$cell]} "$URL_PORT" "$conns" \
            <"$in" >"$outf" 2>"$TMP/load.out" &
        ipid=$!
        AUX_PIDS+=("$ipid")
        exec {iw}>"$in"
        exec {ir}<"$outf"
        local t0=$EPOCHREALTIME
        line=""
        read -r -t 300 -u "$ir" line
        wall=$(echo "$EPOCHREALTIME - $t0" | bc)
        rss1=$(rss_kb "$SRV_PID")
        held=${line#ready }
        [[ $held =~ ^[0-9]+$ ]] || held=0
        exec {iw}>&-
        wait_gone "$ipid" 60 || kill -KILL "$ipid" 2>/dev/null
        wait "$ipid" 2>/dev/null
        exec {ir}<&-
        AUX_PIDS=()
        [ "$held" -eq 0 ] || perconn=$(((rss1 - rss0) * 1024 / held))
        errs=$((conns - held))
        echo "$wall 0 0" >"$TMP/time.out"
        proto=$([[ ${ARGS[$cell]} == --h2* ]] && echo h2c || echo http/1.1)
        ;;
    esac
    read -r c1 u1 < <(cpu_ticks "$SRV_PID")
    stop_server
    read -r wall ucpu scpu <"$TMP/time.out"
    NOTE=$SRV_NOTE
    if [ "$status" = fail ]; then
        NOTE="${NOTE:+$NOTE; }load generator: $(tail -c 200 "$TMP/load.out" | tr '\n\t' '  ')"
    elif [ -n "$SRV_NOTE" ]; then
        status=crash
    elif [ "$errs" != 0 ]; then
        status=errors
    fi
    local srv_cpu srv_user load_cpu
    srv_cpu=$(echo "scale=3; ($c1 - $c0) / $HZ" | bc)
    srv_user=$(echo "scale=3; ($u1 - $u0) / $HZ" | bc)
    load_cpu=$(echo "$ucpu + $scpu" | bc)
    record "$cell" "$srv" "$r" "$status" "$req" "$dus" "$srv_cpu" "$srv_user" "$wall" "$load_cpu" \
        "$mean" "$p50" "$p99" "${hdr:-0}" "$errs" "$perconn" "$held" "${SRV_REQ:-}" "$proto"
    if [ "${KIND[$cell]}" = idle ]; then
        log "$cell $srv r$r: $held idle connections, $perconn bytes of RSS each${NOTE:+ [$status: $NOTE]}"
    else
        log "$cell $srv r$r: $(echo "scale=0; $req * 1000000 / ($dus + 1)" | bc) req/s," \
            "$(echo "scale=2; $srv_cpu * 1000000 / ($req + 1)" | bc) us CPU/req, load CPU" \
            "${load_cpu}s/${wall}s, errors $errs, $proto${NOTE:+ [$status: $NOTE]}"
    fi
}

{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs$(lscpu | grep -q '^Hypervisor vendor' && echo " (virtual machine, $(lscpu | sed -n 's/^Hypervisor vendor: *//p'))")"
    echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
    # shellcheck disable=SC1091
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "h2load: $(h2load --version 2>&1 | head -1)"
    echo "h2o: $(dpkg-query -W -f='${Version}' h2o 2>/dev/null || echo 'not installed')"
    echo "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
    echo "valgrind: $(valgrind --version)"
    echo "libnghttp2 (ours, h2load): $(dpkg-query -W -f='${Version}' libnghttp2-14 2>/dev/null)"
    echo "TLS: ours GnuTLS $(dpkg-query -W -f='${Version}' libgnutls30 2>/dev/null); h2o, h2load and wrk OpenSSL $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null)"
    echo "ours: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' + uncommitted changes')"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "run: $([ "$quick" = 1 ] && echo QUICK || echo full)$([ "$partial" = 1 ] && echo " (development run${ONLY:+, subset $ONLY})"), $ROUNDS rounds, h2load -n $N (cleartext) / $TLS_N (TLS), wrk ${DUR}s, idle connections $IDLE_N (burst $BURST_N), server on CPU $SRV_CPU, load generator on CPU $LOAD_CPU"
    echo "counts: callgrind N=$CG_N1,$CG_N2, h2load -c1 ($CG_KINDS); strace N=$ST_N1,$ST_N2, h2load -c1 -m10"
} >"$RAW/machine.txt"
cat "$RAW/machine.txt"

mkdir -p "$DOCROOT"
printf 'Hello, World!' >"$DOCROOT/index.txt"
command -v certtool >/dev/null || { echo "missing certtool: scripts/deps.sh bench" >&2; exit 1; }
tests/scripts/mkcerts.sh "$TLSDIR" >/dev/null || { echo "tests/scripts/mkcerts.sh failed" >&2; exit 1; }

RUNS=()
for cell in $CELLS_ALL; do
    for srv in ${SRVS[$cell]}; do
        if [ -z "$ONLY" ] || [[ "$cell/$srv" =~ $ONLY ]]; then RUNS+=("$cell/$srv"); fi
    done
done
log "timed runs and idle connections: ${#RUNS[@]} cells x $ROUNDS rounds"
for ((round = 1; round <= ROUNDS; round++)); do
    for run in "${RUNS[@]}"; do
        run_cell "${run%/*}" "${run#*/}" "$round"
    done
done

# Counts with one h2load connection over cleartext, for N1 and N2 requests
# (per request: the difference over N2 - N1): instructions (callgrind: Ir,
# user space, all threads) and system calls (strace -f -c).
COUNTS=$RAW/counts.tsv
printf 'tool\tserver\tkind\tn\ttotal\tstatus\tnote\n' >"$COUNTS"
# With TLS set up, h2o forks a process that keeps the private key
# (neverbleed): callgrind writes one file per process (%p) and the totals
# are summed (that process does nothing over cleartext, and its start-up
# cancels out in N2 - N1); the functions are listed for the server's own
# process. strace -f counts both.
count_run() { # TOOL SERVER KIND N
    local tool=$1 srv=$2 kind=$3 n=$4 status=ok note="" pid child=""
    local base=$TMP/$1-$2-$3-$4
    rm -f "$base".*
    if [ "$tool" = callgrind ]; then
        SRV_WRAP=(valgrind --tool=callgrind "--callgrind-out-file=$base.%p.out")
    else
        SRV_WRAP=(strace -f -c -o "$base.txt")
    fi
    if ! start_server "$srv" 0; then
        SRV_WRAP=()
        printf '%s\t%s\t%s\t%s\t\tna\t%s\n' "$tool" "$srv" "$kind" "$n" "$SRV_FAIL" >>"$COUNTS"
        return
    fi
    SRV_WRAP=()
    pid=$SRV_PID
    [ "$tool" = callgrind ] || child=$(pgrep -o -P "$pid")
    taskset -c "$LOAD_CPU" h2load -t1 -c1 "-${kind}" -n "$n" "http://127.0.0.1:$URL_PORT/" \
        >"$TMP/load.out" 2>&1
    local ok
    ok=$(awk '/^requests:/ {print $8}' "$TMP/load.out")
    if [ "${ok:-0}" != "$n" ]; then
        status=fail
        note="h2load: ${ok:-0} of $n succeeded"
    fi
    stop_server "$child"
    [ -z "$SRV_NOTE" ] || { status=fail; note="${note:+$note; }$SRV_NOTE"; }
    local total
    if [ "$tool" = callgrind ]; then
        total=$(cat "$base".*.out 2>/dev/null | awk '/^totals:/ {t += $2; n++} END {if (n) print t}')
        callgrind_annotate --threshold=100 --auto=no "$base.$pid.out" >"$base.fn.txt" 2>/dev/null
    else
        total=$(awk '$NF == "total" {print $4}' "$base.txt" 2>/dev/null)
        cp "$base.txt" "$RAW/strace-$srv-$kind-$n.txt" 2>/dev/null
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$srv" "$kind" "$n" "$total" "$status" "$note" \
        >>"$COUNTS"
    log "$tool $srv -c1 -$kind N=$n: $status${note:+ ($note)}, total $total"
}
if [ -z "${BENCH_NO_COUNTS:-}" ]; then
    log "counts: callgrind and strace, h2load -c1, cleartext"
    for srv in ours h2o; do
        for kind in $CG_KINDS; do
            [ -z "$ONLY" ] || [[ "cg-$kind/$srv" =~ $ONLY ]] || continue
            count_run callgrind "$srv" "$kind" "$CG_N1"
            count_run callgrind "$srv" "$kind" "$CG_N2"
            # The functions' instructions per request, for the profile.
            python3 bench/h2stats.py --fn-diff "$TMP/callgrind-$srv-$kind-$CG_N1.fn.txt" \
                "$TMP/callgrind-$srv-$kind-$CG_N2.fn.txt" "$CG_N1" "$CG_N2" \
                >"$RAW/callgrind-per-request-$srv-$kind.tsv" 2>/dev/null || true
        done
        [ -z "$ONLY" ] || [[ "st-m10/$srv" =~ $ONLY ]] || continue
        count_run strace "$srv" m10 "$ST_N1"
        count_run strace "$srv" m10 "$ST_N2"
    done
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/machine.txt"
echo "wall time of the run: $((SECONDS - START)) s (without the build)" >>"$RAW/machine.txt"
upd=()
[ "$quick" = 1 ] || [ "$partial" = 1 ] || upd=(--update BENCHMARKS.md)
python3 bench/h2stats.py --raw "$RAW" --out "$OUT" "${upd[@]}" || exit 1
cat "$OUT/latest.md"
log "done: $OUT/latest.md"
