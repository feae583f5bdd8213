#!/bin/sh
# Source compatibility: every macro, enumerator, struct and prototype that
# Debian's microhttpd.h (0.9.75) shares with ours has the same value or type,
# and the deprecation machinery warns (or is silenced with
# MHD_NO_DEPRECATION) as documented.
set -u
pass=0
fail=0
res=$(tests/abi/compare_debian_header.sh 2>&1)
r=$(echo "$res" | grep '^RESULT ' | tail -n 1)
if [ -n "$r" ]; then
    pass=$((pass + $(echo "$r" | awk '{print $2}')))
    fail=$((fail + $(echo "$r" | awk '{print $3}')))
else
    echo "$res" | tail -n 20
    fail=$((fail + 1))
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/depr.c" <<'C'
#include <microhttpd.h>
int use(void);
int use(void)
{
    struct MHD_Response *r = MHD_create_response_from_data(0, 0, 0, 0);
    MHD_destroy_response(r);
    return MHD_HTTP_REQUEST_ENTITY_TOO_LARGE;
}
C
if cc -std=c11 -Wall -Wextra -Werror -DMHD_NO_DEPRECATION -Iinclude -c "$tmp/depr.c" -o "$tmp/a.o"; then
    pass=$((pass + 1))
else
    echo "FAIL: deprecation warnings with MHD_NO_DEPRECATION"
    fail=$((fail + 1))
fi
if cc -std=c11 -Wall -Iinclude -c "$tmp/depr.c" -o "$tmp/b.o" 2>&1 | grep -q deprecated; then
    pass=$((pass + 1))
else
    echo "FAIL: no deprecation warning without MHD_NO_DEPRECATION"
    fail=$((fail + 1))
fi
for std in c99 c11; do
    if echo '#include <microhttpd.h>' | cc -std=$std -Wall -Wextra -Wpedantic -Werror -Iinclude -x c -fsyntax-only -; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
    fi
done
if echo '#include <microhttpd.h>' | c++ -Wall -Wextra -Werror -Iinclude -x c++ -fsyntax-only -; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
fi
echo "RESULT $pass $fail"
[ "$fail" -eq 0 ]
