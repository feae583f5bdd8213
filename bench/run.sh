#!/usr/bin/env bash
# Benchmark driver behind `make bench`: our library against Debian's
# libmicrohttpd, with the same server program (bench/hello.c) built against
# each (build/bench/hello-ours, build/bench/hello-mhd); and, in the int-epoll
# cells of the plain HTTP scenarios, beside the floor (bench/floor.c: an
# epoll loop of our own that sends hello's bytes and parses nothing, so what
# it costs is about what the kernel charges) and the servers a user would
# pick instead, nginx (bench/nginx.conf) and h2o (bench/h2o-h1.conf), each
# one process and one event loop.
#
#   bench/run.sh              full run   (about 30 min), results in bench/results/
#   QUICK=1 bench/run.sh      smoke run  (about 4 min),  results in bench/results/quick/
#
# Environment: BUILD (build dir, default build), QUICK, and for development
# BENCH_ROUNDS, BENCH_DURATION (seconds per timed run), BENCH_ONLY (a regex
# matched against "scenario/mode" to run a subset), BENCH_SERVERS (the
# servers of an int-epoll cell, default "ours mhd floor nginx h2o"; ours and
# mhd are always run), BENCH_NO_COUNTS=1, BENCH_PROFILE=0/1, BENCH_RECORD=0/1
# (perf record, on in a full run); any of these sends the results to
# bench/results/dev/.
#
# What it does:
#  1. Timed runs. For each round, each scenario/mode cell, ours then Debian's
#     (A B A B ...; in an int-epoll cell of plain HTTP then the floor, nginx
#     and h2o): start the server pinned to CPU 0, wait for its "serving"
#     line (nginx, h2o: for an answer to HEAD /), read utime+stime from
#     /proc/PID/stat (the server and its children: nginx's master and
#     worker), drive it from CPU 1 (wrk, or bench/fetch for the 1 GiB file,
#     or bench/idle for idle connections), read the CPU again, stop the
#     server and read its own count of requests and connections (nginx:
#     from its stub_status; h2o counts none). A server that does not start
#     is recorded as n/a and not retried; wrk errors, a crash, Connection:
#     close traffic that did not open one connection per request are
#     flagged by bench/stats.py.
#     The HTTPS scenarios (tls-*) run the same way with hello --tls and the
#     credentials of tests/scripts/mkcerts.sh, made once per run: wrk over
#     https, bench/tlsload (GnuTLS) for new connections with and without
#     session resumption, the 1 GiB file and idle connections; the server
#     counts full and resumed handshakes.
#  2. Counts: instructions per request (callgrind, user space, all threads)
#     and system calls per request (strace -f -c) with `hello --requests N`
#     for two values of N; the difference divided by the difference of N
#     removes start-up and shut-down. Traffic: one connection (wrk -c1),
#     keep-alive, Connection: close, and 16-deep pipelining. The floor
#     takes --requests too; nginx (master_process off, so one process) and
#     h2o are stopped once wrk has counted N responses (bench/count.lua).
#  3. Under load (when perf is installed): perf record (cpu-clock) and perf
#     stat (syscall tracepoints) of every server under keep-alive, close and
#     pipelined traffic from 100 connections.
#  4. bench/stats.py turns the raw data into latest.md and summary.md (and,
#     for a full run, the summary and results blocks of BENCHMARKS.md);
#     gnuplot draws rps.png and cpu.png.
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
BIN=$BUILD/bench
case "${QUICK:-}" in
"" | 0 | no) quick=0 ;;
*) quick=1 ;;
esac

if [ "$quick" = 1 ]; then
    OUT=bench/results/quick
    ROUNDS=3 DUR=1 SF_N=2 IDLE_ROUNDS=1 TLS_SF_N=1 TLS_IDLE_N=500 OTHER_ROUNDS=1
    CG_N1=300 CG_N2=1500 ST_N1=300 ST_N2=1300
    PROFILE=1 RECORD=0
else
    OUT=bench/results
    ROUNDS=3 DUR=3 SF_N=4 IDLE_ROUNDS=3 TLS_SF_N=1 TLS_IDLE_N=2000 OTHER_ROUNDS=3
    CG_N1=2000 CG_N2=10000 ST_N1=1000 ST_N2=4000
    PROFILE=1 RECORD=1
fi
ROUNDS=${BENCH_ROUNDS:-$ROUNDS}
[ "$OTHER_ROUNDS" -le "$ROUNDS" ] || OTHER_ROUNDS=$ROUNDS
DUR=${BENCH_DURATION:-$DUR}
ONLY=${BENCH_ONLY:-}
PROFILE=${BENCH_PROFILE:-$PROFILE}
RECORD=${BENCH_RECORD:-$RECORD}
# The servers beside ours and Debian's libmicrohttpd, in the int-epoll cells
# of the plain HTTP scenarios.
OTHERS=""
for o in ${BENCH_SERVERS:-floor nginx h2o}; do
    [ "$o" = ours ] || [ "$o" = mhd ] || OTHERS+=" $o"
done
# A run changed by any of the development settings goes to dev/, so that it
# never replaces the results of the last real run.
partial=0
if [ -n "$ONLY${BENCH_ROUNDS:-}${BENCH_DURATION:-}${BENCH_NO_COUNTS:-}${BENCH_PROFILE:-}${BENCH_RECORD:-}${BENCH_SERVERS:-}" ]; then
    partial=1
    OUT=bench/results/dev
