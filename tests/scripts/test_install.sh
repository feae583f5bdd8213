#!/bin/sh
# make install PREFIX=dir puts the header, the libraries with their links and
# libmicrohttpd.pc in place, and a program built with pkg-config against the
# installed copy runs on it.
pass=0
fail=0
check() {
    if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
make -s install PREFIX="$dir" SAN="${SAN:-}" >/dev/null 2>&1
check "header installed" "[ -f '$dir/include/microhttpd.h' ]"
check "shared library file" "[ -f '$dir/lib/libmicrohttpd.so.12.62.1' ]"
check "soname link" "[ \"\$(readlink '$dir/lib/libmicrohttpd.so.12')\" = libmicrohttpd.so.12.62.1 ]"
check "dev link" "[ \"\$(readlink '$dir/lib/libmicrohttpd.so')\" = libmicrohttpd.so.12 ]"
check "static library" "[ -f '$dir/lib/libmicrohttpd.a' ]"
check "pkg-config file" "[ -f '$dir/lib/pkgconfig/libmicrohttpd.pc' ]"
export PKG_CONFIG_PATH="$dir/lib/pkgconfig"
check "pkg-config version" "[ \"\$(pkg-config --modversion libmicrohttpd)\" = 1.0.1 ]"
cat >"$dir/hello.c" <<'C'
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            (MHD_AccessHandlerCallback)NULL, NULL, MHD_OPTION_END);
    printf("%s %d\n", MHD_get_version(), d == NULL);
    return strcmp(MHD_get_version(), "1.0.1") != 0;
}
C
if [ -z "${SAN:-}" ]; then
    # shellcheck disable=SC2046
    check "build with pkg-config" "cc -o '$dir/hello' '$dir/hello.c' \$(pkg-config --cflags --libs libmicrohttpd)"
    check "run on the installed library" "LD_LIBRARY_PATH='$dir/lib' '$dir/hello' >/dev/null"
    check "linked to the installed copy" "LD_LIBRARY_PATH='$dir/lib' ldd '$dir/hello' | grep -q '$dir/lib/libmicrohttpd.so.12'"
fi
echo "RESULT $pass $fail"
[ "$fail" -eq 0 ]
