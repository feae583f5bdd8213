#!/bin/bash
# What `make ops-check` runs: rolling restarts under load, measured.
#
# HAProxy in front of three instances of examples/instance on loopback
# (health checks on /health), wrk driving keep-alive and "Connection: close"
# traffic through HAProxy for the whole run, and wrk clients talking
# straight to the instances. Each instance is restarted in turn:
#
#   handover    SIGHUP: the instance starts its successor on the same listen
#               socket and drains. i1 runs under systemd-socket-activate and
#               passes the socket on across exec, i2 passes it over a Unix
#               socket (SCM_RIGHTS, --control), i3 across exec.
#   stopstart   HAProxy drains the server (runtime API), the instance is
#               stopped with SIGTERM (it drains), a new one binds the port,
#               HAProxy sets the server ready and waits for its checks.
#   reuseport   no balancer: three instances share one port (SO_REUSEPORT)
#               and wrk talks to the port; each instance is replaced by
#               starting the new one first, then stopping the old one.
#
# Every run happens in a network namespace of its own (only loopback, its
# own counters and ports). Reported per thread mode and method: requests
# served and failed (wrk's errors and non-2xx answers), resets sent by the
# instances (tcpdump), HAProxy's retries and redispatches, how long each old
# instance took to drain, and the latency p99 of a steady run beside that of
# the run with restarts. Exits non-zero when a request failed or an
# instance sent a reset.
#
#   tests/ops/rolling.sh BUILD_DIR [OUT_DIR]
# Environment: OPS_MODES (default "epoll pool tpc"), OPS_TLS (default 1:
# also the epoll mode over HTTPS), OPS_SECONDS (steady run, default 8),
# OPS_METHODS (default "handover stopstart reuseport").
set -u
build=${1:-build}
out=${2:-$build/ops}
top=$(cd "$(dirname "$0")/../.." && pwd)
case "$build" in /*) ;; *) build=$top/$build ;; esac
case "$out" in /*) ;; *) out=$top/$out ;; esac

if [ -z "${OPS_NETNS:-}" ]; then
    mkdir -p "$out"
    exec unshare --net env OPS_NETNS=1 "$0" "$build" "$out"
fi
ip link set lo up
sysctl -q -w net.ipv4.ip_local_port_range="1024 65000" net.ipv4.tcp_tw_reuse=1 \
    net.ipv4.tcp_migrate_req=1 >/dev/null 2>&1

bin=$build/examples/instance
certs=$build/tests/certs
modes=${OPS_MODES:-epoll pool tpc}
steady=${OPS_SECONDS:-8}
front=8000
ports=(9001 9002 9003)
failed_total=0
resets_total=0
summary=$out/summary.txt
: >"$summary"
work=$(mktemp -d)
pids=()

cleanup() {
    local f p
    for f in "$work"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
log() { echo "$*" | tee -a "$summary"; }

# ---- instances ----------------------------------------------------------

scheme=http
inst_args=()
# start_instance N [extra args...]: instance iN binding its port, in the
# background; waits until it serves.
start_instance() {
    local n=$1
    shift
    local port=${ports[$((n - 1))]}
    rm -f "$work/i$n.pid"
    "$bin" "$port" "${inst_args[@]}" --name "i$n" --pidfile "$work/i$n.pid" "$@" \
        >>"$work/i$n.log" 2>&1 &
    wait_serving "$n" "$port"
}

# The same under systemd-socket-activate, which opens the port and passes it
# as descriptor 3 (LISTEN_FDS) when the first connection comes.
start_activated() {
    local n=$1
    local port=${ports[$((n - 1))]}
    rm -f "$work/i$n.pid"
    systemd-socket-activate -l "127.0.0.1:$port" "$bin" "${inst_args[@]}" --name "i$n" \
        --pidfile "$work/i$n.pid" >>"$work/i$n.log" 2>&1 &
    wait_serving "$n" "$port"
}

wait_serving() {
    local n=$1 port=$2 i
    for i in $(seq 200); do
        # (systemd-socket-activate starts the program at the first connection)
        if curl -skf -o /dev/null --max-time 1 "$scheme://127.0.0.1:$port/health" &&
            [ -f "$work/i$n.pid" ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "instance i$n did not start: $(tail -n 3 "$work/i$n.log")" >&2
    return 1
}

# Waits (bounded) for process PID to exit.
wait_gone() {
    local i
    for i in $(seq 600); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

stop_instances() {
    local n p
    for n in 1 2 3; do
        [ -f "$work/i$n.pid" ] || continue
        p=$(cat "$work/i$n.pid")
        kill -TERM "$p" 2>/dev/null
        wait_gone "$p"
        rm -f "$work/i$n.pid"
    done
}

# ---- HAProxy --------------------------------------------------------------

start_haproxy() {
    local ssl=""
    [ "$scheme" = https ] && ssl="ssl verify none"
    cat >"$work/haproxy.cfg" <<EOF
global
    maxconn 4096
    nbthread 1
    stats socket $work/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    retries 3
    option redispatch 1

frontend fe
    bind 127.0.0.1:$front
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server check inter 200ms fall 2 rise 2 $ssl
    server i1 127.0.0.1:${ports[0]}
    server i2 127.0.0.1:${ports[1]}
    server i3 127.0.0.1:${ports[2]}
EOF
    haproxy -f "$work/haproxy.cfg" -D -p "$work/haproxy.pidfile" >"$work/haproxy.log" 2>&1 ||
        { cat "$work/haproxy.log"; return 1; }
    wait_all_up
}

stop_haproxy() {
    [ -f "$work/haproxy.pidfile" ] && kill "$(cat "$work/haproxy.pidfile")" 2>/dev/null
    sleep 0.2
    rm -f "$work/haproxy.pidfile" "$work/haproxy.sock"
}

hap() { echo "$*" | socat -t 2 stdio "unix-connect:$work/haproxy.sock"; }

# stat FIELD ROW: a field of `show stat` for row ROW (i1, BACKEND, FRONTEND).
stat() {
    hap "show stat" | awk -F, -v f="$1" -v r="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) { h = $i; sub(/^# /, "", h); col[h] = i }; next }
        $2 == r { print $(col[f]) }'
}

wait_up() {
    local i
    for i in $(seq 100); do
        [ "$(stat status "$1")" = UP ] && return 0
        sleep 0.1
    done
    echo "HAProxy does not see $1 up" >&2
    return 1
}

wait_all_up() { wait_up i1 && wait_up i2 && wait_up i3; }

# ---- load ---------------------------------------------------------------

# wrk_bg NAME SECONDS URL CONNECTIONS [wrk args]: a wrk run in the background.
wrk_bg() {
    local name=$1 secs=$2 url=$3 conns=$4
    shift 4
    wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s --latency -s "$top/tests/ops/pace.lua" "$@" \
        "$url" >"$work/$name.wrk" 2>&1 &
    pids+=($!)
}

# wrk_result NAME: "requests failed p99" from a wrk report.
wrk_result() {
    awk '
        / requests in / { req = $1 }
        /Socket errors:/ { gsub(",", ""); err = $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { bad = $5 }
        $1 == "99%" { p99 = $2 }
        END { printf "%d %d %s\n", req, err + bad, p99 == "" ? "-" : p99 }' "$work/$1.wrk"
}

start_rst_capture() {
    tcpdump -i lo -nn -U -w "$work/rst.pcap" 'tcp[tcpflags] & tcp-rst != 0' \
        >"$work/tcpdump.log" 2>&1 &
    rst_pid=$!
    sleep 0.5 # tcpdump has no "ready" signal; it only counts what follows
}

# Resets sent from an instance's port on a connection (to HAProxy or a
# client); those that refuse a connection (to a port nobody listens on,
# sequence number 0) are not counted.
stop_rst_capture() {
    kill -INT "$rst_pid" 2>/dev/null
    wait "$rst_pid" 2>/dev/null
    tcpdump -r "$work/rst.pcap" -nn 2>/dev/null |
        grep -E "127\.0\.0\.1\.(${ports[0]}|${ports[1]}|${ports[2]}) >" | grep -vc ', seq 0,'
    nstat -az TcpExtListenOverflows TcpExtListenDrops TcpExtTCPDeferAcceptDrop TcpExtTCPReqQFullDrop \
        TcpExtTCPMigrateReqSuccess TcpExtTCPMigrateReqFailure TcpRetransSegs >>"$work/nstat.log"
}

# ---- restarts -----------------------------------------------------------

drain_times=""
note_drain() { # the drain line the old instance logged
    local n=$1 pid=$2 t
    t=$(grep -h "^drain: i$n pid $pid:" "$work/i$n.log" | sed 's/.*drained in \([0-9]*\) ms.*/\1/')
    drain_times="$drain_times ${t:-?}"
}