fi
IDLE_N=10000
LIMIT=20000
SRV_CPU=0
LOAD_CPU=1
if [ "$(nproc)" -lt 2 ]; then
    echo "warning: one CPU only; server and load generator share it" >&2
    LOAD_CPU=0
fi

for b in hello-ours hello-mhd idle fetch tlsload floor; do
    if [ ! -x "$BIN/$b" ]; then
        echo "missing $BIN/$b: run 'make bench' (or make bench-bins) first" >&2
        exit 1
    fi
done
for t in wrk taskset valgrind strace gnuplot python3 pgrep; do
    command -v "$t" >/dev/null || { echo "missing $t: scripts/deps.sh bench" >&2; exit 1; }
done

RAW=$OUT/raw
rm -rf "$RAW"
mkdir -p "$RAW"
TMP=$(mktemp -d /tmp/mhd-bench.XXXXXX)
TLSDIR=$TMP/tls
# Concurrent connections of bench/tlsload (one thread each) for new
# connections, and its threads for opening the idle ones.
TLS_CONC=16
TLS_IDLE_THREADS=4
BIGFILE=/dev/shm/mhd-bench-1g.$$
[ -d /dev/shm ] || BIGFILE=$TMP/1g
# The 1 GiB file of a run that was killed outright stays in RAM: remove it.
for f in /dev/shm/mhd-bench-1g.*; do
    [ -e "$f" ] && ! kill -0 "${f##*.}" 2>/dev/null && rm -f "$f"
done
HZ=$(getconf CLK_TCK)
START=$SECONDS
PORT_SEQ=0

# The servers need more descriptors than the default for 10,000 idle
# connections (plus the listening socket, pipes and epoll).
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
    rm -f "$BIGFILE"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

log() { printf '[%4ds] %s\n' $((SECONDS - START)) "$*"; }

next_port() {
    PORT=$((18100 + PORT_SEQ % 800))
    PORT_SEQ=$((PORT_SEQ + 1))
}

# alive PID: the process exists and is not a zombie.
alive() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    [ "${s%% *}" != Z ]
}

# family PID: the process and its children (nginx's master and worker).
family() { echo "$1" $(pgrep -P "$1"); }

# cpu_ticks PID: "utime+stime utime" of the process and its children (all
# threads, live and exited), in clock ticks.
cpu_ticks() {
    local s p t=0 u=0
    for p in $(family "$1"); do
        s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        s=${s##*) }
        # shellcheck disable=SC2086
        set -- $s
        t=$((t + ${12} + ${13})) u=$((u + ${12}))
    done
    echo "$t" "$u"
}

# rss_kb PID: VmRSS of the process and its children, in KiB.
rss_kb() {
    local p
    # shellcheck disable=SC2046
    for p in $(family "$1"); do cat "/proc/$p/status" 2>/dev/null; done |
        awk '/^VmRSS:/ {t += $2} END {print t + 0}'
}

# wait_gone PID SECONDS: polls until the process has exited.
wait_gone() {
    local i n=$(($2 * 20))
    for ((i = 0; i < n; i++)); do
        alive "$1" || return 0
        sleep 0.05
    done
    return 1
}

# start_server LIB ARGS...: starts $BIN/hello-LIB, or $BIN/floor, nginx or
# h2o (behind the SRV_WRAP command, if any) pinned to SRV_CPU and waits
# for its "serving" line. Sets SRV_PID; on failure returns 1 with the
# reason in SRV_FAIL.
SRV_WRAP=()
start_server() {
    local lib=$1 line="" prog=$BIN/hello-$1
    shift
    case $lib in
    nginx | h2o)
        start_other "$lib" "$@"
        return
        ;;
    floor) prog=$BIN/floor ;;
    esac
    local fifo=$TMP/srv.fifo
    rm -f "$fifo"
    mkfifo "$fifo"
    taskset -c "$SRV_CPU" "${SRV_WRAP[@]}" "$prog" "$@" >"$fifo" 2>"$TMP/srv.err" &
    SRV_PID=$!
    exec {SRV_FD}<"$fifo"
    if read -r -t 60 -u "$SRV_FD" line && [[ $line == serving* ]]; then
        return 0
    fi
    SRV_FAIL=$(grep -v '^==' "$TMP/srv.err" | head -c 200 | tr '\n\t' '  ')
    [ -n "$SRV_FAIL" ] || SRV_FAIL="no serving line"
    kill -KILL "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null
    exec {SRV_FD}<&-
    SRV_PID=""
    return 1
}

