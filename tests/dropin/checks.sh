#!/bin/bash
# Runs every program's checks against whichever libmicrohttpd.so.12 is
# installed, inside the throwaway root, in private network and process
# namespaces (loopback only; whatever a check leaves running ends with it).
# Usage: checks.sh debian|ours [PROGRAM...]
# Programs: debuginfod journal_remote journal_gatewayd janus motion
COLUMN=$1
shift
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=${RESULTS:-/dropin/results}
OURS_TLS=${OURS_TLS:-no}
export COLUMN RESULTS OURS_TLS
mkdir -p "$RESULTS/$COLUMN"
: >"$RESULTS/$COLUMN.tsv"
. "$HERE/lib.sh"
. "$HERE/debuginfod.sh"
. "$HERE/journal.sh"
. "$HERE/janus.sh"
. "$HERE/motion.sh"

programs=${*:-debuginfod journal_remote journal_gatewayd janus motion}
lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libmicrohttpd.so.12)
echo "== $COLUMN: $lib ($(dpkg-query -W -f='${Package} ${Version}' libmicrohttpd12))"
for p in $programs; do
    "program_$p"
done
