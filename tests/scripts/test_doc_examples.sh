#!/bin/bash
# The manual's programs (doc/manual/*.md) are complete and correct: each
# fenced c block is preceded by a comment that names it and says how to try
# it,
#
#   <!-- example: NAME
#        setup: shell run in the example's scratch directory before it starts
#        args: arguments after the port
#        env: VAR=value ... in the program's environment
#        once: the program is not a server: run it once, output in $OUT
#        check: shell that must succeed; $URL (http://127.0.0.1:PORT/),
#               $PORT and $OUT (the program's output) are set
#   -->
#
# All are compiled with -Wall -Wextra -Werror against the library, two at
# a time; then each server is started on a port of the system's choice
# ("Serving on http://127.0.0.1:PORT/", or https), its checks are run, and SIGTERM must
# end it with status 0. A program that exits with 77 before serving is
# skipped (the HTTPS example does when the library has no TLS), visibly: the
# RESULT line counts it. Relative links in the manual must point to files
# that exist.
BUILD=${BUILD:-build}
. "$(dirname "$0")/check_lib.sh"
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# Extract: $work/NAME.c and $work/NAME.meta for every example.
for md in doc/manual/*.md; do
    awk -v dir="$work" -v md="$md" '
        /^<!-- example: / { name = $3; meta = dir "/" name ".meta"; printf "" > meta
                             print "file: " md > meta; in_meta = 1; next }
        in_meta && /-->/ { in_meta = 0; want = 1; next }
        in_meta { sub(/^ +/, ""); print >> meta; next }
        /^```c$/ { if (want) { out = dir "/" name ".c"; printf "" > out; copy = 1 }
                   else { print "UNNAMED " md ":" NR }
                   want = 0; next }
        copy && /^```$/ { copy = 0; next }
        copy { print >> out }' "$md"
done | while read -r what where; do
    echo "FAIL: $where: a c block without an <!-- example: --> comment ($what)"
done >"$work/unnamed"
check "every c block of the manual is a named example" "[ ! -s '$work/unnamed' ] || { cat '$work/unnamed'; false; }"
names=$(cd "$work" && ls -- *.c 2>/dev/null | sed 's/\.c$//')
check "the manual has examples" "[ -n '$names' ]"
dups=$(grep -h '^<!-- example: ' doc/manual/*.md | awk '{ print $3 }' | sort | uniq -d | tr '\n' ' ')
check "example names are unique ($dups)" "[ -z '$dups' ]"

# Compile them all, two at a time (with the sanitizers the library was
# built with, under make check SAN=...).
SANFLAGS=
[ -n "${SAN:-}" ] && SANFLAGS="-fsanitize=$SAN -fno-omit-frame-pointer"
LIBDEPS=$(static_deps "$BUILD/lib/libmicrohttpd.a")
export CC=${CC:-cc} BUILD work SANFLAGS LIBDEPS
compile() {
    # shellcheck disable=SC2086
    "$CC" -Wall -Wextra -Werror $SANFLAGS -Iinclude "$work/$1.c" "$BUILD/lib/libmicrohttpd.a" \
        $LIBDEPS -pthread -o "$work/$1" >"$work/$1.cc" 2>&1
}
export -f compile
echo "$names" | xargs -P 2 -I{} bash -c 'compile {}'
for n in $names; do
    check "$n compiles with -Wall -Wextra -Werror" "[ -x '$work/$n' ] || { cat '$work/$n.cc'; false; }"
done

# The README's Hello world compiles too.
awk '/^```c$/ { on = 1; next } on && /^```$/ { exit } on' README.md >"$work/readme_hello.c"
check "README's program compiles with -Wall -Wextra -Werror" \
    "compile readme_hello || { cat '$work/readme_hello.cc'; false; }"

meta() { sed -n "s/^$2: //p" "$work/$1.meta"; }

run_once() {
    local n=$1
    OUT=$work/$n.out
    # shellcheck disable=SC2046
    (cd "$work/$n.d" && timeout 20 env $(meta "$n" env) "$work/$n" $(meta "$n" args) >"$OUT" 2>&1)
    local rc=$?
    check "$n: exits with status 0" "[ $rc = 0 ] || { cat '$OUT'; false; }"
}

run_server() {
    local n=$1
    OUT=$work/$n.out
    : >"$OUT"
    # shellcheck disable=SC2046
    (cd "$work/$n.d" && exec env $(meta "$n" env) "$work/$n" 0 $(meta "$n" args)) >"$OUT" 2>&1 &
    pid=$!
    local i
    for ((i = 0; i < 500; i++)); do
        grep -qE '^Serving on https?://127\.0\.0\.1:[0-9]+/' "$OUT" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.02
    done
    if ! grep -q '^Serving on' "$OUT"; then
        wait "$pid"
        local rc=$?
        pid=
        if [ "$rc" = 77 ]; then
            skip=$((skip + 1))
            echo "SKIP: $n: $(head -n 1 "$OUT")"
            return 1
        fi
        check "$n: starts" "false"
        cat "$OUT"
        return 1
    fi
    PORT=$(sed -nE 's|^Serving on https?://127\.0\.0\.1:([0-9]+)/.*|\1|p' "$OUT" | head -n 1)
    URL=$(sed -nE 's|^Serving on (https?://127\.0\.0\.1:[0-9]+/).*|\1|p' "$OUT" | head -n 1)
    check "$n: starts on 127.0.0.1" "[ -n '$PORT' ]"
    return 0
}

for n in $names; do
    [ -x "$work/$n" ] || continue
    mkdir -p "$work/$n.d"
    setup=$(meta "$n" setup)
    if [ -n "$setup" ]; then
        (cd "$work/$n.d" && eval "$setup") >"$work/$n.setup" 2>&1
        check "$n: setup" "[ $? = 0 ] || { cat '$work/$n.setup'; false; }"
    fi
    if grep -q '^once: ' "$work/$n.meta"; then
        run_once "$n"
    elif ! run_server "$n"; then
        continue
    fi
    export URL PORT OUT
    while IFS= read -r c; do
        (cd "$work/$n.d" && timeout 30 bash -c "$c") >"$work/$n.check" 2>&1
        check "$n: $c" "[ $? = 0 ] || { cat '$work/$n.check'; echo '--- program output:'; cat '$OUT'; false; }"
    done < <(meta "$n" check)
    if [ -n "$pid" ]; then
        kill -TERM "$pid"
        for ((i = 0; i < 250; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.02
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid"
        rc=$?
        pid=
        check "$n: SIGTERM ends it with status 0" "[ $rc = 0 ] || { cat '$OUT'; false; }"
    fi
done

# Relative links between the manual's pages and into the tree resolve.
broken=""
for md in doc/manual/*.md doc/README.md README.md; do
    d=$(dirname "$md")
    for link in $(grep -oE '\]\([^)#: ]+(#[^)]*)?\)' "$md" | sed -E 's/^\]\(//; s/\)$//; s/#.*//'); do
        [ -e "$d/$link" ] || broken="$broken $md:$link"
    done
done
check "relative links resolve (broken:$broken)" "[ -z '$broken' ]"

echo "RESULT $pass $fail $skip"
[ "$fail" -eq 0 ]
