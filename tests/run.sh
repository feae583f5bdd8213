#!/bin/bash
# Runs every test program under a time limit, two at a time, and adds up the
# "RESULT <passed> <failed> [<skipped>]" lines they print. A program that
# crashes, times out or prints no RESULT line counts as one failure; skipped
# checks are shown on the program's line and in the total.
# The whole log of a program that failed is kept in $BUILD/failed-logs/.
# Environment: BUILD (build directory), TEST_FILTER (substring of test paths),
# TEST_TIMEOUT (seconds per program, default 120), TEST_JOBS (default 2),
# TEST_WRAPPER (a command that runs each test program, e.g. valgrind; the
# scripts get it too, for the programs they build) and TEST_SLOW (how many
# times slower programs run under it: tests/lib/slow.h scales time limits
# by it and heavy tests shrink; the per-program limit grows with it too).
# The integration programs named in tests/tls_programs run a second time
# over TLS (TEST_TLS=1, see tests/lib/tlstest.h), shown as "prog [tls]";
# TEST_TLS_RUN=0 leaves that second run out. They run a third time over
# HTTP/2 on TLS (TEST_TLS=1 TEST_H2=1: libcurl negotiates h2 by ALPN and
# the server has MHD_HTTP2=1), shown as "prog [h2]"; TEST_H2_RUN=0 leaves
# that run out.
BUILD=${BUILD:-build}
TEST_TIMEOUT=${TEST_TIMEOUT:-120}
TEST_JOBS=${TEST_JOBS:-2}
TEST_WRAPPER=${TEST_WRAPPER:-}
TEST_SLOW=${TEST_SLOW:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

progs=$(find "$BUILD/tests" -type f -perm -u+x -name 'test_*' | sort)
[ -n "$TEST_FILTER" ] && progs=$(echo "$progs" | grep -- "$TEST_FILTER")
# The second run over TLS, "tls:" in front of the program's path, and the
# third over HTTP/2 on TLS, "h2:" in front.
if [ "${TEST_TLS_RUN:-1}" != 0 ] && [ -f tests/tls_programs ]; then
    kinds="tls"
    [ "${TEST_H2_RUN:-1}" != 0 ] && kinds="tls h2"
    for t in $(grep -v '^#' tests/tls_programs); do
        p="$BUILD/tests/integ/$t"
        [ -x "$p" ] || continue
        for k in $kinds; do
            [ -n "$TEST_FILTER" ] && ! echo "$p [$k]" | grep -q -- "$TEST_FILTER" && continue
            progs="$progs
$k:$p"
        done
    done
fi
for s in tests/scripts/test_*.sh; do
    [ -f "$s" ] || continue
    [ -n "$TEST_FILTER" ] && ! echo "$s" | grep -q -- "$TEST_FILTER" && continue
    progs="$progs
$s"
done

run_one() {
    prog=$1
    tls=0
    h2=0
    label=$prog
    name=
    case "$prog" in
    tls:*)
        prog=${prog#tls:}
        tls=1
        label="$prog [tls]"
        name=-tls
        ;;
    h2:*)
        prog=${prog#h2:}
        tls=1
        h2=1
        label="$prog [h2]"
        name=-h2
        ;;
    esac
    name=$(echo "$prog" | sed "s|^$BUILD/||; s|/|_|g")$name
    log="$out/$name.log"
    start=$(date +%s.%N)
    case "$prog" in
    *.sh) wrapper= ;;
    *) wrapper=$TEST_WRAPPER ;;
    esac
    # shellcheck disable=SC2086
    BUILD=$BUILD TEST_TLS=$tls TEST_H2=$h2 timeout -k 5 "$((TEST_TIMEOUT * TEST_SLOW))" $wrapper "$prog" >"$log" 2>&1
    rc=$?
    secs=$(echo "$(date +%s.%N) - $start" | bc)
    res=$(grep '^RESULT ' "$log" | tail -n 1)
    p=$(echo "$res" | awk '{print $2}')
    f=$(echo "$res" | awk '{print $3}')
    s=$(echo "$res" | awk '{print $4}')
    [ -z "$p" ] && p=0
    [ -z "$f" ] && f=0
    [ -z "$s" ] && s=0
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ "$f" -ne 0 ]; then
        printf 'FAIL %-50s %6d passed %4d failed (exit %d, %.1fs)\n' "$label" "$p" "$f" "$rc" "$secs"
        sed 's/^/    | /' "$log" | tail -n 40
        # Kept whole for later, beside the build.
        mkdir -p "$BUILD/failed-logs" && cp "$log" "$BUILD/failed-logs/"
    elif [ "$s" -ne 0 ]; then
        printf 'ok   %-50s %6d passed (%.1fs), %d skipped:\n' "$prog" "$p" "$secs" "$s"
        grep '^SKIP' "$log" | sed 's/^/    | /'
    else
        printf 'ok   %-50s %6d passed (%.1fs)\n' "$label" "$p" "$secs"
    fi
    echo "$p $f $s" >"$log.sum"
}
export -f run_one
export BUILD TEST_TIMEOUT TEST_WRAPPER TEST_SLOW out

if [ -z "$(echo "$progs" | tr -d '[:space:]')" ]; then
    echo "no tests found"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "$progs" | grep -v '^$' | xargs -P "$TEST_JOBS" -I{} bash -c 'run_one "$1"' _ {}

total_p=0
total_f=0
total_s=0
for sum in "$out"/*.sum; do
    read -r p f s <"$sum"
    total_p=$((total_p + p))
    total_f=$((total_f + f))
    total_s=$((total_s + ${s:-0}))
done
if [ "$total_s" -ne 0 ]; then
    echo "$total_p passed, $total_f failed, $total_s skipped"
else
    echo "$total_p passed, $total_f failed"
fi
[ "$total_f" -eq 0 ]
