#!/bin/bash
# Download throughput of large bodies, ours against Debian's libmicrohttpd:
# bench/stream.c is built against each library and curl fetches, on
# loopback, to /dev/null:
#   file     a 1 GiB file (MHD_create_response_from_fd64: sendfile)
#   chunked  1 GiB from a content reader of unknown size (chunked encoding)
#
#   bench/stream.sh        3 runs of each, median MB/s and server CPU time
#
# Environment: BUILD (where our libmicrohttpd.a is; default build, remade
# first), SIZE_MIB (default 1024), RUNS (default 3), PORT (first port used,
# default 18690), SERVER_ARGS (extra arguments for both servers, e.g.
# "--mode tpc --block 16384"), STREAM_FILE (the file served; made once when
# missing or of the wrong size), PIN (1: server on core 1, curl on core 0).
# MB is 10^6 bytes. The server's CPU time per download (the run time of its
# threads, from /proc/PID/task/*/schedstat, in nanoseconds) is the steadier
# figure on a busy machine.
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
PORT=${PORT:-18690}
SERVER_ARGS=${SERVER_ARGS:-}
STREAM_FILE=${STREAM_FILE:-/tmp/mhd-bench-stream-${SIZE_MIB}MiB.bin}
BIN=$BUILD/bench
size=$((SIZE_MIB * 1024 * 1024))

[ -f /usr/include/microhttpd.h ] || { echo "install libmicrohttpd-dev" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 1; }
if [ "$BUILD" = build ]; then
    make -s lib >/dev/null
fi
mkdir -p "$BIN"
# Ours from include/ and our static library, Debian's from /usr/include.
cc -O2 -Wall -Wextra bench/stream.c -Iinclude "$BUILD/lib/libmicrohttpd.a" -pthread \
    -o "$BIN/stream-ours"
cc -O2 -Wall -Wextra bench/stream.c -pthread -lmicrohttpd -o "$BIN/stream-mhd"

if [ ! -f "$STREAM_FILE" ] || [ "$(stat -c %s "$STREAM_FILE")" -ne "$size" ]; then
    echo "writing $SIZE_MIB MiB to $STREAM_FILE"
    head -c "$size" /dev/urandom >"$STREAM_FILE.tmp"
    mv "$STREAM_FILE.tmp" "$STREAM_FILE"
fi
cat "$STREAM_FILE" >/dev/null # into the page cache

PIN_SERVER=
PIN_CLIENT=
if [ "${PIN:-0}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    PIN_SERVER="taskset -c 1"
    PIN_CLIENT="taskset -c 0"
fi

server_pid=
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; true' EXIT

# download <binary> <port> <path>: prints MB/s, the server's CPU ms and its
# peak resident memory in KiB (flat, whatever the size).
download() {
    local bin=$1 port=$2 path=$3 log
    log=$(mktemp)
    # shellcheck disable=SC2086
    $PIN_SERVER "$bin" --file "$STREAM_FILE" --port "$port" $SERVER_ARGS >"$log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        grep -q '^listening' "$log" && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.05
    done
    grep -q '^listening' "$log" || { echo "$bin did not start: $(cat "$log")" >&2; return 1; }
    rm -f "$log"
    local t0 out t1
    t0=$(cpu_ns "$server_pid")
    out=$($PIN_CLIENT curl -s -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' \
        "http://127.0.0.1:$port$path")
    t1=$(cpu_ns "$server_pid")
    local hwm
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    local code got speed
    read -r code got speed <<<"$out"
    if [ "$code" != 200 ] || [ "$got" != "$size" ]; then
        echo "$bin $path: status $code, $got of $size bytes" >&2
        return 1
    fi
    awk -v s="$speed" -v t=$((t1 - t0)) -v m="$hwm" \
        'BEGIN { printf "%.0f %.0f %d\n", s / 1e6, t / 1e6, m }'
}

# cpu_ns <pid>: the CPU time of the process's live threads so far.
cpu_ns() {
    cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%.0f\n", t }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

debver=$(dpkg-query -W -f '${Version}' libmicrohttpd12 2>/dev/null || echo '?')
port=$PORT
for kind in file chunked; do
    path=/file
    [ "$kind" = chunked ] && path="/chunked?mib=$SIZE_MIB"
    o_mb=() o_cpu=() m_mb=() m_cpu=()
    # Ours and Debian's in turn, so that drift in the machine's load hits both.
    for run in $(seq "$RUNS"); do
        read -r a b e <<<"$(download "$BIN/stream-ours" "$port" "$path")"
        port=$((port + 1))
        read -r c d f <<<"$(download "$BIN/stream-mhd" "$port" "$path")"
        port=$((port + 1))
        o_mb+=("$a") o_cpu+=("$b") m_mb+=("$c") m_cpu+=("$d")
        echo "$kind run $run: ours $a MB/s (server CPU $b ms, peak RSS $e KiB)," \
            "Debian $c MB/s (server CPU $d ms, peak RSS $f KiB)"
    done
    mo=$(printf '%s\n' "${o_mb[@]}" | median)
    co=$(printf '%s\n' "${o_cpu[@]}" | median)
    mm=$(printf '%s\n' "${m_mb[@]}" | median)
    cm=$(printf '%s\n' "${m_cpu[@]}" | median)
    echo "$kind download of $SIZE_MIB MiB${SERVER_ARGS:+ ($SERVER_ARGS)}, median of $RUNS:"
    printf '  %-22s %6s MB/s   server CPU %5s ms\n' ours "$mo" "$co" "Debian $debver" "$mm" "$cm"
done