# probe PORT: whether the server at PORT answers HEAD / with a 200.
probe() {
    local fd line=""
    { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'HEAD / HTTP/1.0\r\n\r\n' >&"$fd"
    read -r -t 5 -u "$fd" line
    exec {fd}>&-
    [[ $line == HTTP/1.?" 200"* ]]
}

# start_other nginx|h2o ARGS...: start_server for nginx and h2o, from
# hello's arguments (--port, --body N, --file F; the others do not apply):
# writes the document (index.txt: hello's body, or a link to the file) and
# the configuration from bench/nginx.conf or bench/h2o-h1.conf into TMP,
# starts the server and waits until it answers HEAD / (which nginx_counts
# leaves out). NGINX_MASTER=off runs nginx as one process.
NGINX_MASTER=on
BACKLOG=4096 # SOMAXCONN in glibc's headers: what ours and bench/floor listen with
start_other() {
    local lib=$1 port="" body="" file="" cmd=() dir user=""
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --port) port=$2 ;;
        --body) body=$2 ;;
        --file) file=$2 ;;
        --tls)
            SRV_FAIL="$lib is compared over plain HTTP only"
            return 1
            ;;
        esac
        shift 2 || break
    done
    if ! command -v "$lib" >/dev/null; then
        SRV_FAIL="$lib is not installed (scripts/deps.sh bench)"
        return 1
    fi
    dir=$TMP/$lib-$port
    rm -rf "$dir"
    mkdir -p "$dir/www"
    if [ -n "$file" ]; then
        ln -s "$file" "$dir/www/index.txt"
    else
        yes 'Hello, World!' | head -c "${body:-13}" >"$dir/www/index.txt"
    fi
    if [ "$lib" = nginx ]; then
        local handler="return 200 \"Hello, World!\";"
        [ -z "$body$file" ] || handler="root $dir/www; index index.txt;"
        [ "$(id -u)" != 0 ] || user="user root;"
        sed -e "s#@USER@#$user#" -e "s#@MASTER@#$NGINX_MASTER#" -e "s#@DIR@#$dir#g" \
            -e "s#@PORT@#$port#" -e "s#@BACKLOG@#$BACKLOG#" -e "s#@HANDLER@#$handler#" \
            bench/nginx.conf >"$dir/nginx.conf"
        cmd=(nginx -e stderr -p "$dir" -c "$dir/nginx.conf")
    else
        [ "$(id -u)" != 0 ] || user="user: root"
        sed -e "s#@USER@#$user#" -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#" \
            -e "s#@DOCROOT@#$dir/www#" bench/h2o-h1.conf >"$dir/h2o.conf"
        cmd=(h2o -c "$dir/h2o.conf")
    fi
    local fifo=$TMP/srv.fifo i
    rm -f "$fifo"
    mkfifo "$fifo"
    taskset -c "$SRV_CPU" "${SRV_WRAP[@]}" "${cmd[@]}" >"$fifo" 2>"$TMP/srv.err" &
    SRV_PID=$!
    exec {SRV_FD}<"$fifo"
    for ((i = 0; i < 600; i++)); do
        probe "$port" && return 0
        alive "$SRV_PID" || break
        sleep 0.1
    done
    SRV_FAIL=$(grep -v '^==' "$TMP/srv.err" | head -c 200 | tr '\n\t' '  ')
    [ -n "$SRV_FAIL" ] || SRV_FAIL="no answer to HEAD / within 60 s"
    kill -KILL "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null
    exec {SRV_FD}<&-
    SRV_PID=""
    return 1
}

# nginx_counts PORT: sets NGX_REQ and NGX_CONN to the requests and
# connections nginx counted (stub_status), less the HEAD / of start_other
# and this request.
nginx_counts() {
    local fd out
    NGX_REQ="" NGX_CONN=""
    { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'GET /nginx_status HTTP/1.0\r\n\r\n' >&"$fd"
    out=$(timeout 5 cat <&"$fd" | awk 'x {print $1 - 2, $3 - 2; exit} /accepts handled requests/ {x = 1}')
    exec {fd}>&-
    read -r NGX_CONN NGX_REQ <<<"$out"
    [ -n "$NGX_REQ" ]
}

# stop_any LIB: stop_server, with nginx's counts (read before it stops) in
# SRV_REQ and SRV_CONN; "-" for h2o, which counts none.
stop_any() {
    local req="-" conn="-"
    if [ "$1" = nginx ] && nginx_counts "$PORT"; then
        req=$NGX_REQ conn=$NGX_CONN
    fi
    stop_server
    case $1 in
    nginx | h2o) SRV_REQ=$req SRV_CONN=$conn ;;
    esac
}

# stop_server: SIGTERM, then waits up to 20 s. Sets SRV_EXIT, SRV_NOTE to a
# description of anything abnormal, and SRV_REQ / SRV_CONN to the requests
# answered and connections accepted as the server counted them (its last
# line, "served REQUESTS CONNECTIONS"), and for HTTPS SRV_TLS_FULL /
# SRV_TLS_RESUMED to its count of full and resumed handshakes (the line
# "tls FULL RESUMED" before it).
stop_server() {
    SRV_NOTE=""
    SRV_REQ=0 SRV_CONN=0 SRV_TLS_FULL="" SRV_TLS_RESUMED=""
    if alive "$SRV_PID"; then
        kill -TERM "$SRV_PID" 2>/dev/null
        if ! wait_gone "$SRV_PID" 20; then
            SRV_NOTE="did not stop within 20 s of SIGTERM (killed)"
            kill -KILL "$SRV_PID" 2>/dev/null
        fi
    else
        SRV_NOTE="server died during the run"
    fi
    wait "$SRV_PID" 2>/dev/null
    SRV_EXIT=$?
    if [ "$SRV_EXIT" != 0 ] && [ -z "$SRV_NOTE" ]; then
        SRV_NOTE="exit status $SRV_EXIT at stop"
    elif [ -n "$SRV_NOTE" ]; then
        SRV_NOTE="$SRV_NOTE (status $SRV_EXIT)"
    fi
    if [ -n "$SRV_NOTE" ]; then
        local err
        err=$(grep -v '^==' "$TMP/srv.err" | tail -c 200 | tr '\n\t' '  ')
        [ -z "$err" ] || SRV_NOTE="$SRV_NOTE: $err"
    fi
    local line w
    while read -r -t 5 -u "$SRV_FD" w line; do
        [ "$w" != served ] || read -r SRV_REQ SRV_CONN <<<"$line"
        [ "$w" != tls ] || read -r SRV_TLS_FULL SRV_TLS_RESUMED <<<"$line"
    done
    exec {SRV_FD}<&-
    SRV_PID=""
}

