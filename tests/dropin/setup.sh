#!/bin/bash
# Makes the test data, once per run, inside the throwaway root (before the
# first column, so both columns see the same bytes): an ELF program with a
# separate debuginfo file and its source for debuginfod, journal files for
# systemd-journal-remote and -gatewayd, and a self-signed certificate for
# the HTTPS checks.
set -e
D=/srv/dropin
rm -rf "$D"
mkdir -p "$D/src" "$D/elf" "$D/journal" "$D/tls"

# A 4 MiB program (its data array is initialised, so it is in the file), built
# with debug information, then split into a stripped executable and .debug.
cat >"$D/src/hello.c" <<'C'
#include <stdio.h>
static const unsigned char blob[4 * 1024 * 1024] = { 1, 2, 3 };
int main(int argc, char **argv)
{
    (void)argv;
    printf("hello %d\n", blob[argc]);
    return 0;
}
C
gcc -g -O0 -Wl,--build-id -o "$D/elf/hello.full" "$D/src/hello.c"
objcopy --only-keep-debug "$D/elf/hello.full" "$D/elf/hello.debug"
objcopy --strip-debug --add-gnu-debuglink="$D/elf/hello.debug" "$D/elf/hello.full" "$D/elf/hello"
rm "$D/elf/hello.full"
readelf -n "$D/elf/hello" | awk '/Build ID/ {print $3}' >"$D/buildid"

# Journal entries in the export format: two short ones, then 2000 more for
# the large upload.
entry() { # entry N MESSAGE
    printf '__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n' \
        $((1700000000000000 + $1 * 1000000)) $((1000 + $1 * 1000))
    printf '_BOOT_ID=0123456789abcdef0123456789abcdef\nSYSLOG_IDENTIFIER=dropin\n'
    printf 'MESSAGE=%s\n\n' "$2"
}
{ entry 1 "hello one"; entry 2 "hello two"; } >"$D/journal/two.export"
entry 3 "hello three" >"$D/journal/three.export"
i=0
while [ $i -lt 2000 ]; do
    entry $((10 + i)) "bulk entry $i padding padding padding padding padding padding padding"
    i=$((i + 1))
done >"$D/journal/bulk.export"
J=/lib/systemd/systemd-journal-remote
$J --split-mode=none -o "$D/journal/two.journal" - <"$D/journal/two.export" 2>/dev/null
$J --split-mode=none -o "$D/journal/bulk.journal" - <"$D/journal/bulk.export" 2>/dev/null
echo 0123456789abcdef0123456789abcdef >/etc/machine-id

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$D/tls/key.pem" -out "$D/tls/cert.pem" 2>/dev/null
echo "test data ready in $D"
