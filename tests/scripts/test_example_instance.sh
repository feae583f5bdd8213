#!/bin/bash
# examples/instance.c: an instance hands its listen socket to its successor
# on SIGHUP (across exec, or over a Unix socket with --control), to an
# instance started with --takeover, or comes up from systemd socket
# activation; each old instance drains and exits while the port keeps
# answering. SO_REUSEPORT lets two instances share a port, and SIGTERM
# fails the health check for the grace time before the instance drains.
. "$(dirname "$0")/example_lib.sh"
bin=$BUILD/examples/instance
others=()
cleanup_instances() {
    local f
    for f in "$dir"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
    for f in "${others[@]}"; do kill -TERM "$f" 2>/dev/null; done
    cleanup
}
trap cleanup_instances EXIT

body() { curl -s --max-time 5 "$@"; }
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
# Waits (bounded) for file $1 to hold a pid other than $2.
wait_new_pid() {
    for _ in $(seq 250); do
        [ -f "$1" ] && [ "$(cat "$1")" != "$2" ] && return 0
        sleep 0.02
    done
    return 1
}
gone() {
    for _ in $(seq 500); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.02
    done
    return 1
}

if ! start_example "$bin" --name a --pidfile "$dir/a.pid" --grace 1500; then
    echo "RESULT 0 1"
    exit 1
fi
check "listens on 127.0.0.1 only" "loopback_only $port"
check "serves" "body -D '$dir/head' '$url' | grep -q 'instance a (pid $pid)'"
check "names itself in X-Instance" "grep -qi '^X-Instance: a' '$dir/head'"
check "health check passes" "[ \"\$(body '${url}health')\" = ok ]"

# SIGHUP: the successor inherits the socket across exec.
first=$pid
kill -HUP "$first"
check "SIGHUP starts a successor" "wait_new_pid '$dir/a.pid' $first"
second=$(cat "$dir/a.pid")
check "the successor serves on the same port" "body '$url' | grep -q 'pid $second'"
check "the old instance drains and exits" "gone $first"
wait "$first" 2>/dev/null
pid=
check "it logs its drain" "grep -q '^drain: a pid $first: .* drained in [0-9]* ms' '$dir/log'"

# SIGTERM with a grace time (1.5 s, passed on to the successor): the
# health check fails at once, then the instance drains and exits.
kill -TERM "$second"
check "the health check fails while it stops" "[ \"\$(status '${url}health')\" = 503 ]" 2>/dev/null
check "it exits after its grace time" "gone $second"
rm -f "$dir/a.pid"

# --control: the socket goes over a Unix socket (SCM_RIGHTS), on SIGHUP
# and to an instance started by hand with --takeover.
if start_example "$bin" --name b --control "$dir/ctl" --pidfile "$dir/b.pid"; then
    first=$pid
    kill -HUP "$first"
    check "SIGHUP with --control starts a successor" "wait_new_pid '$dir/b.pid' $first"
    second=$(cat "$dir/b.pid")
    check "it serves on the socket it received" "body '$url' | grep -q 'pid $second'"
    check "the old one drains and exits" "gone $first"
    wait "$first" 2>/dev/null
    pid=
    "$bin" --takeover "$dir/ctl" --control "$dir/ctl" --name c --pidfile "$dir/c.pid" \
        >>"$dir/log" 2>&1 &
    others+=($!)
    check "--takeover takes the socket over" "wait_new_pid '$dir/c.pid' none"
    check "the new instance serves" "body '$url' | grep -q 'instance c'"
    check "the instance it replaced exits" "gone $second"
    kill -TERM "$(cat "$dir/c.pid")"
    check "a stopped instance removes its control socket" "gone $(cat "$dir/c.pid") && [ ! -e '$dir/ctl' ]"
    rm -f "$dir/b.pid" "$dir/c.pid"
else
    fail=$((fail + 1))
fi

# systemd socket activation (LISTEN_FDS): systemd-socket-activate opens the
# port and starts the instance at the first connection.
if command -v systemd-socket-activate >/dev/null; then
    # Ports below the ephemeral range (32768 and up), where client sockets
    # of the other tests never sit; another one if this one is taken.
    for _ in 1 2 3 4 5; do
        sport=$((20000 + RANDOM % 12000))
        : >"$dir/slog"
        systemd-socket-activate -l "127.0.0.1:$sport" "$bin" --name s --pidfile "$dir/s.pid" \
            >>"$dir/slog" 2>&1 &
        others+=($!)
        for _ in $(seq 100); do
            grep -q -e '^Listening' -e '^Failed' "$dir/slog" && break
            sleep 0.02
        done
        grep -q '^Listening' "$dir/slog" && break
    done
    ok=1
    for _ in $(seq 100); do
        body "http://127.0.0.1:$sport/" | grep -q 'instance s' && break
        sleep 0.05
    done
    check "serves a socket from systemd" "body 'http://127.0.0.1:$sport/' | grep -q 'instance s'"
    first=$(cat "$dir/s.pid" 2>/dev/null)
    kill -HUP "$first" 2>/dev/null
    check "hands the systemd socket on" "wait_new_pid '$dir/s.pid' $first"
    check "the successor serves it" "body 'http://127.0.0.1:$sport/' | grep -q \"pid \$(cat '$dir/s.pid')\""
    kill -TERM "$(cat "$dir/s.pid")" 2>/dev/null
    rm -f "$dir/s.pid"
else
    echo "SKIP systemd-socket-activate is not installed"
    skipped=1
fi

# SO_REUSEPORT: two instances on one port, no balancer.
if start_example "$bin" --reuseport --name r1 --pidfile "$dir/r1.pid"; then
    "$bin" "$port" --reuseport --name r2 --pidfile "$dir/r2.pid" >>"$dir/rlog" 2>&1 &
    others+=($!)
    check "a second instance shares the port" "wait_new_pid '$dir/r2.pid' none"
    names=$(for i in $(seq 60); do curl -s -D - -o /dev/null --max-time 5 "$url"; done |
        grep -i '^X-Instance' | sort -u | wc -l)
    check "both answer" "[ $names = 2 ]"
    kill -TERM "$pid"
    check "the first one stops" "gone $pid"
    wait "$pid" 2>/dev/null
    pid=
    answers=$(for i in $(seq 20); do status "$url"; echo; done | grep -c '^200$')
    check "the other one answers everything" "[ $answers = 20 ]"
else
    fail=$((fail + 1))
fi
echo "RESULT $pass $fail ${skipped:-0}"