RAWFILE=$RAW/runs.tsv
printf 'scenario\tmode\tlib\tround\tstatus\trequests\tduration_us\tbytes\terrors\tsrv_cpu_s\twall_s\tload_cpu_s\tp50_us\tp99_us\trss_per_conn\tsrv_requests\tsrv_conns\tsrv_user_s\ttls_full\ttls_resumed\tcli_full\tcli_resumed\tloadavg\tnote\n' >"$RAWFILE"

# record SCEN MODE LIB ROUND STATUS REQ DUR_US BYTES ERR SRV_CPU WALL LOAD_CPU P50 P99 RSS
#        SRV_REQ SRV_CONN SRV_USER NOTE
# (the handshakes the server and bench/tlsload counted, TLS_COUNTS, and the
# 1-minute load average of the machine go in before NOTE)
TLS_COUNTS=("" "" "" "")
record() {
    local IFS=$'\t' la
    la=$(cut -d' ' -f1 /proc/loadavg)
    echo "${*:1:18}"$'\t'"${TLS_COUNTS[*]}"$'\t'"$la"$'\t'"${19}" >>"$RAWFILE"
}

# Scenario definitions: kind, connections, server options, load options, and
# the modes of the full and of the quick run.
declare -A KIND CONNS SRVARGS LOADARGS MODES QMODES
# wrk_args TRAFFIC: sets WRK_ARGS for "" (keep-alive), close or pipe16.
wrk_args() {
    case $1 in
    close) WRK_ARGS=(-s bench/report.lua -H "Connection: close") ;;
    pipe16) WRK_ARGS=(-s bench/pipeline.lua) ;;
    *) WRK_ARGS=(-s bench/report.lua) ;;
    esac
}
ALLMODES="int-epoll int-select int-poll ext-select pool-2 tpc"
def() { KIND[$1]=$2 CONNS[$1]=$3 SRVARGS[$1]=$4 LOADARGS[$1]=$5 MODES[$1]=$6 QMODES[$1]=$7; }
def ka10 wrk 10 "" "" "int-epoll pool-2" ""
def ka100 wrk 100 "" "" "$ALLMODES" "int-epoll tpc"
def ka1000 wrk 1000 "" "" "int-epoll int-poll pool-2" ""
def close100 wrk 100 "" close "$ALLMODES" "int-epoll tpc"
def pipe16 wrk 100 "" pipe16 "int-epoll ext-select pool-2" "int-epoll"
def body64k wrk 100 "--body 65536" "" "int-epoll pool-2" "int-epoll"
def sendfile1g fetch 1 "--file $BIGFILE" "" "int-epoll pool-2" "int-epoll"
def idle10k idle $IDLE_N "--limit $LIMIT" "" "int-epoll int-poll pool-2" "int-epoll"
# HTTPS: wrk (OpenSSL) keep-alive and Connection: close (which resumes the
# previous session of each of its connections when the server allows it);
# bench/tlsload (GnuTLS) making a new connection per request with full
# handshakes only (--no-resume) and resuming; the 1 GiB file; idle
# connections, fewer than in idle10k because each needs a full handshake.
TLSARGS="--tls $TLSDIR"
def tls-ka100 wrk 100 "$TLSARGS" "" "int-epoll pool-2 tpc" "int-epoll"
def tls-close100 wrk 100 "$TLSARGS" close "int-epoll" "int-epoll"
def tls-full tlsload $TLS_CONC "$TLSARGS" "--no-resume" "int-epoll pool-2" "int-epoll"
def tls-resume tlsload $TLS_CONC "$TLSARGS" "" "int-epoll pool-2" "int-epoll"
def tls-file1g tlsload 1 "$TLSARGS --file $BIGFILE" "-n 1 -k $TLS_SF_N" "int-epoll pool-2" "int-epoll"
def tls-idle idle $TLS_IDLE_N "$TLSARGS --limit $LIMIT" "" "int-epoll pool-2" "int-epoll"
SCENARIOS="ka10 ka100 ka1000 close100 pipe16 body64k sendfile1g idle10k"
SCENARIOS+=" tls-ka100 tls-close100 tls-full tls-resume tls-file1g tls-idle"

CELLS=()
for s in $SCENARIOS; do
    if [ "$quick" = 1 ]; then ms=${QMODES[$s]}; else ms=${MODES[$s]}; fi
    for m in $ms; do
        if [ -z "$ONLY" ] || [[ "$s/$m" =~ $ONLY ]]; then CELLS+=("$s/$m"); fi
    done
done

