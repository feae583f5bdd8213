#!/bin/sh
# Installs the Debian packages a target needs, and only those missing.
# Usage: scripts/deps.sh <group>...   groups: build check bench fuzz valgrind doc deb dropin ops
set -e
pkgs=""
for group in "$@"; do
    case "$group" in
    build) pkgs="$pkgs gcc make pkg-config libgnutls28-dev gnutls-bin libnghttp2-dev liburing-dev" ;;
    check) pkgs="$pkgs gcc make pkg-config libgnutls28-dev gnutls-bin libnghttp2-dev liburing-dev nghttp2-client python3-h2 libcurl4-openssl-dev libmicrohttpd-dev curl mandoc groff-base man-db openssl" ;;
    bench) pkgs="$pkgs libmicrohttpd-dev libgnutls28-dev gnutls-bin libnghttp2-dev nghttp2-client h2o nginx-light wrk valgrind strace gnuplot-nox util-linux python3 bc" ;;
    fuzz) pkgs="$pkgs clang libclang-rt-14-dev llvm" ;;
    valgrind) pkgs="$pkgs valgrind" ;;
    doc) pkgs="$pkgs cmark-gfm mandoc" ;;
    deb) pkgs="$pkgs dpkg-dev debhelper lintian" ;;
    dropin) pkgs="$pkgs mmdebstrap util-linux" ;;
    ops) pkgs="$pkgs haproxy wrk curl tcpdump socat systemd iproute2 util-linux" ;;
    *) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
    esac
done
missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac
    fi
done
[ -z "$missing" ] && exit 0
echo "Installing missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps.sh: not root; please install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "Installed:$missing"
