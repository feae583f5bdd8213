# shellcheck shell=bash
# Janus WebRTC server 1.1.2, its REST transport (janus_http).
#
# The public API on 8088 runs a thread per connection (threads = "unlimited"),
# the admin API on 7088 a pool of 2 threads. Long polls (GET /janus/<session>)
# are suspended with MHD_suspend_connection and resumed when an event comes or
# after 30 s of nothing; requests are JSON POST bodies; replies are chunked.

JA_W=/tmp/janus
JA_API=http://127.0.0.1:8088/janus
JA_ADMIN=http://127.0.0.1:7088/admin
JA_PLUGINS=/usr/lib/x86_64-linux-gnu/janus

others() { # others DIR NAME: the libjanus_*.so in DIR but libjanus_NAME.so, comma-separated
    for f in "$1"/libjanus_*.so; do
        f=${f##*/}
        [ "$f" = "libjanus_$2.so" ] || printf '%s,' "$f"
    done | sed 's/,$//'
}

janus_config() {
    mkdir -p $JA_W/cfg
    # Only the echotest plugin and the HTTP transport are loaded.
    off_plugins=$(others $JA_PLUGINS/plugins echotest)
    off_transports=$(others $JA_PLUGINS/transports http)
    cat >$JA_W/cfg/janus.jcfg <<J
general: {
    configs_folder = "$JA_W/cfg"
    plugins_folder = "$JA_PLUGINS/plugins"
    transports_folder = "$JA_PLUGINS/transports"
    events_folder = "$JA_PLUGINS/events"
    loggers_folder = "$JA_PLUGINS/loggers"
    debug_level = 4
    admin_secret = "overlord"
}
plugins: { disable = "$off_plugins" }
transports: { disable = "$off_transports" }
events: { broadcast = false }
nat: { ice_lite = true }
media: { }
J
    if [ "$1" = https ]; then
        # The same two servers over HTTPS only, on other ports.
        cat >$JA_W/cfg/janus.transport.http.jcfg <<J
general: { json = "plain", base_path = "/janus", http = false, https = true, secure_port = 8089, threads = "unlimited" }
admin: { admin_base_path = "/admin", admin_http = false, admin_https = true, admin_secure_port = 7889, admin_threads = 2 }
cors: { }
certificates: { cert_pem = "/srv/dropin/tls/cert.pem", cert_key = "/srv/dropin/tls/key.pem" }
J
    else
        cat >$JA_W/cfg/janus.transport.http.jcfg <<J
general: { json = "plain", base_path = "/janus", http = true, port = 8088, https = false, threads = "unlimited" }
admin: { admin_base_path = "/admin", admin_http = true, admin_port = 7088, admin_https = false, admin_threads = 2 }
cors: { }
J
    fi
    echo 'general: { }' >$JA_W/cfg/janus.plugin.echotest.jcfg
}

post() { # post URL JSON: prints the reply body
    $C -H 'Content-Type: application/json' --data-binary "$2" "$1"
}

new_session() {
    post $JA_API '{"janus":"create","transaction":"c"}' | jq -r .data.id
}

attach() { # attach SESSION
    post $JA_API/$1 '{"janus":"attach","plugin":"janus.plugin.echotest","transaction":"a"}' | jq -r .data.id
}

ja_start() {
    wait_port 8088 20 && wait_port 7088 5 || return 1
    echo "listening, loaded $(libfile "$JA_PID")"
}

ja_info() {
    $C -D $JA_W/h -o $JA_W/b $JA_API/info || return 1
    show $JA_W/h $JA_W/b
    v=$(jq -r .version_string $JA_W/b)
    echo "$(status $JA_W/h) $(header $JA_W/h Transfer-Encoding), server_info version $v"
    [ "$(jq -r .janus $JA_W/b)" = server_info ] && [ "$(header $JA_W/h Transfer-Encoding)" = chunked ]
}

ja_session() {
    S=$(new_session)
    H=$(attach "$S")
    echo "session $S, echotest handle $H"
    echo "session and echotest handle created"
    [ -n "$S" ] && [ "$S" != null ] && [ -n "$H" ] && [ "$H" != null ]
}

ja_longpoll() {
    # A long poll waits (suspended); a message to the plugin produces an event
    # that resumes it.
    S=$(new_session) && H=$(attach "$S") || return 1
    t0=$(date +%s%N)
    $C --max-time 40 "$JA_API/$S?maxev=1" >$JA_W/lp &
    lp=$!
    sleep 1
    post "$JA_API/$S/$H" '{"janus":"message","body":{"audio":false},"transaction":"m"}' || return 1
    echo
    wait $lp
    ms=$((($(date +%s%N) - t0) / 1000000))
    show $JA_W/lp
    echo "event after $ms ms (1000 ms of waiting first)"
    echo "the long poll returned the plugin's event (result $(jq -r '.plugindata.data.result' $JA_W/lp)) within 5 s"
    [ "$(jq -r .janus $JA_W/lp)" = event ] && [ "$(jq -r .plugindata.data.result $JA_W/lp)" = ok ] && [ $ms -lt 5000 ]
}

ja_many() {
    # Six sessions long-poll at once (six suspended connections, six threads);
    # each gets its own event.
    pids=""
    for i in 1 2 3 4 5 6; do
        s=$(new_session) && h=$(attach "$s") || return 1
        echo "$s $h" >$JA_W/m$i
        $C --max-time 40 "$JA_API/$s?maxev=1" >$JA_W/mlp$i &
        pids="$pids $!"
    done
    sleep 1
    for i in 1 2 3 4 5 6; do
        read -r s h <$JA_W/m$i
        post "$JA_API/$s/$h" "{\"janus\":\"message\",\"body\":{\"video\":false},\"transaction\":\"t$i\"}" >/dev/null
    done
    wait $pids
    ok=0
    for i in 1 2 3 4 5 6; do
        [ "$(jq -r .transaction $JA_W/mlp$i)" = "t$i" ] && ok=$((ok + 1))
    done
    echo "$ok of 6 long polls got their own event"
    [ $ok = 6 ]
}

ja_idle_start() {
    # Started early, checked at the end: a long poll with no event comes back
    # with a keepalive after Janus's 30 s.
    IDLE_S=$(new_session)
    IDLE_T0=$(date +%s)
    $C --max-time 45 "$JA_API/$IDLE_S" >$JA_W/idle 2>&1 &
    IDLE_PID=$!
}

ja_idle() {
    wait $IDLE_PID
    secs=$(($(date +%s) - IDLE_T0))
    show $JA_W/idle
    echo "after $secs s: $(jq -r .janus $JA_W/idle)"
    [ "$(jq -r .janus $JA_W/idle)" = keepalive ] && [ $secs -ge 25 ] && [ $secs -le 40 ]
}

ja_cors() {
    $C -X OPTIONS -H 'Origin: http://example.org' -H 'Access-Control-Request-Method: POST' \
        -D $JA_W/h -o /dev/null $JA_API || return 1
    show $JA_W/h
    echo "$(status $JA_W/h), Allow-Methods $(header $JA_W/h Access-Control-Allow-Methods), Allow-Origin $(header $JA_W/h Access-Control-Allow-Origin)"
    [ "$(status $JA_W/h)" = 200 ] && [ "$(header $JA_W/h Access-Control-Allow-Methods)" = POST ]
}

ja_error() { # ja_error URL BODY CODE LABEL: Janus answers with its error CODE
    post "$1" "$2" >$JA_W/err || return 1
    show $JA_W/err
    echo "$4: error $(jq -r .error.code $JA_W/err)"
    [ "$(jq -r .error.code $JA_W/err)" = "$3" ]
}

ja_big() {
    # A 256 KiB transaction string goes in a POST body and comes back in the
    # chunked reply.
    t=$(head -c 196608 /dev/urandom | base64 -w0)
    printf '{"janus":"info","transaction":"%s"}' "$t" >$JA_W/big.json
    $C -H 'Content-Type: application/json' --data-binary @$JA_W/big.json $JA_API >$JA_W/big || return 1
    echo "sent $(stat -c %s $JA_W/big.json) bytes, reply $(stat -c %s $JA_W/big) bytes, transaction echoed: $([ "$(jq -r .transaction $JA_W/big)" = "$t" ] && echo yes || echo no)"
    [ "$(jq -r .transaction $JA_W/big)" = "$t" ]
}

ja_admin() {
    S=$(new_session)
    post $JA_ADMIN '{"janus":"list_sessions","transaction":"l","admin_secret":"overlord"}' >$JA_W/adm || return 1
    show $JA_W/adm
    echo "admin (thread pool): list_sessions has the new session: $(jq ".sessions | index($S) != null" $JA_W/adm)"
    [ "$(jq ".sessions | index($S) != null" $JA_W/adm)" = true ]
}

ja_destroy() {
    # After destroy, a long poll on the session is a 404 and a request to it
    # Janus's error 458.
    S=$(new_session)
    post "$JA_API/$S" '{"janus":"destroy","transaction":"d"}' >$JA_W/d || return 1
    $C -D $JA_W/h2 -o $JA_W/d2 "$JA_API/$S" || return 1
    post "$JA_API/$S" '{"janus":"keepalive","transaction":"k"}' >$JA_W/d3 || return 1
    show $JA_W/d $JA_W/h2 $JA_W/d2 $JA_W/d3
    echo "destroy: $(jq -r .janus $JA_W/d); long poll: $(status $JA_W/h2); keepalive: error $(jq -r .error.code $JA_W/d3)"
    [ "$(jq -r .janus $JA_W/d)" = success ] && [ "$(status $JA_W/h2)" = 404 ] && [ "$(jq -r .error.code $JA_W/d3)" = 458 ]
}

ja_notfound() {
    $C -D $JA_W/h -o /dev/null http://127.0.0.1:8088/nope || return 1
    show $JA_W/h
    echo "$(status $JA_W/h)"
    [ "$(status $JA_W/h)" = 404 ]
}

ja_https() {
    # A long poll resumed by an event, and the admin pool, over HTTPS.
    wait_port 8089 20 && wait_port 7889 5 || return 1
    JA_API=https://127.0.0.1:8089/janus JA_ADMIN=https://127.0.0.1:7889/admin C="$C -k" ja_longpoll || return 1
    JA_API=https://127.0.0.1:8089/janus JA_ADMIN=https://127.0.0.1:7889/admin C="$C -k" ja_admin || return 1
    echo "over HTTPS: long poll resumed by its event; admin pool answered"
}

program_janus() {
    echo "janus:"
    rm -rf $JA_W
    mkdir -p $JA_W
    janus_config
    bg $JA_W/log janus -F $JA_W/cfg -C $JA_W/cfg/janus.jcfg
    JA_PID=$LAST_PID
    check janus.start "listens: API (thread per connection) and admin (pool)" ja_start
    ja_idle_start
    check janus.info "GET /janus/info: chunked JSON" ja_info
    check janus.session "POST create + attach (JSON bodies)" ja_session
    check janus.longpoll "long poll suspended, resumed by a plugin event" ja_longpoll
    check janus.many "6 long polls at once, each resumed by its event" ja_many
    check janus.cors "OPTIONS preflight: CORS headers" ja_cors
    check janus.badjson "invalid JSON body: error 454" ja_error $JA_API "not json" 454 "invalid JSON"
    check janus.big "256 KiB POST body in, 256 KiB chunked reply out" ja_big
    check janus.admin "admin API on a 2-thread pool" ja_admin
    check janus.secret "admin API, wrong secret: error 403" ja_error $JA_ADMIN \
        '{"janus":"list_sessions","transaction":"l","admin_secret":"wrong"}' 403 "wrong admin secret"
    check janus.destroy "destroy a session: its long poll 404, requests error 458" ja_destroy
    check janus.notfound "unknown path: 404" ja_notfound
    check janus.idle "long poll with no event: keepalive after 30 s" ja_idle
    keep $JA_W/log janus.server.log
    stop_all
    rm -rf $JA_W/cfg
    janus_config https
    bg $JA_W/tls.log janus -F $JA_W/cfg -C $JA_W/cfg/janus.jcfg
    check_tls janus.https "HTTPS: long poll suspended and resumed, admin pool (needs MHD_USE_TLS)" ja_https
    keep $JA_W/tls.log janus-https.server.log
    stop_all
}