declare -A NA
TLS_DESC=""
# run_cell SCEN MODE LIB ROUND
run_cell() {
    local s=$1 m=$2 lib=$3 r=$4
    local key="$s/$m/$lib"
    TLS_COUNTS=("" "" "" "")
    # Memory per idle connection hardly varies: fewer rounds in a quick run,
    # and one round of libmicrohttpd's poll mode, which takes half a minute
    # to accept 10,000 connections (one accept per poll() over all of them).
    [ "${KIND[$s]}" != idle ] || [ "$r" -le "$IDLE_ROUNDS" ] || return 0
    [ "$s/$m" != idle10k/int-poll ] || [ "$r" = 1 ] || return 0
    if [ -n "${NA[$key]:-}" ]; then
        record "$s" "$m" "$lib" "$r" na 0 0 0 0 0 0 0 0 0 0 0 0 0 "${NA[$key]}"
        return
    fi
    next_port
    # shellcheck disable=SC2086
    if ! start_server "$lib" --mode "$m" --port "$PORT" ${SRVARGS[$s]}; then
        NA[$key]="server did not start: $SRV_FAIL"
        log "$s $m $lib r$r: n/a ($SRV_FAIL)"
        record "$s" "$m" "$lib" "$r" na 0 0 0 0 0 0 0 0 0 0 0 0 0 "${NA[$key]}"
        return
    fi
    local c0 c1 u0 u1 rss0 rss1=0 perconn=0 res="" wall ucpu scpu line
    local TIMEFORMAT='%3R %3U %3S' scheme=http
    [[ " ${SRVARGS[$s]} " != *" --tls "* ]] || scheme=https
    read -r c0 u0 < <(cpu_ticks "$SRV_PID")
    rss0=$(rss_kb "$SRV_PID")
    case ${KIND[$s]} in
    wrk)
        wrk_args "${LOADARGS[$s]}"
        { time taskset -c "$LOAD_CPU" wrk -t1 -c"${CONNS[$s]}" -d"${DUR}s" --timeout 5s \
            "${WRK_ARGS[@]}" "$scheme://127.0.0.1:$PORT/" >"$TMP/load.out" 2>&1; } 2>"$TMP/time.out"
        ;;
    tlsload)
        # shellcheck disable=SC2086
        { time taskset -c "$LOAD_CPU" "$BIN/tlsload" -c "${CONNS[$s]}" -d "$DUR" ${LOADARGS[$s]} \
            "$PORT" >"$TMP/load.out" 2>&1; } 2>"$TMP/time.out"
        # Memory stays flat for a big response: the peak RSS of the
        # server over the run, less its RSS before, per connection.
        if [ "${CONNS[$s]}" = 1 ]; then
            perconn=$((($(awk '/^VmHWM:/ {print $2}' "/proc/$SRV_PID/status" 2>/dev/null || echo "$rss0") - rss0) * 1024))
        fi
        ;;
    fetch)
        { time taskset -c "$LOAD_CPU" "$BIN/fetch" "$PORT" "$SF_N" >"$TMP/load.out" 2>&1; } 2>"$TMP/time.out"
        ;;
    idle)
        local in=$TMP/idle.in outf=$TMP/idle.out ipid iw ir
        rm -f "$in" "$outf"
        mkfifo "$in" "$outf"
        if [ "$scheme" = https ]; then
            # full handshakes, as libmicrohttpd resumes none
            taskset -c "$LOAD_CPU" "$BIN/tlsload" -c "$TLS_IDLE_THREADS" --no-resume \
                --hold "${CONNS[$s]}" "$PORT" <"$in" >"$outf" 2>"$TMP/load.out" &
        else
            taskset -c "$LOAD_CPU" "$BIN/idle" "$PORT" "${CONNS[$s]}" <"$in" >"$outf" 2>"$TMP/load.out" &
        fi
        ipid=$!
        AUX_PIDS+=("$ipid")
        exec {iw}>"$in"
        exec {ir}<"$outf"
        local t0=$EPOCHREALTIME
        line=""
        read -r -t 180 -u "$ir" line
        wall=$(echo "$EPOCHREALTIME - $t0" | bc)
        rss1=$(rss_kb "$SRV_PID")
        local n=${line#ready }
        [[ $n =~ ^[0-9]+$ ]] || n=0
        exec {iw}>&-
        wait_gone "$ipid" 60 || kill -KILL "$ipid" 2>/dev/null
        wait "$ipid" 2>/dev/null
        exec {ir}<&-
        AUX_PIDS=()
        if [ "$n" -gt 0 ]; then perconn=$(((rss1 - rss0) * 1024 / n)); fi
        local failed=$((${CONNS[$s]} - n))
        res="RESULT $n 0 0 0 $failed 0 0 0 0 0"
        echo "$wall 0 0" >"$TMP/time.out"
        ;;
    esac
    read -r c1 u1 < <(cpu_ticks "$SRV_PID")
    stop_any "$lib"
    [ -n "$res" ] || res=$(grep '^RESULT' "$TMP/load.out" | tail -1)
    read -r wall ucpu scpu <"$TMP/time.out"
    TLS_COUNTS=("$SRV_TLS_FULL" "$SRV_TLS_RESUMED" "" "")
    if [ "${KIND[$s]}" = tlsload ]; then
        # shellcheck disable=SC2046
        set -- $(grep '^TLSLOAD' "$TMP/load.out" | tail -1)
        TLS_COUNTS[2]=${5:-} TLS_COUNTS[3]=${7:-}
        [ -n "$TLS_DESC" ] || [ "${9:-}" = - ] || TLS_DESC=${9:-}
    fi
    local status=ok note="$SRV_NOTE"
    if [ -z "$res" ]; then
        status=fail
        note="${note:+$note; }load generator: $(tail -c 200 "$TMP/load.out" | tr '\n\t' '  ')"
        res="RESULT 0 0 0 0 0 0 0 0 0 0"
    fi
    # shellcheck disable=SC2086
    set -- $res
    local req=$2 dus=$3 bytes=$4 errs=$(($5 + $6 + $7 + $8 + $9)) p50=${10} p99=${11}
    [ "$errs" = 0 ] || status=errors
    [ -z "$SRV_NOTE" ] || status=crash
    local srv_cpu srv_user load_cpu
    srv_cpu=$(echo "scale=3; ($c1 - $c0) / $HZ" | bc)
    srv_user=$(echo "scale=3; ($u1 - $u0) / $HZ" | bc)
    load_cpu=$(echo "$ucpu + $scpu" | bc)
    record "$s" "$m" "$lib" "$r" "$status" "$req" "$dus" "$bytes" "$errs" "$srv_cpu" "$wall" \
        "$load_cpu" "$p50" "$p99" "$perconn" "$SRV_REQ" "$SRV_CONN" "$srv_user" "$note"
    local hs=""
    [ -z "$SRV_TLS_FULL" ] || hs=", handshakes: $SRV_TLS_FULL full, $SRV_TLS_RESUMED resumed"
    if [ "${KIND[$s]}" = idle ]; then
        log "$s $m $lib r$r: $req idle connections, $perconn bytes of RSS each$hs${note:+ [$status: $note]}"
    else
        local rps cpr
        rps=$(echo "scale=0; $req * 1000000 / ($dus + 1)" | bc)
        cpr=$(echo "scale=2; $srv_cpu * 1000000 / ($req + 1)" | bc)
        log "$s $m $lib r$r: $rps req/s, $cpr us CPU/req, p99 ${p99} us, load CPU ${load_cpu}s/${wall}s, errors $errs, server: $SRV_REQ requests on $SRV_CONN connections$hs${note:+ [$status: $note]}"
    fi
}

