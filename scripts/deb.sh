#!/bin/sh
# make deb: builds the Debian packages libmicrohttpd12 and libmicrohttpd-dev
# (and their -dbgsym) from debian/ with dpkg-buildpackage, into build/deb,
# and runs lintian on them (an error fails the build).
#
# It installs what it needs first: dpkg-dev, debhelper and lintian, then every
# Build-Depends of debian/control that is missing (apt-get build-dep), so a new
# build dependency is one line in debian/control.
#
# The packages are built from a copy of the tree in build/deb-src (the files
# git tracks, as they are in the working tree), because dpkg-buildpackage
# writes its results into the parent of the source directory.
set -e
cd "$(dirname "$0")/.."
top=$(pwd)
start=$(date +%s)

scripts/deps.sh deb
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
        dpkg-checkbuilddeps
        exit 1
    fi
    echo "Installing the build dependencies of debian/control"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get build-dep -y -qq --no-install-recommends "$top" >/dev/null
fi

version=$(dpkg-parsechangelog -S Version)
work=$top/build/deb-src
src=$work/libmicrohttpd-$version
out=$top/build/deb
rm -rf "$work"
mkdir -p "$src" "$out"
if git rev-parse --git-dir >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$src"
else
    tar --exclude=./build -cf - . | tar -xf - -C "$src"
fi

echo "Building the Debian packages of libmicrohttpd $version"
(cd "$src" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) || {
    tail -n 40 "$work/build.log"
    echo "make deb: dpkg-buildpackage failed; the whole log is $work/build.log" >&2
    exit 1
}
rm -f "$out"/*.deb "$out"/*.ddeb "$out"/*.changes "$out"/*.buildinfo
mv "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
mv "$work"/*.ddeb "$out"/ 2>/dev/null || true
changes=$(ls "$out"/*.changes)

echo "lintian $(basename "$changes"):"
status=0
lintian --fail-on error "$changes" 2>&1 | grep -v 'running with root privileges' >"$out/lintian.txt" ||
    true
lintian --fail-on error "$changes" >/dev/null 2>&1 || status=$?
if [ -s "$out/lintian.txt" ]; then sed 's/^/    /' "$out/lintian.txt"; else echo "    (nothing to report)"; fi
ls -l "$out"/*.deb "$out"/*.ddeb 2>/dev/null | awk '{print "    " $5 "\t" $NF}'
echo "make deb: packages in build/deb ($(($(date +%s) - start)) s)"
exit $status
