#!/bin/bash
# Upload throughput through the POST processor, ours against Debian's
# libmicrohttpd: bench/upload.c is built against each library, and curl posts
# one large file as multipart/form-data (curl -F) to each server in turn, on
# loopback. The server writes the file data to /dev/null from the iterator.
#
#   bench/upload.sh              1 GiB file, 3 runs per library, median MB/s
#
# Environment: BUILD (where our libmicrohttpd.a is; default build, remade
# first), SIZE_MIB (default 1024), RUNS (default 3), PORT (first port used,
# default 18590), SERVER_ARGS (extra arguments for both servers, e.g.
# "--mode int-select --buffer 1024"), UPLOAD_FILE (the file to post; made once
# from /dev/urandom when missing or of the wrong size), PIN (1: pin the
# server and curl to cores 1 and 0).
# MB is 10^6 bytes. Besides throughput, the server's CPU time (user + system)
# per upload is reported: on a busy machine it is the steadier figure; and
# the server's peak resident memory (VmHWM), which stays flat.
set -eu
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SIZE_MIB=${SIZE_MIB:-1024}
RUNS=${RUNS:-3}
PORT=${PORT:-18590}
SERVER_ARGS=${SERVER_ARGS:-}
UPLOAD_FILE=${UPLOAD_FILE:-/tmp/mhd-bench-upload-${SIZE_MIB}MiB.bin}
BIN=$BUILD/bench
size=$((SIZE_MIB * 1024 * 1024))

if [ ! -f /usr/include/microhttpd.h ]; then
    echo "Debian's libmicrohttpd-dev is missing: apt-get install libmicrohttpd-dev" >&2
    exit 1
fi
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 1; }

# Another BUILD (a sanitizer build, say) is taken as it is.
if [ "$BUILD" = build ] && ! make -s lib >/dev/null 2>&1; then
    [ -f build/lib/libmicrohttpd.a ] || { make -s lib; exit 1; }
    echo "warning: make lib failed; measuring the existing build/lib/libmicrohttpd.a" >&2
fi
mkdir -p "$BIN"
# The two builds never mix headers: ours from include/, Debian's from
# /usr/include.
cc -O2 -Wall -Wextra bench/upload.c -Iinclude "$BUILD/lib/libmicrohttpd.a" -pthread \
    -o "$BIN/upload-ours"
cc -O2 -Wall -Wextra bench/upload.c -pthread -lmicrohttpd -o "$BIN/upload-mhd"

if [ ! -f "$UPLOAD_FILE" ] || [ "$(stat -c %s "$UPLOAD_FILE")" -ne "$size" ]; then
    echo "writing $SIZE_MIB MiB of random data to $UPLOAD_FILE"
    head -c "$size" /dev/urandom >"$UPLOAD_FILE.tmp"
    mv "$UPLOAD_FILE.tmp" "$UPLOAD_FILE"
fi
# Read it once so that every run finds it in the page cache.
cat "$UPLOAD_FILE" >/dev/null

server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# run_once <binary> <port>: prints the throughput in MB/s and the server's
# CPU time (user + system) in milliseconds.
run_once() {
    local bin=$1 port=$2 log
    log=$(mktemp)
    # shellcheck disable=SC2086
    $PIN_SERVER "$bin" --port "$port" $SERVER_ARGS >"$log" 2>&1 &
    server_pid=$!
    local tries=0
    until grep -q '^listening' "$log"; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
            echo "server $bin did not start on port $port: $(cat "$log")" >&2
            rm -f "$log"
            return 1
        fi
        sleep 0.05
    done
    rm -f "$log"
    local body stats ticks
    body=$(mktemp)
    stats=$($PIN_CLIENT curl -s -o "$body" -w '%{http_code} %{size_upload} %{time_total}' \
        -F "file=@$UPLOAD_FILE;type=application/octet-stream" "http://127.0.0.1:$port/upload")
    # Fields 14 and 15 of /proc/PID/stat: user and system time in ticks.
    ticks=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
    # Peak resident memory: flat whatever the upload's size.
    local hwm
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
    local code sent secs got
    read -r code sent secs <<<"$stats"
    got=$(cut -d' ' -f1 <"$body")
    rm -f "$body"
    if [ "$code" != 200 ] || [ "$got" != "$size" ]; then
        echo "upload to $bin failed: status $code, file bytes seen $got of $size" >&2
        return 1
    fi
    echo "$sent $secs $ticks $(getconf CLK_TCK) $hwm" |
        awk '{ printf "%.0f %.0f %d\n", $1 / $2 / 1e6, $3 * 1000 / $4, $5 }'
}

median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# PIN=1 gives the server and curl a core each. On a quiet machine that makes
# the figures steadier; on a busy one every wake-up of a pinned process waits
# for its core, which favours the server that sleeps least.
PIN_SERVER=
PIN_CLIENT=
if [ "${PIN:-0}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    PIN_SERVER="taskset -c 1"
    PIN_CLIENT="taskset -c 0"
fi

ours=()
mhd=()
ours_cpu=()
mhd_cpu=()
port=$PORT
# Alternate the two servers so that drift in the machine's load hits both.
for run in $(seq 1 "$RUNS"); do
    read -r r rc rh <<<"$(run_once "$BIN/upload-ours" "$port")"
    port=$((port + 1))
    read -r m mc mh <<<"$(run_once "$BIN/upload-mhd" "$port")"
    port=$((port + 1))
    ours+=("$r")
    ours_cpu+=("$rc")
    mhd+=("$m")
    mhd_cpu+=("$mc")
    echo "run $run: ours $r MB/s (server CPU $rc ms, peak RSS $rh KiB)," \
        "Debian $m MB/s (server CPU $mc ms, peak RSS $mh KiB)"
done
mo=$(printf '%s\n' "${ours[@]}" | median)
mm=$(printf '%s\n' "${mhd[@]}" | median)
co=$(printf '%s\n' "${ours_cpu[@]}" | median)
cm=$(printf '%s\n' "${mhd_cpu[@]}" | median)
debver=$(dpkg-query -W -f '${Version}' libmicrohttpd12 2>/dev/null || echo '?')
echo "upload of $SIZE_MIB MiB as multipart/form-data${SERVER_ARGS:+ ($SERVER_ARGS)}, median of $RUNS:"
printf '  %-24s %6s MB/s   server CPU %5s ms\n' "ours" "$mo" "$co"
printf '  %-24s %6s MB/s   server CPU %5s ms\n' "Debian $debver" "$mm" "$cm"
awk -v a="$mo" -v b="$mm" -v c="$co" -v d="$cm" \
    'BEGIN { printf "  ours/Debian: throughput x%.2f, server CPU x%.2f\n", a / b, c / d }'
