# shellcheck shell=bash
# debuginfod (elfutils 0.188) and its client debuginfod-find.
# debuginfod serves files by build ID from a pool of 4 threads with epoll,
# on a dual-stack IPv6 socket; every file goes out as a file-descriptor
# response (sendfile), errors as small buffers; /metrics is a text page.

D=/srv/dropin
DI_W=/tmp/debuginfod
DI_BID=$(cat $D/buildid 2>/dev/null)
DI_URL=http://127.0.0.1:8002

# client ARGS...: debuginfod-find against our server only (the server itself
# must not see DEBUGINFOD_URLS, or it would ask itself for what it lacks).
client() {
    DEBUGINFOD_URLS=$DI_URL DEBUGINFOD_TIMEOUT=20 DEBUGINFOD_CACHE_PATH=${DEBUGINFOD_CACHE_PATH:-$DI_W/cache} \
        debuginfod-find "$@"
}

di_start() {
    wait_port 8002 20 || return 1
    # The first scan is done when the traversal and scan queues are empty
    # and both files are counted.
    for _i in $(seq 100); do
        m=$($C $DI_URL/metrics) || true
        if echo "$m" | grep -q 'scanned_files_total{source="file"} 2' &&
            echo "$m" | grep -q 'thread_work_pending{role="scan"} 0'; then
            grep -o 'libmicrohttpd version.*' $DI_W/log
            echo "loaded $(libfile "$DI_PID"), scan done"
            return 0
        fi
        sleep 0.2
    done
    echo "$m" | grep -E 'scanned|work_pending|busy'
    echo "scan not finished"
    return 1
}

di_find() { # di_find KIND FILE-TO-COMPARE [SOURCE-PATH]
    rm -rf $DI_W/cache
    out=$(client "$1" "$DI_BID" $3) || return 1
    cmp "$out" "$2" || return 1
    echo "$1: $(stat -c %s "$out") bytes, identical"
}

di_missing() {
    rm -rf $DI_W/cache
    if client executable \
        0123456789abcdef0123456789abcdef01234567 2>$DI_W/err; then
        return 1
    fi
    show $DI_W/err
    grep -q 'No such file or directory' $DI_W/err
}

di_headers() {
    $C -D $DI_W/h -o $DI_W/body $DI_URL/buildid/$DI_BID/executable || return 1
    show $DI_W/h
    [ "$(status $DI_W/h)" = 200 ] || return 1
    [ "$(header $DI_W/h Content-Length)" = "$(stat -c %s $D/elf/hello)" ] || return 1
    [ "$(header $DI_W/h X-DEBUGINFOD-SIZE)" = "$(stat -c %s $D/elf/hello)" ] || return 1
    cmp $DI_W/body $D/elf/hello || return 1
    echo "200, Content-Length and X-DEBUGINFOD-SIZE $(header $DI_W/h Content-Length), X-DEBUGINFOD-FILE $(header $DI_W/h X-DEBUGINFOD-FILE)"
}

di_head() {
    # debuginfod 0.188 answers only GET; HEAD gets its 400 page, without body.
    $C -I $DI_URL/buildid/$DI_BID/executable >$DI_W/h || return 1
    show $DI_W/h
    [ "$(status $DI_W/h)" = 400 ] || return 1
    echo "HEAD: $(status $DI_W/h), Content-Length $(header $DI_W/h Content-Length), no body"
}

di_badid() {
    $C -D $DI_W/h -o $DI_W/body $DI_URL/buildid/zz/executable || return 1
    show $DI_W/h $DI_W/body
    echo
    [ "$(status $DI_W/h)" = 503 ] && grep -q 'invalid buildid' $DI_W/body || return 1
    echo "$(status $DI_W/h) $(cat $DI_W/body)"
}

di_metrics() {
    $C -D $DI_W/h -o $DI_W/body $DI_URL/metrics || return 1
    [ "$(status $DI_W/h)" = 200 ] || return 1
    grep -q '^http_responses_total' $DI_W/body && grep -q '^thread_busy{role="http-buildid"}' $DI_W/body ||
        grep -q '^thread_busy' $DI_W/body || return 1
    echo "200 $(header $DI_W/h Content-Type), Prometheus text with thread_busy and http_responses_total"
}

di_parallel() {
    # Eight clients at once fetch the 4 MiB file (4 worker threads).
    pids=""
    for i in 1 2 3 4 5 6 7 8; do
        (DEBUGINFOD_CACHE_PATH=$DI_W/pc$i client executable "$DI_BID" >$DI_W/pout$i 2>&1) &
        pids="$pids $!"
    done
    wait $pids
    ok=0
    for i in 1 2 3 4 5 6 7 8; do
        cmp "$(tail -n 1 $DI_W/pout$i)" $D/elf/hello && ok=$((ok + 1))
    done
    echo "$ok of 8 parallel downloads identical"
    [ $ok = 8 ]
}

di_keepalive() {
    # Three GETs over one connection: the connection stays open after a
    # sendfile body.
    u=$DI_URL/buildid/$DI_BID/executable
    $C -o /dev/null -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' "$u" "$u" "$u" >$DI_W/ka || return 1
    show $DI_W/ka
    [ "$(awk '{s += $2} END {print s}' $DI_W/ka)" = 1 ] && [ "$(grep -c '^200 ' $DI_W/ka)" = 3 ] || return 1
    echo "3 x 200 over $(awk '{s += $2} END {print s}' $DI_W/ka) connection"
}

program_debuginfod() {
    echo "debuginfod:"
    rm -rf $DI_W
    mkdir -p $DI_W
    bg $DI_W/log env -u DEBUGINFOD_URLS debuginfod -v -p 8002 -d $DI_W/db.sqlite -t 0 -g 0 -F $D/elf
    DI_PID=$LAST_PID
    check debuginfod.start "starts and indexes the ELF directory (-F)" di_start
    check debuginfod.executable "debuginfod-find executable: the 4 MiB file, byte for byte" di_find executable $D/elf/hello
    check debuginfod.debuginfo "debuginfod-find debuginfo: the separate .debug file" di_find debuginfo $D/elf/hello.debug
    check debuginfod.source "debuginfod-find source: a source file named in the DWARF" di_find source $D/src/hello.c $D/src/hello.c
    check debuginfod.missing "unknown build ID: 404, the client says No such file" di_missing
    check debuginfod.headers "GET by curl: status, Content-Length, X-DEBUGINFOD-* headers" di_headers
    check debuginfod.head "HEAD: the program's 400, headers only" di_head
    check debuginfod.badid "malformed build ID: the program's 503 page" di_badid
    check debuginfod.metrics "GET /metrics (Prometheus text)" di_metrics
    check debuginfod.parallel "8 clients at once on the 4-thread pool" di_parallel
    check debuginfod.keepalive "3 requests on one keep-alive connection" di_keepalive
    keep $DI_W/log debuginfod.server.log
    stop_all
}