restart_handover() {
    local n=$1 old
    old=$(cat "$work/i$n.pid")
    kill -HUP "$old"
    wait_gone "$old" || echo "i$n (pid $old) did not drain" >&2
    note_drain "$n" "$old"
    [ -f "$work/i$n.pid" ] && [ "$(cat "$work/i$n.pid")" != "$old" ] ||
        echo "i$n has no successor" >&2
}

restart_stopstart() {
    local n=$1 old i
    old=$(cat "$work/i$n.pid")
    hap "set server app/i$n state drain" >/dev/null
    for i in $(seq 50); do
        [ "$(stat scur "i$n")" = 0 ] && break
        sleep 0.1
    done
    kill -TERM "$old"
    wait_gone "$old" || echo "i$n (pid $old) did not drain" >&2
    note_drain "$n" "$old"
    start_instance "$n"
    hap "set server app/i$n state ready" >/dev/null
    wait_up "i$n"
}

# Instance iN on the port of i1, shared with SO_REUSEPORT.
start_reuseport() {
    local n=$1
    rm -f "$work/i$n.pid"
    "$bin" "${ports[0]}" --reuseport "${inst_args[@]}" --name "i$n" --pidfile "$work/i$n.pid" \
        >>"$work/i$n.log" 2>&1 &
    wait_serving "$n" "${ports[0]}"
}

