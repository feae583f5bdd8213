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
check "overview man page" "[ -f '$dir/share/man/man3/libmicrohttpd.3' ]"
# Every exported function finds its page: a page of its own or a link.
nolink=""
for f in $(scripts/man_names.sh doc/man/man3/*.3 | awk '{ print $2 }'); do
    [ -e "$dir/share/man/man3/$f.3" ] || nolink="$nolink $f"
done
check "a man page or link for every function (missing:$nolink)" "[ -z '$nolink' ]"
if command -v man >/dev/null; then
    check "man finds a grouped function" \
        "man -M '$dir/share/man' -w MHD_queue_basic_auth_fail_response | grep -q 'MHD_basic_auth_get_username_password3.3'"
    check "man shows it" "MANWIDTH=80 man -M '$dir/share/man' MHD_run_wait 2>/dev/null | grep -q 'MHD_run_wait'"
fi
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