# The machine and the versions, for the report.
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs$(lscpu | grep -q '^Hypervisor vendor' && echo " (virtual machine, $(lscpu | sed -n 's/^Hypervisor vendor: *//p'))")"
    echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
    # shellcheck disable=SC1091
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "compiler: $(${CC:-cc} --version | head -1)"
    echo "wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
    echo "valgrind: $(valgrind --version)"
    echo "strace: $(strace -V | head -1 | awk '{print $NF}')"
    echo "libmicrohttpd (Debian): $(dpkg-query -W -f='${Version}' libmicrohttpd-dev 2>/dev/null)"
    echo "GnuTLS (both servers, bench/tlsload): $(dpkg-query -W -f='${Version}' libgnutls30 2>/dev/null); wrk's TLS: $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null | sed 's/^/OpenSSL /')"
    echo "ours: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' + uncommitted changes')"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "run: $([ "$quick" = 1 ] && echo QUICK || echo full)$([ "$partial" = 1 ] && echo " (development run${ONLY:+, subset $ONLY})"), $ROUNDS rounds, ${DUR}s per timed run, server on CPU $SRV_CPU, load generator on CPU $LOAD_CPU"
    echo "counts: callgrind N=$CG_N1,$CG_N2; strace N=$ST_N1,$ST_N2"
} >"$RAW/machine.txt"
cat "$RAW/machine.txt"

# 1 GiB file in RAM (tmpfs), real pages rather than a hole.
if printf '%s\n' "${CELLS[@]}" | grep -q '^sendfile1g/\|^tls-file1g/'; then
    head -c $((1 << 30)) /dev/zero >"$BIGFILE"
fi
# The HTTPS credentials (ECDSA P-256 key, chain of two), once per run.
if printf '%s\n' "${CELLS[@]}" | grep -q '^tls-'; then
    command -v certtool >/dev/null || { echo "missing certtool: scripts/deps.sh bench" >&2; exit 1; }
    tests/scripts/mkcerts.sh "$TLSDIR" >/dev/null || { echo "tests/scripts/mkcerts.sh failed" >&2; exit 1; }
fi

# servers CELL ROUND: the servers of a cell, in the order they run (the
# floor, nginx and h2o in the first OTHER_ROUNDS rounds only: one in a
# quick run).
servers() {
    if [ "${1#*/}" = int-epoll ] && [[ $1 != tls-* ]] && [ "$2" -le "$OTHER_ROUNDS" ]; then
        echo "ours mhd$OTHERS"
    else
        echo ours mhd
    fi
}
log "timed runs: ${#CELLS[@]} cells x $ROUNDS rounds, ours and libmicrohttpd in each${OTHERS:+,$OTHERS in the int-epoll cells of plain HTTP ($OTHER_ROUNDS rounds)}"
for ((round = 1; round <= ROUNDS; round++)); do
    for cell in "${CELLS[@]}"; do
        for lib in $(servers "$cell" "$round"); do
            run_cell "${cell%/*}" "${cell#*/}" "$lib" "$round"
        done
    done
