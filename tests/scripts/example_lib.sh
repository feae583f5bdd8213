# Shared by the example tests (sourced, not run): check, start_example and
# the cleanup of the example's process and scratch directory.
# After sourcing: $dir is a scratch directory; start_example BIN ARGS...
# starts BIN PORT ARGS... on a free port, sets $pid, $port and $url, and
# returns non-zero when it could not.
BUILD=${BUILD:-build}
pass=0
fail=0
check() {
    if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
dir=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

# Tries a few random ports; the examples print their "Serving on" banner
# only once MHD_start_daemon has returned.
start_example() {
    local bin=$1
    shift
    [ -x "$bin" ] || { echo "FAIL: $bin is missing"; return 1; }
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        "$bin" "$port" "$@" >"$dir/log" 2>&1 &
        pid=$!
        for _ in $(seq 1 200); do
            grep -q '^Serving' "$dir/log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.02
        done
        if grep -q '^Serving' "$dir/log"; then
            url=http://127.0.0.1:$port/
            return 0
        fi
        wait "$pid" 2>/dev/null
        pid=
    done
    echo "FAIL: $bin did not start: $(cat "$dir/log")"
    return 1
}

# True when nothing listens on PORT on every interface (0.0.0.0 or ::), i.e.
# the example took the loopback address only.
loopback_only() {
    local hex
    hex=$(printf '%04X' "$1")
    ! grep -qE "^ *[0-9]+: 0+:$hex 0+:0000 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null &&
        grep -qE "^ *[0-9]+: 0100007F:$hex 0+:0000 0A " /proc/net/tcp
}

# Stops the example with SIGTERM and checks it exits with status 0.
stop_example() {
    kill "$pid"
    wait "$pid"
    local rc=$?
    pid=
    check "stops cleanly on SIGTERM" "[ $rc = 0 ]"
}
