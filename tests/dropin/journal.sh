# shellcheck shell=bash
# systemd 252: systemd-journal-remote with its client systemd-journal-upload,
# and systemd-journal-gatewayd.
#
# journal-remote runs libmicrohttpd from its own sd-event loop: MHD_USE_EPOLL
# without an internal thread, MHD's epoll descriptor watched by sd-event,
# MHD_get_timeout and MHD_run. It takes POST bodies piece by piece (the
# upload is chunked, Expect: 100-continue from curl) and answers with small
# buffers. With --listen-https it needs TLS.
#
# journal-gatewayd runs a thread per connection. Entries go out from a content
# reader of unknown size (chunked); with ?follow the reader blocks in
# sd_journal_wait until new entries come, so a reply can last minutes; /browse
# is a file-descriptor response; Range and Accept choose what is sent, query
# arguments filter. --cert/--key turn on HTTPS.

D=/srv/dropin
JR=/lib/systemd/systemd-journal-remote
JU=/lib/systemd/systemd-journal-upload
JG=/lib/systemd/systemd-journal-gatewayd
JO_W=/tmp/journal

# messages FILE: the MESSAGE of every entry in a journal file, one a line.
messages() {
    journalctl --file="$1" -o cat 2>/dev/null
}

jr_start() {
    wait_port 19532 || return 1
    echo "listening, loaded $(libfile "$JR_PID")"
}

jr_upload() {
    $JU --follow=no --url=http://127.0.0.1:19532 --file=$D/journal/two.journal || return 1
    sleep 0.5
    messages $JO_W/remote.journal
    [ "$(messages $JO_W/remote.journal | grep -c '^hello one$')" = 1 ] &&
        [ "$(messages $JO_W/remote.journal | grep -c '^hello two$')" = 1 ] || return 1
    echo "both entries arrived once"
}

jr_bulk() {
    # 2000 entries, about 400 KB, in one chunked POST.
    before=$(messages $JO_W/remote.journal | grep -c '^bulk entry')
    $JU --follow=no --url=http://127.0.0.1:19532 --file=$D/journal/bulk.journal || return 1
    sleep 0.5
    n=$(($(messages $JO_W/remote.journal | grep -c '^bulk entry') - before))
    echo "$n of 2000 bulk entries arrived, in order: $(messages $JO_W/remote.journal | grep '^bulk entry' | awk '{print $3}' | sort -n -c 2>&1 >/dev/null && echo yes || echo no)"
    [ "$n" = 2000 ]
}

jr_post() { # jr_post DESCRIPTION EXPECTED-STATUS CURL-ARGS...
    want=$2
    shift 2
    $C -v -o $JO_W/body "$@" 2>$JO_W/v || return 1
    show $JO_W/v $JO_W/body
    got=$(grep -a '^< HTTP/' $JO_W/v | awk '{print $3}' | tr '\n' ' ' | sed 's/ $//')
    echo "status $got: $(head -n 1 $JO_W/body)"
    [ "$got" = "$want" ]
}

jr_curl_length() {
    jr_post x 202 -H 'Content-Type: application/vnd.fdo.journal' \
        --data-binary @$D/journal/three.export http://127.0.0.1:19532/upload
}

jr_curl_chunked() {
    jr_post x 202 -H 'Content-Type: application/vnd.fdo.journal' -H 'Transfer-Encoding: chunked' \
        --data-binary @$D/journal/three.export http://127.0.0.1:19532/upload
}

jr_expect() {
    jr_post x "100 202" -H 'Content-Type: application/vnd.fdo.journal' -H 'Expect: 100-continue' \
        --data-binary @$D/journal/three.export http://127.0.0.1:19532/upload
}

jr_wrong_type() {
    jr_post x 415 -H 'Content-Type: text/plain' --data-binary @$D/journal/three.export \
        http://127.0.0.1:19532/upload
}

jr_garbage() {
    # The program's own answer to a body it cannot parse.
    jr_post x 417 -H 'Content-Type: application/vnd.fdo.journal' --data-binary 'no journal here' \
        http://127.0.0.1:19532/upload
}

jr_get() {
    jr_post x 406 http://127.0.0.1:19532/upload
}

jr_notfound() {
    jr_post x 404 -H 'Content-Type: application/vnd.fdo.journal' --data-binary @$D/journal/three.export \
        http://127.0.0.1:19532/other
}

jr_https() {
    wait_port 19533 10 || return 1
    $JU --follow=no --url=https://127.0.0.1:19533 --key=$D/tls/key.pem --cert=$D/tls/cert.pem \
        --trust=all --file=$D/journal/two.journal || return 1
    sleep 0.5
    [ "$(messages $JO_W/tls.journal | grep -c '^hello')" = 2 ] || return 1
    echo "2 entries arrived over HTTPS"
}

