#!/bin/bash
# The man pages (doc/man/man3) against the header and the library: every
# exported function has a page (it is named in exactly one NAME section),
# every page renders without a warning under mandoc -T lint and
# groff -man -ww, every option, flag and enum value of the header appears
# in some page, cross-references point to pages that exist, and the
# complete program of libmicrohttpd(3) compiles with -Wall -Wextra -Werror.
BUILD=${BUILD:-build}
. "$(dirname "$0")/check_lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pages=(doc/man/man3/*.3)
header=include/microhttpd.h

# Function names: declared with _MHD_EXTERN in the header, and (when the
# library is built) exported by the shared object; the two must agree.
awk '/_MHD_EXTERN/ { want = 1 } want { buf = buf " " $0 }
     want && /\(/ { if (match(buf, /MHD_[A-Za-z0-9_]+[ \t]*\(/)) {
         s = substr(buf, RSTART, RLENGTH); sub(/[ \t]*\($/, "", s); print s }
         want = 0; buf = "" }' "$header" | grep -v '^MHD_MICROHTTPD' | sort -u >"$dir/declared"
check "the header declares 81 functions" "[ \$(wc -l <'$dir/declared') = 81 ]"
so=$BUILD/lib/libmicrohttpd.so.12
if [ -e "$so" ]; then
    nm -D --defined-only "$so" | awk '$3 ~ /^MHD_/ { print $3 }' | sort >"$dir/exported"
    check "the library exports what the header declares" "cmp -s '$dir/declared' '$dir/exported'"
fi

scripts/man_names.sh "${pages[@]}" >"$dir/names"
awk '{ print $2 }' "$dir/names" | sort >"$dir/named"
missing=$(comm -23 "$dir/declared" "$dir/named" | tr '\n' ' ')
check "every function has a page (missing: $missing)" "[ -z '$missing' ]"
extra=$(comm -13 "$dir/declared" "$dir/named" | grep -vx libmicrohttpd | tr '\n' ' ')
check "pages name only real functions (unknown: $extra)" "[ -z '$extra' ]"
dups=$(uniq -d "$dir/named" | tr '\n' ' ')
check "each function is on one page only (twice: $dups)" "[ -z '$dups' ]"

for p in "${pages[@]}"; do
    name=$(basename "$p" .3)
    first=$(awk -v f="$name.3" '$1 == f { print $2; exit }' "$dir/names")
    check "$p: file named after its first NAME entry" "[ '$first' = '$name' ]"
    title=$(awk '/^\.TH / { print $2; exit }' "$p")
    check "$p: title is the upper-case name" "[ '$title' = \"\$(echo '$name' | tr a-z A-Z)\" ]"
    mandoc -T lint "$p" >"$dir/lint" 2>&1
    check "$p: mandoc -T lint is silent" "[ ! -s '$dir/lint' ] || { cat '$dir/lint'; false; }"
    groff -man -ww -z "$p" >"$dir/groff" 2>&1
    check "$p: groff -man -ww -z is silent" "[ ! -s '$dir/groff' ] || { cat '$dir/groff'; false; }"
    for s in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" ERRORS "THREAD SAFETY" COMPATIBILITY "SEE ALSO"; do
        [ "$name" = libmicrohttpd ] && case "$s" in "RETURN VALUE" | ERRORS | COMPATIBILITY) continue ;; esac
        check "$p: has $s" "grep -q '^\\.SH \"\\{0,1\\}$s\"\\{0,1\\}\$' '$p'"
    done
done

# Every enumerator of the header (flags, options, info types, result
# codes...) is explained somewhere.
sed 's|/\*.*\*/||g' "$header" | awk '
    /\/\*/ { skip = 1 } skip { if (/\*\//) skip = 0; next }
    /^(typedef )?enum [A-Za-z_0-9]* *\{/ { in_enum = 1; next }
    in_enum && /^\}/ { in_enum = 0 }
    in_enum && /^ *MHD_[A-Za-z0-9_]+ *(=|,|$)/ { sub(/^ */, ""); sub(/[ =,].*/, ""); print }' |
    sort -u >"$dir/enums"
check "the header has its 230 enumerators" "[ \$(wc -l <'$dir/enums') -ge 230 ]"
sed 's/\\-/-/g' "${pages[@]}" >"$dir/all"
undocumented=$(grep -vwFf <(grep -owE 'MHD_[A-Za-z0-9_]+' "$dir/all" | sort -u) "$dir/enums" | tr '\n' ' ')
check "every option, flag and enum value is documented (missing: $undocumented)" "[ -z '$undocumented' ]"

# Cross-references to this library's pages resolve to a page or a link.
grep -ohE '^\.BR (MHD_[A-Za-z0-9_]+|libmicrohttpd) \(3\)' "${pages[@]}" | awk '{ print $2 }' |
    sort -u >"$dir/refs"
dangling=$(comm -23 "$dir/refs" "$dir/named" | tr '\n' ' ')
check "SEE ALSO and references resolve (dangling: $dangling)" "[ -z '$dangling' ]"

# The overview's example is a complete program.
SANFLAGS=
[ -n "${SAN:-}" ] && SANFLAGS="-fsanitize=$SAN -fno-omit-frame-pointer"
awk '/^\.SH EXAMPLES/ { ex = 1 } ex && /^\.EX/ { on = 1; next } on && /^\.EE/ { exit }
     on { gsub(/\\e/, "\\"); gsub(/\\-/, "-"); gsub(/^\\&/, ""); print }' \
    doc/man/man3/libmicrohttpd.3 >"$dir/overview.c"
check "libmicrohttpd(3) example compiles with -Wall -Wextra -Werror" \
    "${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $SANFLAGS -Iinclude '$dir/overview.c' \
     '$BUILD/lib/libmicrohttpd.a' $(static_deps "$BUILD/lib/libmicrohttpd.a") -pthread -o '$dir/overview' 2>'$dir/cc' || { cat '$dir/cc'; false; }"

# man -l renders every page (what a reader types in the source tree).
if command -v man >/dev/null; then
    for p in "${pages[@]}"; do
        check "man -l $p" "MANWIDTH=80 man -l '$p' 2>&1 >/dev/null | { ! grep -q .; } && MANWIDTH=80 man -l '$p' | grep -q '^NAME'"
    done
fi

echo "RESULT $pass $fail"
[ "$fail" -eq 0 ]