done
rm -f "$BIGFILE"

# Counts with a single connection: instructions (callgrind) and system calls
# (strace) per request, N2 - N1 requests.
COUNTS=$RAW/counts.tsv
printf 'tool\tlib\tkind\tn\tfile\ttotal\tstatus\tnote\n' >"$COUNTS"
# nginx and h2o cannot stop after N requests: wrk stops after N responses
# (bench/count.lua), then the server gets SIGTERM (under strace, strace's
# child does); callgrind's file of the server's own process is kept (h2o
# forks a helper that execs perl).
count_run() { # TOOL LIB KIND N
    local tool=$1 lib=$2 kind=$3 n=$4 f self=1 master=$NGINX_MASTER
    wrk_args "$kind"
    [ "$lib" != nginx ] && [ "$lib" != h2o ] || self=0
    if [ "$tool" = callgrind ]; then
        f=$RAW/callgrind-$lib-$kind-$n.out
        rm -f "$f" "$f".*
        SRV_WRAP=(valgrind --tool=callgrind "--callgrind-out-file=$f.%p")
    else
        f=$RAW/strace-$lib-$kind-$n.txt
        SRV_WRAP=(strace -f -c -o "$f")
    fi
    next_port
    local args=(--mode int-epoll --port "$PORT" --requests "$n")
    NGINX_MASTER=off
    if ! start_server "$lib" "${args[@]}"; then
        SRV_WRAP=() NGINX_MASTER=$master
        printf '%s\t%s\t%s\t%s\t%s\t\tna\t%s\n' "$tool" "$lib" "$kind" "$n" "$f" "$SRV_FAIL" >>"$COUNTS"
        return
    fi
    SRV_WRAP=() NGINX_MASTER=$master
    local wpid="" status=ok note="" pid=$SRV_PID
    if [ "$self" = 0 ]; then
        local k=("$kind")
        [ "$kind" != keepalive ] || k=()
        timeout 300 taskset -c "$LOAD_CPU" wrk -t1 -c1 -d600s --timeout 30s -s bench/count.lua \
            "http://127.0.0.1:$PORT/" "$n" "${k[@]}" >"$TMP/load.out" 2>&1
        local got
        got=$(awk '/^COUNT/ {print $2}' "$TMP/load.out")
        [ "${got:-0}" -ge "$n" ] || { status=fail note="wrk counted ${got:-0} of $n responses"; }
        local child=$SRV_PID
        [ "$tool" = callgrind ] || child=$(pgrep -o -P "$SRV_PID")
        kill -TERM "${child:-$SRV_PID}" 2>/dev/null
        if ! wait_gone "$SRV_PID" 60; then
            status=fail
            note="${note:+$note; }server did not stop within 60 s of SIGTERM"
            kill -KILL "$SRV_PID" 2>/dev/null
        fi
    else
        taskset -c "$LOAD_CPU" wrk -t1 -c1 -d600s --timeout 30s "${WRK_ARGS[@]}" \
            "http://127.0.0.1:$PORT/" >/dev/null 2>&1 &
        wpid=$!
        AUX_PIDS+=("$wpid")
        if ! wait_gone "$SRV_PID" 300; then
            status=fail
            note="server did not exit after $n requests within 300 s"
            kill -KILL "$SRV_PID" 2>/dev/null
        fi
    fi
    wait "$SRV_PID" 2>/dev/null
    local ex=$?
    if [ "$status" = ok ] && [ "$ex" != 0 ]; then
        status=fail
        note="exit status $ex: $(grep -v '^==' "$TMP/srv.err" | tail -c 200 | tr '\n\t' '  ')"
    fi
    exec {SRV_FD}<&-
    SRV_PID=""
    if [ -n "$wpid" ]; then
        kill "$wpid" 2>/dev/null
        wait "$wpid" 2>/dev/null
    fi
    AUX_PIDS=()
    # callgrind's total (Ir) or strace's total calls
    local total=""
    if [ "$tool" = callgrind ]; then
        [ ! -e "$f.$pid" ] || mv "$f.$pid" "$f"
        rm -f "$f".*
        total=$(awk '/^totals:/ {print $2}' "$f" 2>/dev/null)
    else
        total=$(awk '$NF == "total" {print $4}' "$f" 2>/dev/null)
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$lib" "$kind" "$n" "$f" "$total" "$status" "$note" >>"$COUNTS"
    log "$tool $lib $kind N=$n: $status${note:+ ($note)}, total $total"
}
if [ -z "${BENCH_NO_COUNTS:-}" ]; then
    log "counts: callgrind and strace, int-epoll, one connection"
    for kind in keepalive close pipe16; do
        for lib in ours mhd $OTHERS; do
            # a quick run counts the other servers' keep-alive only
            [ "$quick" = 0 ] || [ "$kind" = keepalive ] || [ "$lib" = ours ] || [ "$lib" = mhd ] ||
                continue
            count_run callgrind "$lib" "$kind" "$CG_N1"
            count_run callgrind "$lib" "$kind" "$CG_N2"
            count_run strace "$lib" "$kind" "$ST_N1"
            count_run strace "$lib" "$kind" "$ST_N2"
        done
    done
    # Every function's Ir, for the per-request profile (stats.py takes the
    # difference between N1 and N2 per function).
    for f in "$RAW"/callgrind-*.out; do
        [ -s "$f" ] && callgrind_annotate --threshold=100 --auto=no "$f" >"${f%.out}.fn.txt" 2>/dev/null
    done
