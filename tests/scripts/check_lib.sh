# Sourced by the script tests: check NAME CONDITION evaluates CONDITION and
# counts one passed or failed check (a failure prints NAME); the script ends
# with `echo "RESULT $pass $fail"` (and $skip where it skips).
pass=0
fail=0
skip=0
check() {
    if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}

# What a program linking the static library LIB needs besides it: GnuTLS,
# nghttp2 and liburing when the library was built with them (the default).
static_deps() {
    syms=$(nm "$1" 2>/dev/null)
    deps=
    echo "$syms" | grep -q ' U gnutls_init$' && deps="$deps -lgnutls"
    echo "$syms" | grep -q ' U nghttp2_' && deps="$deps -lnghttp2"
    echo "$syms" | grep -q ' U io_uring_' && deps="$deps -luring"
    echo "$deps"
}
