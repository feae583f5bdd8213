# shellcheck shell=bash
# Motion 4.5.1: its web control (8080) behind HTTP Digest authentication and
# its camera stream (8081) behind Basic authentication, each a thread per
# connection. Digest uses MHD_digest_auth_check with MHD_OPTION_DIGEST_AUTH_RANDOM
# and MHD_OPTION_NONCE_NC_SIZE, and MHD_queue_auth_fail_response; the stream
# is an endless multipart/x-mixed-replace reply from a content reader (there
# is no camera here, so Motion streams its "no camera" picture).

MO_W=/tmp/motion
MO_CTL=http://127.0.0.1:8080
MO_STREAM=http://127.0.0.1:8081

mo_start() {
    wait_port 8080 20 && wait_port 8081 5 || return 1
    echo "listening, loaded $(libfile "$MO_PID")"
}

mo_get() { # mo_get NAME URL [CURL-ARGS...]
    n=$1 u=$2
    shift 2
    fetch $MO_W "$n" "$u" "$@"
}

mo_challenge() {
    mo_get c $MO_CTL/ || return 1
    a=$(header $MO_W/c.h WWW-Authenticate)
    echo "$(status $MO_W/c.h); challenge: $(echo "$a" | sed 's/nonce="[^"]*"/nonce=.../; s/opaque="[^"]*"/opaque=.../')"
    [ "$(status $MO_W/c.h)" = 401 ] && echo "$a" | grep -q '^Digest realm="Motion"' && echo "$a" | grep -q 'nonce="'
}

mo_digest_ok() {
    mo_get d $MO_CTL/ --digest -u alice:secret || return 1
    echo "$(status $MO_W/d.h), $(grep -o '<title>[^<]*</title>' $MO_W/d.body)"
    [ "$(status $MO_W/d.h)" = 200 ] && grep -q '<title>Motion</title>' $MO_W/d.body
}

mo_digest_wrong() {
    mo_get w $MO_CTL/ --digest -u alice:wrong || return 1
    echo "wrong password: $(status $MO_W/w.h)"
    [ "$(status $MO_W/w.h)" = 401 ]
}

mo_digest_user() {
    mo_get u $MO_CTL/ --digest -u mallory:secret || return 1
    echo "unknown user: $(status $MO_W/u.h)"
    [ "$(status $MO_W/u.h)" = 401 ]
}

mo_digest_nc() {
    # Four requests on one connection: curl reuses the nonce with nc=2,3,4.
    u=$MO_CTL/0/detection/status
    $C --digest -u alice:secret -w '%{http_code} %{num_connects}\n' -o /dev/null -o /dev/null \
        -o /dev/null -o /dev/null "$u" "$u" "$u" "$u" >$MO_W/nc || return 1
    show $MO_W/nc
    echo "$(grep -c '^200' $MO_W/nc) of 4 answered 200 with one nonce, $(awk '{s += $2} END {print s}' $MO_W/nc) connection(s)"
    [ "$(grep -c '^200' $MO_W/nc)" = 4 ]
}

mo_config() {
    o=/0/config
    $C --digest -u alice:secret "$MO_CTL$o/set?threshold=2345" >/dev/null || return 1
    mo_get g "$MO_CTL$o/get?query=threshold" --digest -u alice:secret || return 1
    echo "$(status $MO_W/g.h): $(grep -o 'threshold = [0-9]*' $MO_W/g.body)"
    grep -q 'threshold = 2345' $MO_W/g.body
}

mo_basic_challenge() {
    mo_get bc $MO_STREAM/0/current || return 1
    echo "$(status $MO_W/bc.h); challenge: $(header $MO_W/bc.h WWW-Authenticate)"
    [ "$(status $MO_W/bc.h)" = 401 ] && [ "$(header $MO_W/bc.h WWW-Authenticate)" = 'Basic realm="Motion"' ]
}

mo_basic_wrong() {
    mo_get bw $MO_STREAM/0/current -u bob:nope || return 1
    echo "wrong password: $(status $MO_W/bw.h)"
    [ "$(status $MO_W/bw.h)" = 401 ]
}

mo_current() {
    $C -D $MO_W/cur.h -o $MO_W/cur.body -u bob:pw $MO_STREAM/0/current || return 1
    show $MO_W/cur.h
    echo "Content-Length $(header $MO_W/cur.h Content-Length), body $(stat -c %s $MO_W/cur.body) bytes"
    echo "$(status $MO_W/cur.h) $(header $MO_W/cur.h Content-Type), body as long as Content-Length says"
    [ "$(status $MO_W/cur.h)" = 200 ] && [ "$(header $MO_W/cur.h Content-Length)" = "$(stat -c %s $MO_W/cur.body)" ]
}

mo_stream() {
    $C --max-time 6 -u bob:pw -D $MO_W/st.h -o $MO_W/st.body $MO_STREAM/0/stream 2>/dev/null
    rc=$?
    show $MO_W/st.h
    echo "curl exit $rc (28: still receiving when its 6 s ran out)"
    n=$(grep -ac '^--BoundaryString' $MO_W/st.body)
    echo "$n JPEG parts in 6 s"
    echo "$(status $MO_W/st.h) $(header $MO_W/st.h Transfer-Encoding), still streaming after 6 s, 2 JPEG parts or more"
    [ "$(status $MO_W/st.h)" = 200 ] && [ "$n" -ge 2 ] && [ $rc = 28 ]
}

program_motion() {
    echo "motion:"
    rm -rf $MO_W
    mkdir -p $MO_W
    cat >$MO_W/motion.conf <<M
daemon off
setup_mode off
log_file $MO_W/motion.log
log_level 6
target_dir $MO_W
video_device /dev/video0
movie_output off
webcontrol_port 8080
webcontrol_localhost on
webcontrol_parms 2
webcontrol_interface 0
webcontrol_auth_method 2
webcontrol_authentication alice:secret
stream_port 8081
stream_localhost on
stream_auth_method 1
stream_authentication bob:pw
M
    bg $MO_W/out motion -n -c $MO_W/motion.conf
    MO_PID=$LAST_PID
    check motion.start "web control and stream listen" mo_start
    check motion.challenge "no credentials: 401 with a Digest challenge" mo_challenge
    check motion.digest "Digest (MD5, qop=auth) with the right password: 200" mo_digest_ok
    check motion.wrong "Digest with a wrong password: 401" mo_digest_wrong
    check motion.user "Digest with an unknown user: 401" mo_digest_user
    check motion.nc "one nonce, nc=1..4 on one connection: 4 x 200" mo_digest_nc
    check motion.config "config set/get through query arguments" mo_config
    check motion.basic "stream port, no credentials: 401 Basic challenge" mo_basic_challenge
    check motion.basicwrong "Basic with a wrong password: 401" mo_basic_wrong
    check motion.current "Basic, GET /0/current: one JPEG" mo_current
    check motion.stream "Basic, GET /0/stream: endless multipart reply" mo_stream
    keep $MO_W/motion.log motion.server.log
    stop_all
}