gw_get() { # gw_get NAME PATH [CURL-ARGS...]: GET into $JO_W/NAME.h and $JO_W/NAME.body
    n=$1 p=$2
    shift 2
    fetch $JO_W "$n" "http://127.0.0.1:19531$p" "$@"
}

gw_start() {
    wait_port 19531 || return 1
    echo "listening, loaded $(libfile "$GW_PID")"
}

gw_machine() {
    gw_get m /machine || return 1
    [ "$(status $JO_W/m.h)" = 200 ] || return 1
    id=$(jq -r .machine_id $JO_W/m.body) || return 1
    echo "200 $(header $JO_W/m.h Content-Type), machine_id $id"
    [ "$id" = 0123456789abcdef0123456789abcdef ]
}

gw_entries() {
    gw_get e /entries -H 'Accept: application/json' || return 1
    [ "$(status $JO_W/e.h)" = 200 ] || return 1
    msgs=$(jq -r .MESSAGE $JO_W/e.body | tr '\n' ',')
    echo "200 $(header $JO_W/e.h Transfer-Encoding), messages: $msgs"
    [ "$msgs" = "hello one,hello two," ] && [ "$(header $JO_W/e.h Transfer-Encoding)" = chunked ]
}

gw_range() {
    gw_get r /entries -H 'Accept: text/plain' -H 'Range: entries=:1:1' || return 1
    [ "$(status $JO_W/r.h)" = 200 ] || return 1
    echo "200, $(grep -c . $JO_W/r.body) line: $(cut -d' ' -f4- $JO_W/r.body)"
    [ "$(grep -c . $JO_W/r.body)" = 1 ] && grep -q 'hello two$' $JO_W/r.body
}

gw_filter() {
    gw_get f '/entries?MESSAGE=hello%20two' -H 'Accept: application/json' || return 1
    msgs=$(jq -r .MESSAGE $JO_W/f.body | tr '\n' ',')
    echo "$(status $JO_W/f.h), messages: $msgs"
    [ "$msgs" = "hello two," ]
}

gw_fields() {
    gw_get fl /fields/MESSAGE || return 1
    v=$(sort $JO_W/fl.body | tr '\n' ',')
    echo "$(status $JO_W/fl.h), values: $v"
    [ "$v" = "hello one,hello two," ]
}

gw_export() {
    gw_get x /entries -H 'Accept: application/vnd.fdo.journal' || return 1
    echo "$(status $JO_W/x.h) $(header $JO_W/x.h Content-Type), $(grep -ac '^MESSAGE=' $JO_W/x.body) entries in export format"
    [ "$(grep -ac '^MESSAGE=hello' $JO_W/x.body)" = 2 ]
}

gw_browse() {
    f=/usr/share/systemd/gatewayd/browse.html
    gw_get b /browse >/dev/null || return 1
    show $JO_W/b.h
    [ "$(status $JO_W/b.h)" = 200 ] && cmp $JO_W/b.body $f || return 1
    echo "200 $(header $JO_W/b.h Content-Type), Content-Length $(header $JO_W/b.h Content-Length), same bytes as $f"
}

gw_notfound() {
    gw_get n /nope || return 1
    echo "$(status $JO_W/n.h) $(head -n 1 $JO_W/n.body)"
    [ "$(status $JO_W/n.h)" = 404 ]
}

gw_head() {
    # The program serves only GET: its 406 page, headers only.
    $C -I http://127.0.0.1:19531/machine >$JO_W/hd || return 1
    show $JO_W/hd
    echo "HEAD: $(status $JO_W/hd), Content-Length $(header $JO_W/hd Content-Length)"
    [ "$(status $JO_W/hd)" = 406 ]
}

gw_follow() {
    # Three clients follow the journal (each blocks a thread in the content
    # reader); a plain request is still answered at once; then a new journal
    # file appears and every follower receives its entry.
    pids=""
    for i in 1 2 3; do
        $C --max-time 8 -N -H 'Accept: application/json' 'http://127.0.0.1:19531/entries?follow' >$JO_W/follow$i 2>/dev/null &
        pids="$pids $!"
    done
    sleep 1.5
    t0=$(date +%s%N)
    $C -o /dev/null http://127.0.0.1:19531/machine || return 1
    ms=$((($(date +%s%N) - t0) / 1000000))
    $JR --split-mode=none -o $JO_W/dir/three.journal - <$D/journal/three.export 2>/dev/null
    wait $pids
    got=0
    for i in 1 2 3; do
        show $JO_W/follow$i
        [ "$(jq -r .MESSAGE $JO_W/follow$i 2>/dev/null | tr '\n' ',')" = "hello one,hello two,hello three," ] && got=$((got + 1))
    done
    echo "GET /machine took $ms ms with 3 followers"
    echo "GET /machine answered within 1 s while 3 followers waited; $got of 3 followers got the new entry"
    [ $got = 3 ] && [ $ms -lt 1000 ]
}

