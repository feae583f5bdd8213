#!/bin/bash
# make demo as a new user meets it: PORT= picks the base port, the first page
# says what this is and links to the examples and the manual, Ctrl-C (SIGINT
# to the whole process group, as a terminal sends it) and SIGTERM to make
# stop every program cleanly, and a port in use gives one line naming it.
# Every wait polls for a condition with a deadline; nothing sleeps to
# synchronise.
BUILD=${BUILD:-build}
. "$(dirname "$0")/check_lib.sh"
dir=$(mktemp -d)
mpid=
blocker=
cleanup() {
    [ -n "$mpid" ] && kill -KILL -- "-$mpid" 2>/dev/null
    [ -n "$blocker" ] && kill "$blocker" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

# until SECONDS COMMAND...: polls COMMAND every 20 ms until it succeeds.
until_ok() {
    local deadline=$((SECONDS + $1))
    shift
    while ! "$@"; do
        [ "$SECONDS" -ge "$deadline" ] && return 1
        sleep 0.02
    done
}
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
group_gone() { ! kill -0 -- "-$1" 2>/dev/null; }
ready() { grep -q '^Demo:' "$dir/out" || ! alive "$mpid"; }
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$1/$2"; }
closed() { ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/"; }

# Starts `make demo PORT=$base` in a session of its own (so the test can
# signal its process group like a terminal would) and waits until it serves.
# Tries other base ports while the chosen ones turn out to be taken.
start_demo() {
    for _ in 1 2 3 4 5; do
        base=$((20000 + RANDOM % 40000))
        : >"$dir/out"
        # A background job of a script starts with SIGINT ignored; a
        # terminal's foreground job does not.
        env --default-signal=INT setsid make -s --no-print-directory demo PORT=$base \
            SAN="${SAN:-}" BUILD="$BUILD" >"$dir/out" 2>&1 </dev/null &
        mpid=$!
        until_ok 60 ready
        grep -q '^Demo:' "$dir/out" && return 0
        until_ok 10 gone "$mpid"
        grep -q 'in use' "$dir/out" || break
    done
    echo "FAIL: make demo did not start: $(cat "$dir/out")"
    return 1
}

# The programs must all be gone and their ports closed once make has ended.
check_stopped() {
    local how=$1
    check "$how: make ends within 10 s" "until_ok 10 gone $mpid"
    check "$how: every program of the demo ended" "until_ok 5 group_gone $mpid"
    check "$how: no crash reported" "! grep -qiE 'Segmentation|core dumped|Error [0-9]' '$dir/out'"
    check "$how: says it stops" "grep -q '^demo: stopping' '$dir/out'"
    for p in 0 1 2 3 4; do
        check "$how: port base+$p closed" "closed $((base + p))"
    done
    mpid=
}

if ! start_demo; then
    echo "RESULT $pass 1"
    exit 1
fi
check "demo on PORT" "[ \"\$(status $base)\" = 200 ]"
check "auth on PORT+1" "[ \"\$(status $((base + 1)))\" = 200 ]"
check "upload on PORT+2" "[ \"\$(status $((base + 2)))\" = 200 ]"
check "WebSocket echo on PORT+3" "[ \"\$(status $((base + 3)))\" = 200 ]"
check "the demo over HTTPS on PORT+4" \
    "curl -sk --max-time 5 https://127.0.0.1:$((base + 4))/ | grep -q 'Connection: HTTPS, TLS1.3, '"
check "the demo over HTTP/2 in the clear (prior knowledge)" \
    "curl -s --http2-prior-knowledge --max-time 5 http://127.0.0.1:$base/ | grep -q '</b> / HTTP/2</p>'"
check "the demo over HTTP/2 on HTTPS (ALPN)" \
    "curl -sk --http2 --max-time 5 https://127.0.0.1:$((base + 4))/ | grep -q '</b> / HTTP/2</p>'"
check "HTTP/1.1 clients still get HTTP/1.1" \
    "curl -s --http1.1 --max-time 5 http://127.0.0.1:$base/ | grep -q '</b> / HTTP/1.1</p>'"
check "the plain demo says so" "curl -s --max-time 5 http://127.0.0.1:$base/ | grep -q 'Connection: plain HTTP'"
curl -s --max-time 5 "http://127.0.0.1:$base/" >"$dir/page"
check "first page says what this is" "grep -q 'drop-in replacement for GNU libmicrohttpd' '$dir/page'"
check "first page links to the examples on the chosen ports" \
    "grep -q 'http://127.0.0.1:$((base + 1))/' '$dir/page' && grep -q 'http://127.0.0.1:$((base + 3))/' '$dir/page'"
check "first page links to the manual" "grep -q 'href=\"/manual/README.md\"' '$dir/page'"
check "intro comes before the request tables" \
    "[ \$(grep -bo 'Read next' '$dir/page' | cut -d: -f1) -lt \$(grep -bo 'Your request' '$dir/page' | cut -d: -f1) ]"
check "manual served" "[ \"\$(status $base manual/README.md)\" = 200 ]"
check "example source served" "[ \"\$(status $base examples/demo.c)\" = 200 ]"
check "only loopback listens" "! grep -qE ' 00000000:$(printf '%04X' "$base") ' /proc/net/tcp"

# Ctrl-C: the terminal signals the whole foreground process group.
kill -INT -- "-$mpid"
check_stopped "Ctrl-C"

# SIGTERM to make alone (a service manager, kill PID).
if start_demo; then
    kill -TERM "$mpid"
    check_stopped "SIGTERM"
fi

# A port in use: one line naming it, and nothing left running.
if start_demo; then
    kill -INT -- "-$mpid"
    until_ok 10 gone "$mpid"
    mpid=
    : >"$dir/blocker"
    "$BUILD/examples/auth" $((base + 1)) >"$dir/blocker" 2>&1 &
    blocker=$!
    until_ok 10 grep -q '^Serving' "$dir/blocker"
    timeout 60 setsid make -s --no-print-directory demo PORT=$base SAN="${SAN:-}" \
        BUILD="$BUILD" >"$dir/out" 2>&1 </dev/null
    rc=$?
    check "port in use: make fails" "[ $rc -ne 0 ] && [ $rc -ne 124 ]"
    check "port in use: one line from the demo" "[ \$(grep -c '^demo:' '$dir/out') = 1 ]"
    check "port in use: the line names the port" "grep -q '^demo: port $((base + 1)) .*in use' '$dir/out'"
    check "port in use: what was started is stopped" "closed $base"
    kill "$blocker"
    wait "$blocker" 2>/dev/null
    blocker=
fi

make -s --no-print-directory demo PORT=x SAN="${SAN:-}" BUILD="$BUILD" >"$dir/out" 2>&1 </dev/null
rc=$?
check "PORT=x refused with a reason" "[ $rc -ne 0 ] && grep -q 'PORT must be a number' '$dir/out'"

echo "RESULT $pass $fail"
[ "$fail" -eq 0 ]