restart_reuseport() {
    local n=$1 old
    old=$(cat "$work/i$n.pid")
    start_reuseport "$n"
    kill -TERM "$old"
    wait_gone "$old" || echo "i$n (pid $old) did not drain" >&2
    note_drain "$n" "$old"
}

# ---- one configuration ----------------------------------------------------

# report LABEL NAME...: adds up the wrk runs NAME... and prints one line.
report() {
    local label=$1 served=0 failed=0 name r p99s=""
    shift
    for name in "$@"; do
        read -r req bad p99 <<<"$(wrk_result "$name")"
        served=$((served + req))
        failed=$((failed + bad))
        p99s="$p99s $name=$p99"
    done
    failed_total=$((failed_total + failed))
    printf '%s' "$label: served $served, failed $failed; p99$p99s"
}

run_method() { # MODE METHOD
    local mode=$1 method=$2 n secs resets line
    drain_times=""
    secs=$((steady + 9))
    [ "$method" = stopstart ] && secs=$((steady + 14))
    start_rst_capture
    local u=$scheme://127.0.0.1
    if [ "$method" = reuseport ]; then
        wrk_bg rp-ka "$secs" "$u:${ports[0]}/" 24
        wrk_bg rp-close "$secs" "$u:${ports[0]}/" 8 -H "Connection: close"
    else
        wrk_bg lb-ka "$secs" "http://127.0.0.1:$front/" 24
        wrk_bg lb-close "$secs" "http://127.0.0.1:$front/" 8 -H "Connection: close"
        if [ "$method" = handover ]; then
            wrk_bg direct-ka "$secs" "$u:${ports[0]}/" 8
            wrk_bg direct-ka2 "$secs" "$u:${ports[1]}/" 8
            wrk_bg direct-close "$secs" "$u:${ports[2]}/" 4 -H "Connection: close"
        fi
    fi
    sleep 2
    local t0
    t0=$(now_ms)
    for n in 1 2 3; do
        "restart_$method" "$n"
    done
    local took=$(($(now_ms) - t0))
    wait "${pids[@]}" 2>/dev/null
    pids=()
    resets=$(stop_rst_capture)
    resets_total=$((resets_total + resets))
    if [ "$method" = reuseport ]; then
        line=$(report "  $method" rp-ka rp-close)
    elif [ "$method" = handover ]; then
        line=$(report "  $method" lb-ka lb-close direct-ka direct-ka2 direct-close)
    else
        line=$(report "  $method" lb-ka lb-close)
    fi
    # report ran in a subshell: count its failures here.
    local f
    f=$(echo "$line" | sed 's/.*failed \([0-9]*\);.*/\1/')
    failed_total=$((failed_total + f))
    log "$line"
    if [ "$method" != reuseport ]; then
        log "    HAProxy: retries $(stat wretr BACKEND), redispatches $(stat wredis BACKEND)," \
            "connection errors $(stat econ BACKEND), response errors $(stat eresp BACKEND)," \
            "5xx to clients $(stat hrsp_5xx FRONTEND)"
    fi
    log "    resets sent by instances: $resets; drain times (ms):$drain_times;" \
        "3 restarts in ${took} ms"
}

