# shellcheck shell=bash
# Helpers for the drop-in checks; sourced by checks.sh inside the throwaway
# root. Each check is a shell function that prints what it saw (its last line
# is the observation shown in the report) and returns 0 when the program
# answered as it should.
#
# COLUMN is "debian" or "ours"; results go to $RESULTS/$COLUMN.tsv as
#   id <TAB> PASS|FAIL|XFAIL|XPASS <TAB> observation <TAB> description
# and each check's whole output to $RESULTS/$COLUMN/<id>.log.

PIDS=""

# check ID DESCRIPTION FUNCTION [ARGS...]
check() {
    _id=$1 _desc=$2
    shift 2
    _log=$RESULTS/$COLUMN/$_id.log
    if "$@" >"$_log" 2>&1; then _res=PASS; else _res=FAIL; fi
    _obs=$(grep -a -v '^[[:space:]]*$' "$_log" | tail -n 1 | tr '\t' ' ' | cut -c1-110)
    [ -n "$_obs" ] || _obs="(no output)"
    printf '%s\t%s\t%s\t%s\n' "$_id" "$_res" "$_obs" "$_desc" >>"$RESULTS/$COLUMN.tsv"
    printf '  %-5s %-28s %s\n' "$_res" "$_id" "$_obs"
}

# check_tls ID DESCRIPTION FUNCTION [ARGS...]: a check over HTTPS. On our
# library without TLS support (OURS_TLS=no) a failure is expected (XFAIL) and
# a pass is reported as XPASS.
check_tls() {
    if [ "$COLUMN" = ours ] && [ "$OURS_TLS" = no ]; then
        _id=$1 _desc=$2
        shift 2
        _log=$RESULTS/$COLUMN/$_id.log
        if "$@" >"$_log" 2>&1; then _res=XPASS; else _res=XFAIL; fi
        _obs="$(grep -a -v '^[[:space:]]*$' "$_log" | tail -n 1 | tr '\t' ' ' | cut -c1-80) (no TLS in this build)"
        printf '%s\t%s\t%s\t%s\n' "$_id" "$_res" "$_obs" "$_desc" >>"$RESULTS/$COLUMN.tsv"
        printf '  %-5s %-28s %s\n' "$_res" "$_id" "$_obs"
    else
        check "$@"
    fi
}

# bg LOGFILE COMMAND...: starts a server in the background.
bg() {
    _l=$1
    shift
    "$@" >"$_l" 2>&1 &
    PIDS="$PIDS $!"
    # shellcheck disable=SC2034 # read by the program files
    LAST_PID=$!
}

# stop_all: ends every server this program's checks started.
stop_all() {
    for _p in $PIDS; do kill "$_p" 2>/dev/null; done
    for _i in 1 2 3 4 5 6 7 8 9 10; do
        _alive=""
        for _p in $PIDS; do kill -0 "$_p" 2>/dev/null && _alive="$_alive $_p"; done
        [ -z "$_alive" ] && break
        sleep 0.3
    done
    for _p in $_alive; do kill -9 "$_p" 2>/dev/null; done
    wait 2>/dev/null
    PIDS=""
}

# wait_port PORT [SECONDS]: until something listens on 127.0.0.1:PORT.
wait_port() {
    _n=$((${2:-15} * 10))
    while [ "$_n" -gt 0 ]; do
        if bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; then return 0; fi
        sleep 0.1
        _n=$((_n - 1))
    done
    echo "nothing listens on port $1"
    return 1
}

# libfile PID: the libmicrohttpd file a running process has loaded.
libfile() {
    grep -o '/[^ ]*libmicrohttpd[^ ]*' "/proc/$1/maps" 2>/dev/null | head -n 1
}

# status FILE: the last HTTP status code in a curl -i/-D dump.
status() {
    grep -a '^HTTP/' "$1" | tail -n 1 | awk '{print $2}'
}

# header FILE NAME: the value of a response header in a curl dump.
header() {
    grep -a -i "^$2:" "$1" | tail -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'
}

C="curl -sS --max-time 20"

# fetch DIR NAME URL [CURL-ARGS...]: GET into DIR/NAME.h and DIR/NAME.body,
# and print the head and the start of the body.
fetch() {
    _d=$1 _n=$2 _u=$3
    shift 3
    $C -D "$_d/$_n.h" -o "$_d/$_n.body" "$@" "$_u" || return 1
    show "$_d/$_n.h"
    head -c 2000 "$_d/$_n.body"
    echo
}

# show FILE...: prints files for the log, each ending with a newline, so the
# observation printed after them is a line of its own.
show() {
    for _f; do
        cat "$_f" 2>/dev/null
        echo
    done
}

# keep FILE NAME: copies a server's log into the results.
keep() {
    cp "$1" "$RESULTS/$COLUMN/$2" 2>/dev/null
}
