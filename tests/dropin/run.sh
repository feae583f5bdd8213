#!/bin/bash
# make dropin: Debian's own programs that link libmicrohttpd.so.12, each
# driven through its own client, first on Debian's libmicrohttpd12 and then
# on ours installed from build/deb, in a throwaway root (README.md here).
#
# The root is a Debian 12 system made by mmdebstrap with the programs and
# Debian's library (tests/dropin/packages.txt), cached in build/dropin/root
# and rebuilt when that list changes. Every run mounts an overlay over it in
# a private mount namespace and throws the overlay away afterwards, so
# neither the cache nor the machine changes. Each column runs in private
# network and PID namespaces: only loopback, and nothing outlives it.
#
# Environment: DROPIN_MIRROR (Debian mirror, default deb.debian.org),
# DROPIN_PROGRAMS (a subset: debuginfod journal_remote journal_gatewayd janus
# motion), DROPIN_TLS=auto|yes|no (whether HTTPS checks must pass on ours;
# auto: when our library links GnuTLS).
set -e
cd "$(dirname "$0")/../.."
top=$(pwd)
B=$top/build/dropin
T=$top/tests/dropin

if [ "$1" != --inner ]; then
    start=$(date +%s)
    if [ "$(id -u)" != 0 ]; then
        echo "make dropin needs root (mmdebstrap, mount and chroot)" >&2
        exit 1
    fi
    scripts/deps.sh dropin
    runtime=$(ls build/deb/libmicrohttpd12_*.deb 2>/dev/null | head -n 1)
    dev=$(ls build/deb/libmicrohttpd-dev_*.deb 2>/dev/null | head -n 1)
    if [ -z "$runtime" ] || [ -z "$dev" ]; then
        echo "no packages in build/deb: run make deb first" >&2
        exit 1
    fi
    mirror=${DROPIN_MIRROR:-http://deb.debian.org/debian}
    security=${DROPIN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
    pkgs=$(grep -v '^#' $T/packages.txt | tr -s ' \n' ',' | sed 's/^,//; s/,$//')
    key=$(printf '%s\n%s\n%s\n' "$pkgs" "$mirror" "$security" | sha256sum | cut -c1-16)
    mkdir -p "$B"
    if [ "$(cat "$B/root.key" 2>/dev/null)" != "$key" ] || [ ! -d "$B/root" ]; then
        echo "Making the throwaway root's base (Debian 12 and the programs) in build/dropin/root"
        t0=$(date +%s)
        rm -rf "$B/root" "$B/root.new" "$B/root.key"
        mmdebstrap --variant=apt --skip=cleanup/apt/lists --include="$pkgs" bookworm "$B/root.new" \
            "deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
            "deb $security bookworm-security main" >"$B/mmdebstrap.log" 2>&1 || {
            tail -n 20 "$B/mmdebstrap.log"
            exit 1
        }
        mv "$B/root.new" "$B/root"
        echo "$key" >"$B/root.key"
        echo "  made in $(($(date +%s) - t0)) s"
    else
        echo "Using the cached base in build/dropin/root"
    fi

    tls=${DROPIN_TLS:-auto}
    if [ "$tls" = auto ]; then
        tmp=$(mktemp -d)
        dpkg-deb -x "$runtime" "$tmp"
        if readelf -d "$tmp"/usr/lib/*/libmicrohttpd.so.12.* | grep -q 'NEEDED.*libgnutls'; then tls=yes; else tls=no; fi
        rm -rf "$tmp"
    fi
    rm -rf "$B/results" "$B/run"
    mkdir -p "$B/results" "$B/run"
    set +e
    OURS_TLS=$tls RUNTIME=$runtime DEV=$dev unshare -m -p -f --kill-child --propagation private "$0" --inner
    rc=$?
    set -e
    rm -rf "$B/run"
    [ $rc = 0 ] || echo "make dropin: the run inside the throwaway root failed (exit $rc)" >&2
    "$T/report.sh" "$B/results" "$tls" | tee "$B/report.md"
    verdict=${PIPESTATUS[0]}
    echo "make dropin: $(($(date +%s) - start)) s; report in build/dropin/report.md, logs in build/dropin/results"
    [ $rc = 0 ] && exit "$verdict"
    exit 1
fi

# Inside the private mount and PID namespaces.
M=$B/run/mnt
mkdir -p "$B/run/upper" "$B/run/work" "$M"
mount -t overlay dropin -o "lowerdir=$B/root,upperdir=$B/run/upper,workdir=$B/run/work" "$M"
mount -t proc proc "$M/proc"
mkdir -p "$M/dropin/scripts" "$M/dropin/results" "$M/dropin/src" "$M/dropin/debs"
mount --bind "$T" "$M/dropin/scripts"
mount -o remount,bind,ro "$M/dropin/scripts"
mount --bind "$top" "$M/dropin/src"
mount -o remount,bind,ro "$M/dropin/src"
mount --bind "$B/results" "$M/dropin/results"
cp "$RUNTIME" "$DEV" "$M/dropin/debs/"
cp /etc/resolv.conf "$M/etc/resolv.conf"

# in_root [--net] COMMAND: runs COMMAND in the root, in fresh PID (and, without
# --net, network) namespaces, with its own /tmp, /run and /dev/shm.
in_root() {
    net=-n
    if [ "$1" = --net ]; then net=; shift; fi
    unshare -m $net -p -f --kill-child --mount-proc="$M/proc" chroot "$M" /bin/bash -c '
        mkdir -p /dev/shm && mount -t tmpfs tmp /tmp && mount -t tmpfs run /run && mount -t tmpfs shm /dev/shm
        ip link set lo up 2>/dev/null
        export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8
        '"$1"
}

step() {
    echo "== $1"
    t0=$(date +%s)
}
took() { echo "   ($(($(date +%s) - t0)) s)"; }

step "test data"
in_root /dropin/scripts/setup.sh
took
debver=$(chroot "$M" dpkg-query -W -f='${Version}' libmicrohttpd12)

step "column 1: Debian's libmicrohttpd12 $debver"
in_root "OURS_TLS=$OURS_TLS /dropin/scripts/checks.sh debian $DROPIN_PROGRAMS"
took

step "installing ours: apt-get install ./$(basename "$RUNTIME") ./$(basename "$DEV")"
in_root --net "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /dropin/debs/*.deb" >"$B/results/install.log" 2>&1 ||
    { tail -n 20 "$B/results/install.log"; exit 1; }
grep -E '^(Preparing|Unpacking|Setting up) libmicrohttpd' "$B/results/install.log" | sed 's/^/   /'
ourver=$(chroot "$M" dpkg-query -W -f='${Version}' libmicrohttpd12)
printf 'debian\t%s\nours\t%s\n' "$debver" "$ourver" >"$B/results/versions"
took

step "column 2: ours, libmicrohttpd12 $ourver"
in_root "OURS_TLS=$OURS_TLS /dropin/scripts/checks.sh ours $DROPIN_PROGRAMS"
took

step "packaging checks"
: >"$B/results/packaging.tsv"
in_root "/dropin/scripts/packaging.sh dev $ourver"
in_root --net "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades libmicrohttpd12=$debver libmicrohttpd-dev-" \
    >"$B/results/downgrade.log" 2>&1 || tail -n 20 "$B/results/downgrade.log"
grep -E '^(Preparing|Unpacking|Setting up|Removing) libmicrohttpd' "$B/results/downgrade.log" | sed 's/^/   /'
in_root "/dropin/scripts/packaging.sh downgrade $debver"
in_root "/dropin/scripts/packaging.sh plain"
took
