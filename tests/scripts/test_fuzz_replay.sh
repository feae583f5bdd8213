#!/bin/sh
# Replays every fuzz corpus and regression input without libFuzzer: builds
# each fuzz/fuzz_*.c with fuzz/replay_main.c against $BUILD's static library
# (with the sanitizers of a SAN build) into $BUILD/fuzz-replay/, where they
# stay for replaying files by hand, and runs every file of
# fuzz/corpus/<target>/ and fuzz/regressions/<target>/ through it, each in a
# child process. One check per file: it passes when the target returns
# without crashing, hanging or tripping a sanitizer.
# Environment: BUILD (default build), SAN (as given to make), CC,
# TEST_WRAPPER (runs each replay program, e.g. valgrind; see tests/run.sh).
BUILD=${BUILD:-build}
CC=${CC:-cc}
lib="$BUILD/lib/libmicrohttpd.a"
bin="$BUILD/fuzz-replay"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir -p "$bin"
pass=0
fail=0

# A sanitizer build's library needs the same runtime in the program. SAN
# comes from make; a build directory named san-<list> says the same.
if [ -z "$SAN" ]; then
    case "$BUILD" in
    */san-*) SAN=$(basename "$BUILD" | sed 's/^san-//; s/-/,/g') ;;
    esac
fi
flags="-std=c11 -pthread -O1 -g -Wall -Wextra -D_GNU_SOURCE -Iinclude -Isrc"
# A library built with TLS and HTTP/2 needs GnuTLS and nghttp2 in the program.
. "$(dirname "$0")/check_lib.sh"
libs=$(static_deps "$lib")
[ -n "$SAN" ] && flags="$flags -fsanitize=$SAN -fno-sanitize-recover=all -fno-omit-frame-pointer"

if [ ! -f "$lib" ]; then
    echo "FAIL: $lib is missing (run make first)"
    echo "RESULT 0 1"
    exit 1
fi

targets=$(ls fuzz/fuzz_*.c | sed 's|^fuzz/||; s|\.c$||')
# The TLS target needs a library built with GnuTLS (not make TLS=no).
case "$libs" in
*-lgnutls*) ;;
*) targets=$(echo "$targets" | grep -v '^fuzz_connection_tls$') ;;
esac

# Builds two at a time; the machine has two cores.
build_one() {
    # shellcheck disable=SC2086
    rm -f "$bin/$1"
    $CC $flags -o "$bin/$1" "fuzz/$1.c" fuzz/replay_main.c "$lib" $libs >"$out/$1.build" 2>&1
}
set -- $targets
while [ $# -gt 0 ]; do
    build_one "$1" &
    [ $# -gt 1 ] && build_one "$2" &
    wait
    shift
    [ $# -gt 0 ] && shift
done

for t in $targets; do
    if [ ! -x "$bin/$t" ]; then
        fail=$((fail + 1))
        echo "FAIL: cannot build $t"
        sed 's/^/    /' "$out/$t.build" | head -n 20
        continue
    fi
    dirs=""
    for d in "fuzz/corpus/$t" "fuzz/regressions/$t"; do
        [ -d "$d" ] && dirs="$dirs $d"
    done
    if [ -z "$dirs" ]; then
        fail=$((fail + 1))
        echo "FAIL: $t has no corpus"
        continue
    fi
    # Under a wrapper (valgrind) the inputs run in one process per target:
    # a child per input would pay the wrapper's start and leak check each.
    # shellcheck disable=SC2086
    FUZZ_REPLAY_INPROCESS=${TEST_WRAPPER:+1} ${TEST_WRAPPER:-} "$bin/$t" $dirs \
        >"$out/$t.log" 2>"$out/$t.err"
    rc=$?
    r=$(grep '^RESULT ' "$out/$t.log" | tail -n 1)
    p=$(echo "$r" | awk '{print $2+0}')
    f=$(echo "$r" | awk '{print $3+0}')
    if [ -z "$r" ]; then
        f=1
        echo "FAIL: $t printed no result"
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1
        echo "FAIL: $t exited with $rc"
    fi
    pass=$((pass + p))
    fail=$((fail + f))
    echo "$t: $p passed, $f failed"
    if [ "$f" -ne 0 ]; then
        grep '^FAIL' "$out/$t.log" | sed 's/^/    /'
        tail -n 30 "$out/$t.err" | sed 's/^/    | /'
    fi
done
echo "RESULT $pass $fail"
[ "$fail" -eq 0 ]
