#!/bin/bash
# Packaging checks, inside the throwaway root after the two columns:
#   packaging.sh dev        the README's Hello world built against our -dev
#                           package with pkg-config, and served
#                           and what dpkg-shlibdeps makes programs built
#                           against it depend on (the symbols file)
#   packaging.sh downgrade  back to Debian's libmicrohttpd12 (needs the archive)
#   packaging.sh plain      `make install` next to Debian's library: into
#                           /opt with rpath, then into /usr/local with ldconfig
# (dev also runs the shlibdeps checks on the programs it built.)
# Results are appended to $RESULTS/packaging.tsv like checks.sh's.
# The pkg-config output is split into words on purpose, as the README does.
# shellcheck disable=SC2046
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=${RESULTS:-/dropin/results}
COLUMN=packaging
export COLUMN RESULTS
mkdir -p "$RESULTS/$COLUMN"
. "$HERE/lib.sh"
W=/tmp/packaging
mkdir -p $W
MA=x86_64-linux-gnu

# The Hello world exactly as README.md shows it.
readme_hello() {
    awk '/^## Hello, world/ {h = 1} h && /^```c$/ {c = 1; next} c && /^```$/ {exit} c {print}' \
        /dropin/src/README.md >"$1"
    [ -s "$1" ]
}

serve_hello() { # serve_hello BINARY: runs it on 8080 and asks for a page
    (sleep 30 | "$1" >$W/hello.out 2>&1) &
    wait_port 8080 10 || return 1
    page=$($C http://127.0.0.1:8080/) || return 1
    pid=$(pgrep -f "^$1$" | head -n 1)
    echo "answered \"$(echo "$page" | head -n 1)\" on $(libfile "$pid")"
    pkill -f "^$1$"
    [ "$page" = "Hello, world!" ]
}

pk_dev() {
    readme_hello $W/hello.c || return 1
    cd $W && cc hello.c $(pkg-config --cflags --libs libmicrohttpd) -o $W/hello-dev || return 1
    serve_hello $W/hello-dev
}

# shlibdeps_of BINARY: the libmicrohttpd12 dependency dpkg-shlibdeps derives.
shlibdeps_of() {
    mkdir -p $W/pkg/debian
    printf 'Source: t\n\nPackage: t\nArchitecture: any\n' >$W/pkg/debian/control
    (cd $W/pkg && dpkg-shlibdeps -O "$1" 2>&1) | tr ',' '\n' | grep -o 'libmicrohttpd12[^,]*' | sed 's/ *$//'
}

pk_shlibdeps_new() {
    [ -x $W/hello-dev ] || return 1
    d=$(shlibdeps_of $W/hello-dev)
    echo "README hello (uses MHD_create_response_from_buffer_static): $d"
    [ "$d" = "libmicrohttpd12 (>= 1.0.0)" ]
}

pk_shlibdeps_old() {
    cat >$W/old.c <<'C'
#include <microhttpd.h>
#include <string.h>
static enum MHD_Result h(void *c, struct MHD_Connection *con, const char *u, const char *m,
                         const char *v, const char *d, size_t *s, void **p)
{
    static char page[] = "old\n";
    (void)c; (void)u; (void)m; (void)v; (void)d; (void)s; (void)p;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(page), page, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(con, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}
int main(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 8081, NULL, NULL, h, NULL, MHD_OPTION_END);
    MHD_stop_daemon(d);
    return 0;
}
C
    cc $W/old.c $(pkg-config --cflags --libs libmicrohttpd) -o $W/old || return 1
    d=$(shlibdeps_of $W/old)
    echo "program using only the 0.9.x API: $d"
    [ "$d" = "libmicrohttpd12 (>= 0.9.50)" ]
}

pk_installed() {
    v=$(dpkg-query -W -f='${Version}' libmicrohttpd12)
    f=$(readlink -f /usr/lib/$MA/libmicrohttpd.so.12)
    echo "libmicrohttpd12 $v, /usr/lib/$MA/libmicrohttpd.so.12 -> $(basename "$f"); libmicrohttpd-dev $(dpkg-query -W -f='${Version}' libmicrohttpd-dev 2>/dev/null || echo absent)"
    [ "$v" = "$1" ] && [ "$(basename "$f")" = "$2" ]
}

pk_plain_opt() {
    # Ours in /opt, found by PKG_CONFIG_PATH and an rpath; the system keeps
    # Debian's.
    make -s -C /dropin/src install PREFIX=/opt/mhd BUILD=$W/build >$W/make-opt.log 2>&1 || { cat $W/make-opt.log; return 1; }
    readme_hello $W/hello.c || return 1
    cd $W && cc hello.c $(PKG_CONFIG_PATH=/opt/mhd/lib/pkgconfig pkg-config --cflags --libs libmicrohttpd) \
        -Wl,-rpath,/opt/mhd/lib -o $W/hello-opt || return 1
    sys=$(ldd /usr/bin/debuginfod | grep -o '/[^ ]*libmicrohttpd[^ ]*')
    echo "debuginfod still loads $(readlink -f "$sys")"
    serve_hello $W/hello-opt
}

pk_plain_local() {
    # The README's way: make install into /usr/local (ldconfig runs), then
    # plain pkg-config. /usr/local/lib comes first for the loader, so every
    # program now loads ours.
    make -s -C /dropin/src install BUILD=$W/build >$W/make-local.log 2>&1 || { cat $W/make-local.log; return 1; }
    readme_hello $W/hello.c || return 1
    cd $W && cc hello.c $(pkg-config --cflags --libs libmicrohttpd) -o $W/hello-local || return 1
    sys=$(ldd /usr/bin/debuginfod | grep -o '/[^ ]*libmicrohttpd[^ ]*')
    echo "pkg-config: $(pkg-config --variable=libdir libmicrohttpd); debuginfod now loads $sys"
    serve_hello $W/hello-local
}

case "$1" in
dev)
    check pkg.installed "our packages replaced Debian's" pk_installed "$2" libmicrohttpd.so.12.62.1
    check pkg.hello "README Hello world built with pkg-config against our -dev" pk_dev
    check pkg.shlibs-new "dpkg-shlibdeps, program using 1.0 functions" pk_shlibdeps_new
    check pkg.shlibs-old "dpkg-shlibdeps, program using 0.9.x functions only" pk_shlibdeps_old
    ;;
downgrade)
    check pkg.downgrade "downgrade: Debian's libmicrohttpd12 is back" pk_installed "$2" libmicrohttpd.so.12.60.0
    ;;
plain)
    check pkg.plain-opt "make install PREFIX=/opt/mhd + rpath, Debian's stays the system's" pk_plain_opt
    check pkg.plain-local "make install (PREFIX=/usr/local, ldconfig), plain pkg-config" pk_plain_local
    ;;
esac