run_steady() { # p99 of the same load without restarts
    local u=$scheme://127.0.0.1 resets
    start_rst_capture
    wrk_bg lb-ka "$steady" "http://127.0.0.1:$front/" 24
    wrk_bg lb-close "$steady" "http://127.0.0.1:$front/" 8 -H "Connection: close"
    wrk_bg direct-ka "$steady" "$u:${ports[0]}/" 8
    wrk_bg direct-ka2 "$steady" "$u:${ports[1]}/" 8
    wrk_bg direct-close "$steady" "$u:${ports[2]}/" 4 -H "Connection: close"
    wait "${pids[@]}" 2>/dev/null
    pids=()
    local line f
    resets=$(stop_rst_capture)
    resets_total=$((resets_total + resets))
    line=$(report "  steady" lb-ka lb-close direct-ka direct-ka2 direct-close)
    f=$(echo "$line" | sed 's/.*failed \([0-9]*\);.*/\1/')
    failed_total=$((failed_total + f))
    log "$line"
    log "    resets sent by instances: $resets"
}

wanted() { case " ${OPS_METHODS:-handover stopstart reuseport} " in *" $1 "*) return 0 ;; esac; return 1; }

run_config() { # MODE TLS(0|1)
    local mode=$1 tls=$2
    scheme=http
    inst_args=(--mode "$mode")
    if [ "$tls" = 1 ]; then
        scheme=https
        inst_args+=(--https "$certs/server-chain.pem" "$certs/server.key")
    fi
    log "mode $mode$([ "$tls" = 1 ] && echo ", HTTPS")"
    # Steady and hand-over: i1 socket-activated, i2 with a control socket.
    start_activated 1 && start_instance 2 --control "$work/ctl2" &&
        start_instance 3 && start_haproxy || return 1
    run_steady
    wanted handover && run_method "$mode" handover
    stop_haproxy
    stop_instances
    wanted stopstart || return 0
    start_instance 1 && start_instance 2 && start_instance 3 && start_haproxy || return 1
    run_method "$mode" stopstart
    stop_haproxy
    stop_instances
    if [ "$tls" = 0 ] && [ "$mode" = epoll ] && wanted reuseport; then
        for n in 1 2 3; do
            start_reuseport "$n" || return 1
        done
        run_method "$mode" reuseport
        stop_instances
    fi
}

start=$(now_ms)
log "Rolling restarts through HAProxy $(haproxy -v | head -n 1 | awk '{print $3}'), wrk," \
    "three instances on loopback; steady runs of ${steady} s"
for mode in $modes; do
    run_config "$mode" 0 || failed_total=$((failed_total + 1))
done
if [ "${OPS_TLS:-1}" = 1 ]; then
    run_config epoll 1 || failed_total=$((failed_total + 1))
fi
log "total: $failed_total failed requests, $resets_total resets sent by instances," \
    "$((($(now_ms) - start) / 1000)) s"
cp "$work"/*.log "$work"/*.wrk "$out/" 2>/dev/null
[ "$failed_total" = 0 ] && [ "$resets_total" = 0 ]