fi

# Profiles: where the servers spend their CPU (cpu-clock samples, user and
# kernel), and the system calls they make per request under load (perf stat
# on syscall tracepoints, which counts without slowing the server the way
# strace does): keep-alive, close and pipelining, int-epoll, 100 connections.
SC_EVENTS=raw_syscalls:sys_enter
for c in epoll_wait epoll_ctl accept4 recvfrom recvmsg read sendmsg sendto writev write \
    sendfile64 pread64 openat setsockopt shutdown close futex; do
    SC_EVENTS+=",syscalls:sys_enter_$c"
done
# under_load TOOL SCEN LIB: one run of the server under 100 wrk connections
# with perf stat or perf record attached (never both: the syscall
# tracepoints would show in the profile) to the server and its children.
# Sets SRV_REQ to the requests the server answered (for h2o, which counts
# none, the responses wrk counted).
under_load() {
    local tool=$1 s=$2 lib=$3 ppid pids
    next_port
    # shellcheck disable=SC2086
    start_server "$lib" --mode int-epoll --port "$PORT" ${SRVARGS[$s]} || return 1
    pids=$(family "$SRV_PID" | tr ' ' ,)
    if [ "$tool" = stat ]; then
        perf stat -x, -o "$TMP/stat.csv" -e "$SC_EVENTS" -p "$pids" >/dev/null 2>&1 &
    else
        perf record -q -e cpu-clock -F 4999 -p "$pids" -o "$TMP/perf.data" >/dev/null 2>&1 &
    fi
    ppid=$!
    AUX_PIDS+=("$ppid")
    wrk_args "${LOADARGS[$s]}"
    taskset -c "$LOAD_CPU" wrk -t1 -c100 -d"${DUR}s" "${WRK_ARGS[@]}" "http://127.0.0.1:$PORT/" \
        >"$TMP/load.out" 2>&1
    kill -INT "$ppid" 2>/dev/null
    wait "$ppid" 2>/dev/null
    AUX_PIDS=()
    stop_any "$lib"
    [[ $SRV_REQ =~ ^[0-9]+$ ]] || SRV_REQ=$(awk '/^RESULT/ {print $2}' "$TMP/load.out")
}

if [ "$PROFILE" = 1 ] && command -v perf >/dev/null; then
    log "under load: perf stat$([ "$RECORD" = 1 ] && echo " and perf record"), int-epoll, keep-alive, close, pipelining$([ "$RECORD" = 1 ] && echo ", 64 KiB body")"
    SCFILE=$RAW/syscalls-under-load.tsv
    printf 'scenario\tlib\trequests\tevent\tcount\n' >"$SCFILE"
    # the 64 KiB body: perf record only
    for s in ka100 close100 pipe16 $([ "$RECORD" = 1 ] && echo body64k); do
        for lib in ours mhd $OTHERS; do
            if [ "$s" != body64k ]; then
                under_load stat "$s" "$lib" || continue
                awk -F, -v s="$s" -v l="$lib" -v n="$SRV_REQ" '$1 ~ /^[0-9]+$/ {
                    sub(/^syscalls:sys_enter_|^raw_syscalls:sys_enter$/, "", $3)
                    printf "%s\t%s\t%s\t%s\t%s\n", s, l, n, ($3 == "" ? "total" : $3), $1 }' \
                    "$TMP/stat.csv" >>"$SCFILE"
                log "under load: $lib $s, $SRV_REQ requests"
            fi
            [ "$RECORD" = 1 ] || continue
            under_load record "$s" "$lib" || continue
            {
                echo "== share of samples by object"
                perf report -i "$TMP/perf.data" --stdio --no-children --sort dso 2>/dev/null |
                    grep -v '^#' | grep -v '^$' | head -8
                echo "== top symbols"
                perf report -i "$TMP/perf.data" --stdio --no-children --sort dso,sym 2>/dev/null |
                    grep -v '^#' | grep -v '^$' | head -25
                echo "== top user-space symbols"
                perf report -i "$TMP/perf.data" --stdio --no-children --sort dso,sym 2>/dev/null |
                    grep -F '[.]' | head -25
            } >"$RAW/perf-$lib-$s.txt"
            log "profile $lib $s: $RAW/perf-$lib-$s.txt"
        done
    done
fi

log "tables and chart"
[ -z "$TLS_DESC" ] || echo "TLS session of bench/tlsload: $TLS_DESC" >>"$RAW/machine.txt"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/machine.txt"
echo "wall time of the run: $((SECONDS - START)) s (without the build)" >>"$RAW/machine.txt"
upd=()
[ "$quick" = 1 ] || [ "$partial" = 1 ] || upd=(--update BENCHMARKS.md)
python3 bench/stats.py --raw "$RAW" --out "$OUT" "${upd[@]}" || exit 1
if ! gnuplot -e "dir='$OUT'" bench/plot.gp 2>"$TMP/gnuplot.err"; then
    echo "gnuplot failed: $(cat "$TMP/gnuplot.err")" >&2
fi
cat "$OUT/latest.md"
log "done: $OUT/latest.md, $OUT/rps.png, $OUT/cpu.png"
