#!/bin/sh
# Binary compatibility: a program compiled against Debian's libmicrohttpd
# (header and library) runs with our libmicrohttpd.so.12 first on
# LD_LIBRARY_PATH and must find ours loaded and working. Also checks that the
# shared object exports only MHD_* symbols, with soname libmicrohttpd.so.12.
BUILD=${BUILD:-build}
lib="$(cd "$BUILD/lib" && pwd)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

if ! cc -O1 -g -Wall -o "$out/abi_app" tests/abi/debian/abi_app.c -lmicrohttpd -lpthread -ldl \
    -I/usr/include; then
    bad "cannot build the ABI program against Debian's libmicrohttpd-dev"
    echo "RESULT $pass $fail"
    exit 1
fi
ok
# The program was linked against the system library...
if ldd "$out/abi_app" | grep -q 'libmicrohttpd.so.12 => /'; then ok; else bad "not linked to libmicrohttpd.so.12"; fi
# ...and runs on ours.
# A sanitizer build of the library needs its runtime loaded first.
preload=
case "${SAN:-}" in
*address*) preload=$(cc -print-file-name=libasan.so) ;;
*thread*) preload=$(cc -print-file-name=libtsan.so) ;;
esac
# shellcheck disable=SC2086
res=$(ABI_EXPECT_DIR="$lib" LD_LIBRARY_PATH="$lib" LD_PRELOAD="$preload" ASAN_OPTIONS=detect_leaks=0 \
    ${TEST_WRAPPER:-} "$out/abi_app" 2>&1)
rc=$?
# 99 is the error exit code `make valgrind` gives memcheck.
[ -n "${TEST_WRAPPER:-}" ] && [ "$rc" -eq 99 ] && bad "memcheck found errors in the ABI program"
echo "$res" | sed 's/^/    /'
r=$(echo "$res" | grep '^RESULT ' | tail -n 1)
pass=$((pass + $(echo "$r" | awk '{print $2+0}')))
fail=$((fail + $(echo "$r" | awk '{print $3+0}')))
[ -n "$r" ] || bad "the ABI program printed no result"

so="$lib/libmicrohttpd.so.12"
soname=$(readelf -d "$so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libmicrohttpd.so.12" ] && ok || bad "soname is '$soname'"
[ "$(readlink "$so")" = "libmicrohttpd.so.12.62.1" ] && ok || bad "libmicrohttpd.so.12 does not point at .12.62.1"
others=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^MHD_')
[ -z "$others" ] && ok || bad "non-MHD symbols exported: $others"
if readelf -V "$so" | grep -q 'Version definition'; then bad "symbol versions present"; else ok; fi
echo "RESULT $pass $fail"
[ "$fail" -eq 0 ]