gw_sse() {
    $C --max-time 2 -N -H 'Accept: text/event-stream' 'http://127.0.0.1:19531/entries?follow' >$JO_W/sse 2>/dev/null
    show $JO_W/sse
    n=$(grep -c '^data: {' $JO_W/sse)
    echo "$n server-sent events"
    [ "$n" = 3 ]
}

gw_https() {
    wait_port 19531 10 || return 1
    $C -k -D $JO_W/s.h -o $JO_W/s.body https://127.0.0.1:19531/machine || return 1
    show $JO_W/s.h
    [ "$(status $JO_W/s.h)" = 200 ] && [ "$(jq -r .machine_id $JO_W/s.body)" = 0123456789abcdef0123456789abcdef ] || return 1
    echo "200 over HTTPS"
}

program_journal_remote() {
    echo "systemd-journal-remote:"
    rm -rf $JO_W
    mkdir -p $JO_W
    bg $JO_W/remote.log $JR --listen-http=19532 --split-mode=none -o $JO_W/remote.journal
    JR_PID=$LAST_PID
    check jremote.start "listens (sd-event loop over MHD's epoll fd)" jr_start
    check jremote.upload "systemd-journal-upload: chunked POST, entries arrive once" jr_upload
    check jremote.bulk "systemd-journal-upload: 2000 entries in one chunked POST" jr_bulk
    check jremote.length "curl POST with Content-Length: 202" jr_curl_length
    check jremote.chunked "curl POST with Transfer-Encoding: chunked: 202" jr_curl_chunked
    check jremote.expect "Expect: 100-continue: 100, then 202" jr_expect
    check jremote.type "wrong Content-Type: the program's 415" jr_wrong_type
    check jremote.garbage "unparsable body: the program's 417" jr_garbage
    check jremote.get "GET: the program's 406" jr_get
    check jremote.notfound "POST to another path: 404" jr_notfound
    keep $JO_W/remote.log journal-remote.server.log
    stop_all
    # Debian builds it without --trust: client certificates are not checked.
    bg $JO_W/tls.log $JR --listen-https=19533 --key=$D/tls/key.pem --cert=$D/tls/cert.pem \
        --split-mode=none -o $JO_W/tls.journal
    check_tls jremote.https "--listen-https: upload over HTTPS (needs MHD_USE_TLS)" jr_https
    keep $JO_W/tls.log journal-remote-https.server.log
    stop_all
}

program_journal_gatewayd() {
    echo "systemd-journal-gatewayd:"
    rm -rf $JO_W
    mkdir -p $JO_W/dir
    cp $D/journal/two.journal $JO_W/dir/
    bg $JO_W/gw.log $JG -D $JO_W/dir
    GW_PID=$LAST_PID
    check gatewayd.start "listens (thread per connection)" gw_start
    check gatewayd.machine "GET /machine: JSON, Content-Length" gw_machine
    check gatewayd.entries "GET /entries as JSON: chunked reply from a content reader" gw_entries
    check gatewayd.range "Range: entries=:1:1 (skip one, send one)" gw_range
    check gatewayd.filter "query argument filter (percent-decoded)" gw_filter
    check gatewayd.fields "GET /fields/MESSAGE" gw_fields
    check gatewayd.export "Accept: application/vnd.fdo.journal" gw_export
    check gatewayd.browse "GET /browse: a file-descriptor response" gw_browse
    check gatewayd.notfound "unknown path: 404" gw_notfound
    check gatewayd.head "HEAD: the program's 406, headers only" gw_head
    check gatewayd.follow "3 followers block in the reader; others still served; new entry reaches all" gw_follow
    check gatewayd.sse "Accept: text/event-stream with ?follow" gw_sse
    keep $JO_W/gw.log gatewayd.server.log
    stop_all
    bg $JO_W/gws.log $JG -D $JO_W/dir --cert=$D/tls/cert.pem --key=$D/tls/key.pem
    check_tls gatewayd.https "--cert/--key: GET /machine over HTTPS (needs MHD_USE_TLS)" gw_https
    keep $JO_W/gws.log gatewayd-https.server.log
    stop_all
}
