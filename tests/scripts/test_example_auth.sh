#!/bin/bash
# examples/auth.c through curl: the index is public, /basic takes Basic and
# /digest takes Digest with SHA-256, wrong or missing credentials get 401
# with the right challenge.
. "$(dirname "$0")/example_lib.sh"
if ! start_example "$BUILD/examples/auth"; then
    echo "RESULT 0 1"
    exit 1
fi
get() { # curl args... -> "status" and the body in $dir/body
    curl -s -o "$dir/body" -D "$dir/head" -w '%{http_code}' --max-time 10 "$@"
}
check "listens on 127.0.0.1 only" "loopback_only $port"
check "index is public" "[ \"\$(get '$url')\" = 200 ] && grep -q '/digest' '$dir/body'"
check "basic without credentials: 401" "[ \"\$(get '${url}basic')\" = 401 ]"
check "basic challenge" "grep -qi '^WWW-Authenticate: Basic realm=\"Example realm\"' '$dir/head'"
check "basic with credentials: 200" "[ \"\$(get -u admin:secret '${url}basic')\" = 200 ]"
check "basic with a wrong password: 401" "[ \"\$(get -u admin:wrong '${url}basic')\" = 401 ]"
check "basic page refuses digest" "[ \"\$(get --digest -u admin:secret '${url}basic')\" = 401 ]"
check "digest without credentials: 401" "[ \"\$(get '${url}digest')\" = 401 ]"
check "digest challenge asks for SHA-256" \
    "grep -qi '^WWW-Authenticate: Digest .*algorithm=SHA-256' '$dir/head'"
check "digest with credentials: 200" "[ \"\$(get --digest -u admin:secret '${url}digest')\" = 200 ]"
check "digest with a wrong password: 401" \
    "[ \"\$(get --digest -u admin:wrong '${url}digest')\" = 401 ]"
check "digest page refuses basic" "[ \"\$(get -u admin:secret '${url}digest')\" = 401 ]"
stop_example
echo "RESULT $pass $fail"
