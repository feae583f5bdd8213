#!/bin/bash
# What `make demo` runs: the demo site on PORT and the examples it links to
# on the next three ports (auth PORT+1, upload PORT+2, WebSocket echo
# PORT+3), and the demo site again over HTTPS on PORT+4 with a self-signed
# certificate made at start (certtool), all on 127.0.0.1. The two demo sites
# speak HTTP/2 too (MHD_HTTP2=1: browsers choose it over HTTPS, curl
# --http2-prior-knowledge on plain HTTP); the program is the same.
# Ctrl-C or SIGTERM stops every one of them and
# ends with status 0; a program that cannot start (a port in use) is named in
# one line, and what was already started is stopped.
#
#   scripts/demo.sh BUILD_DIR [PORT]      (PORT defaults to 8080)
build=${1:-build}
base=${2:-8080}
top=$(cd "$(dirname "$0")/.." && pwd)

case "$base" in
'' | *[!0-9]*) base=0 ;;
esac
if [ "$base" -lt 1 ] || [ "$base" -gt 65531 ]; then
    echo "demo: PORT must be a number from 1 to 65531 (got '${2}')" >&2
    exit 2
fi

logs=$(mktemp -d)
pids=()
stop_all() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    pids=()
    rm -rf "$logs"
}
on_signal() {
    trap '' INT TERM
    echo
    echo "demo: stopping"
    stop_all
    exit 0
}
trap on_signal INT TERM

# start NAME PORT ARGS...: runs build/examples/NAME PORT ARGS... and waits
# until it prints its "Serving on" line (at most 10 s). NAME demo-https is
# the demo with a certificate, which listens on PORT+4.
start() {
    local name=$1 port=$2 bin=$build/examples/${1%-https} h2=
    shift 2
    # The demo sites serve HTTP/2 as well, switched on from outside the
    # program, as any libmicrohttpd program's can be.
    [ "${name%-https}" = demo ] && h2=1
    if [ ! -x "$bin" ]; then
        echo "demo: $bin is missing (run make examples)" >&2
        return 1
    fi
    # Ctrl-C reaches every process of the terminal's group: the programs
    # ignore SIGINT, so that this script alone reacts and stops them in turn.
    (
        trap '' INT
        [ -n "$h2" ] && export MHD_HTTP2=1
        exec "$bin" "$port" "$@"
    ) >"$logs/$name" 2>&1 &
    local pid=$!
    pids+=("$pid")
    local i
    for ((i = 0; i < 500; i++)); do
        grep -q '^Serving on' "$logs/$name" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    local why
    [ "$name" = demo-https ] && port=$((port + 4))
    why=$(grep -m1 'Cannot bind' "$logs/$name")
    if grep -q 'Address already in use' "$logs/$name"; then
        echo "demo: port $port (for examples/$name) is in use by another program; choose other ports with make demo PORT=$((base + 1000))" >&2
    elif [ -n "$why" ]; then
        echo "demo: cannot start examples/$name on 127.0.0.1:$port: ${why##*: }" >&2
    else
        echo "demo: examples/$name did not start on port $port: $(tr '\n' ' ' <"$logs/$name")" >&2
    fi
    return 1
}

# The HTTPS copy's certificate, for 127.0.0.1 and localhost, valid a week.
make_cert() {
    printf '%s\n' 'cn = "libmicrohttpd demo"' 'dns_name = "localhost"' 'ip_address = "127.0.0.1"' \
        'tls_www_server' 'signing_key' 'expiration_days = 7' >"$logs/cert.tmpl"
    certtool --generate-privkey --key-type ecdsa --outfile "$logs/key.pem" 2>/dev/null &&
        certtool --generate-self-signed --load-privkey "$logs/key.pem" --template "$logs/cert.tmpl" \
            --outfile "$logs/cert.pem" 2>/dev/null
}
if ! make_cert; then
    echo "demo: cannot make a certificate with certtool (package gnutls-bin)" >&2
    stop_all
    exit 1
fi

if ! start demo "$base" "$top" ||
    ! start auth $((base + 1)) ||
    ! start upload $((base + 2)) ||
    ! start websocket_echo $((base + 3)) ||
    ! start demo-https "$base" "$top" "$logs/cert.pem" "$logs/key.pem"; then
    trap '' INT TERM
    stop_all
    exit 1
fi

echo "Demo: http://127.0.0.1:$base/ (what this is, the examples and the manual)"
echo "      auth on $((base + 1)), upload on $((base + 2)), WebSocket echo on $((base + 3)),"
echo "      the demo over HTTPS on https://127.0.0.1:$((base + 4))/ (HTTP/2 in browsers;"
echo "      curl --http2-prior-knowledge http://127.0.0.1:$base/ for HTTP/2 in the clear);"
echo "      Ctrl-C stops them all"

# Wait for a signal; if a program ends on its own, stop the others too.
wait -n "${pids[@]}"
rc=$?
trap '' INT TERM
echo "demo: a program ended by itself (status $rc); stopping the others" >&2
stop_all
exit 1
