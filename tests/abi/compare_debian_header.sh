#!/bin/bash
# Compares our public header with Debian's libmicrohttpd 0.9.75 header.
#
# For every name that BOTH headers define, the value must be the same:
#   1. MHD_* macros: their full expansions (function-like macros are invoked
#      with placeholder arguments) are compared token for token; when the
#      text differs, object-like macros are compiled and their values
#      compared (so "-1" and "(-1)" count as equal).
#   2. Enumerators: a generated program prints the value of every MHD_*
#      enumerator present in both headers; it is built once against each
#      header and the outputs are compared.
#   3. Structs and unions defined in both: sizeof and alignment.
#   4. Functions declared in both: parameter and return types (gcc -aux-info).
# Differences that API 1.0.1 introduced on purpose are listed in ALLOWED below
# and count as passes. Deprecation warnings are switched off while comparing.
#
# Usage: tests/abi/compare_debian_header.sh [OUR_HEADER [DEBIAN_HEADER]]
# Needs gcc and Debian's libmicrohttpd-dev (/usr/include/microhttpd.h).
# Prints one line per difference and "RESULT <passed> <failed>" last; exits
# non-zero if anything differs that is not allowed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
ours=$(realpath "${1:-$here/../../include/microhttpd.h}")
deb=$(realpath "${2:-/usr/include/microhttpd.h}")
CC=${CC:-gcc}

# Names whose value or type may differ between 0.9.75 and 1.0.1, with the
# reason (mhd-abi.md sections 2 and 10).
declare -A ALLOWED=(
    [macro:MHD_VERSION]="version identity: 0x00097500 -> 0x01000100"
    [func:MHD_create_response_from_buffer_with_free_callback_cls]="buffer became 'const void *' in 1.0 (ABI-neutral)"
)

if [ ! -f "$deb" ]; then
    echo "compare_debian_header: $deb not found (install libmicrohttpd-dev)" >&2
    echo "RESULT 0 1"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

pass() { passed=$((passed + 1)); }
differ() { # kind name detail
    local key="$1:$2"
    if [ -n "${ALLOWED[$key]+set}" ]; then
        echo "allowed  $key: $3 (${ALLOWED[$key]})"
        passed=$((passed + 1))
    else
        echo "DIFFER   $key: $3"
        failed=$((failed + 1))
    fi
}

# Preprocess a small program including header $1 (deprecation silenced).
cpp_with() { # header source-file [extra gcc args]
    local hdr=$1 src=$2
    shift 2
    $CC -std=gnu11 -E -P -DMHD_NO_DEPRECATION -include sys/select.h -include "$hdr" "$@" "$src"
}

# ---- 1. macros ---------------------------------------------------------------
list_macros() { # header -> lines "NAME ARITY" (ARITY -1 for object-like)
    echo | $CC -std=gnu11 -dM -E -DMHD_NO_DEPRECATION -include sys/select.h -include "$1" - |
        sed -n 's/^#define \(MHD_[A-Za-z0-9_]*\)\((\([^)]*\))\)\{0,1\}.*/\1 \3|\2/p' |
        awk -F'|' '{ split($1, a, " "); n = -1;
                     if ($2 != "") { n = split(a[2], p, ","); }
                     print a[1], n }' | sort
}
list_macros "$ours" >"$work/m_ours"
list_macros "$deb" >"$work/m_deb"
join "$work/m_ours" "$work/m_deb" | awk '$1 != "MHD_NO_DEPRECATION"' >"$work/m_both"

# One probe line per macro: a marker string (never expanded) plus the use.
awk '{ use = $1
       if ($2 >= 0) { use = use "("; for (i = 0; i < $2; i++) use = use (i ? "," : "") "arg" i; use = use ")" }
       printf "\"@MHDCMP %s\" %s\n", $1, use }' "$work/m_both" >"$work/probe.c"
expand_all() { # header -> "NAME<TAB>expansion without blanks"
    cpp_with "$1" "$work/probe.c" | grep '^"@MHDCMP ' |
        sed 's/^"@MHDCMP \([A-Za-z0-9_]*\)" */\1\t/' | awk -F'\t' '{ gsub(/[ \t]/, "", $2); print $1 "\t" $2 }'
}
expand_all "$ours" >"$work/x_ours"
expand_all "$deb" >"$work/x_deb"

macro_value() { # header name -> printed value, or nothing if not an expression
    cat >"$work/val.c" <<EOF
#include <stdio.h>
static void ps(const char *s) { printf("str:%s\n", s); }
static void pi(long long v) { printf("int:%lld\n", v); }
static void pu(unsigned long long v) { printf("int:%llu\n", v); }
int main(void)
{
    _Generic(($2), char *: ps, const char *: ps, unsigned char: pi, unsigned short: pi,
             unsigned int: pu, unsigned long: pu, unsigned long long: pu, default: pi)($2);
    return 0;
}
EOF
    $CC -std=gnu11 -w -DMHD_NO_DEPRECATION -include sys/select.h -include "$1" "$work/val.c" \
        -o "$work/val" 2>/dev/null && "$work/val"
}

while IFS=$'\t' read -r name x1; do
    x2=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$work/x_deb")
    if [ "$x1" = "$x2" ]; then
        pass
        continue
    fi
    arity=$(awk -v n="$name" '$1 == n { print $2 }' "$work/m_both")
    if [ "$arity" -lt 0 ]; then
        v1=$(macro_value "$ours" "$name")
        v2=$(macro_value "$deb" "$name")
        if [ -n "$v1" ] && [ "$v1" = "$v2" ]; then
            pass
            continue
        fi
        differ macro "$name" "ours '$x1' = ${v1:-?}, debian '$x2' = ${v2:-?}"
    else
        differ macro "$name" "ours '$x1', debian '$x2'"
    fi
done <"$work/x_ours"
macros_compared=$(wc -l <"$work/m_both")

# ---- 2. enumerators ------------------------------------------------------------
list_enumerators() { # header -> sorted MHD_* enumerator names
    echo >"$work/empty.c"
    cpp_with "$1" "$work/empty.c" | tr '\n' ' ' |
        grep -o 'enum [A-Za-z_0-9]* *{[^}]*}' | sed 's/^enum [A-Za-z_0-9]* *{//; s/}$//' |
        tr ',' '\n' | sed -n 's/^ *\(MHD_[A-Za-z0-9_]*\).*/\1/p' | sort -u
}
list_enumerators "$ours" >"$work/e_ours"
list_enumerators "$deb" >"$work/e_deb"
comm -12 "$work/e_ours" "$work/e_deb" >"$work/e_both"
{
    echo '#include <stdio.h>'
    echo 'int main(void)'
    echo '{'
    awk '{ printf "    printf(\"%s %%lld\\n\", (long long)%s);\n", $1, $1 }' "$work/e_both"
    echo '    return 0;'
    echo '}'
} >"$work/enums.c"
enum_values() { # header -> "NAME VALUE" lines
    $CC -std=gnu11 -Wall -DMHD_NO_DEPRECATION -include sys/select.h -include "$1" \
        "$work/enums.c" -o "$work/enums" && "$work/enums"
}
if enum_values "$ours" >"$work/ev_ours" && enum_values "$deb" >"$work/ev_deb"; then
    while read -r name v1 v2; do
        if [ "$v1" = "$v2" ]; then pass; else differ enum "$name" "ours $v1, debian $v2"; fi
    done < <(join "$work/ev_ours" "$work/ev_deb")
else
    echo "DIFFER   enum program did not build"
    failed=$((failed + 1))
fi
enums_compared=$(wc -l <"$work/e_both")

# ---- 3. struct and union layouts -----------------------------------------------
list_aggregates() { # header -> "struct NAME" / "union NAME" lines of defined types
    cpp_with "$1" "$work/empty.c" | tr '\n' ' ' |
        grep -o '\(struct\|union\) MHD_[A-Za-z0-9_]* *{' | sed 's/ *{$//' | sort -u
}
list_aggregates "$ours" >"$work/a_ours"
list_aggregates "$deb" >"$work/a_deb"
comm -12 "$work/a_ours" "$work/a_deb" >"$work/a_both"
{
    echo '#include <stdio.h>'
    echo 'int main(void)'
    echo '{'
    awk '{ printf "    printf(\"%s_%s %%zu %%zu\\n\", sizeof(%s %s), _Alignof(%s %s));\n", $1, $2, $1, $2, $1, $2 }' \
        "$work/a_both"
    echo '    return 0;'
    echo '}'
} >"$work/aggr.c"
aggr_values() {
    $CC -std=gnu11 -Wall -DMHD_NO_DEPRECATION -include sys/select.h -include "$1" \
        "$work/aggr.c" -o "$work/aggr" && "$work/aggr"
}
if aggr_values "$ours" >"$work/sv_ours" && aggr_values "$deb" >"$work/sv_deb"; then
    while read -r name s1 a1 s2 a2; do
        if [ "$s1 $a1" = "$s2 $a2" ]; then
            pass
        else
            differ layout "$name" "ours size $s1 align $a1, debian size $s2 align $a2"
        fi
    done < <(join "$work/sv_ours" "$work/sv_deb")
else
    echo "DIFFER   layout program did not build"
    failed=$((failed + 1))
fi
aggregates_compared=$(wc -l <"$work/a_both")

# ---- 4. function prototypes ------------------------------------------------------
prototypes() { # header -> "NAME<TAB>prototype"
    $CC -std=gnu11 -DMHD_NO_DEPRECATION -include sys/select.h -include "$1" -c "$work/empty.c" \
        -o "$work/empty.o" -aux-info "$work/aux" &&
        grep -F "$1" "$work/aux" | sed 's|^/\*[^*]*\*/ *||' |
        sed -n 's/^\(.*[ *]\)\(MHD_[A-Za-z0-9_]*\) (\(.*\));$/\2\t\1(\3)/p' | sort
}
prototypes "$ours" >"$work/f_ours"
prototypes "$deb" >"$work/f_deb"
while IFS=$'\t' read -r name p1; do
    p2=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$work/f_deb")
    [ -z "$p2" ] && continue
    if [ "$p1" = "$p2" ]; then pass; else differ func "$name" "ours '$p1', debian '$p2'"; fi
done <"$work/f_ours"
funcs_compared=$(join -t $'\t' "$work/f_ours" "$work/f_deb" | wc -l)

echo "compared: $macros_compared macros, $enums_compared enumerators," \
    "$aggregates_compared structs/unions, $funcs_compared functions defined in both headers"
echo "only in ours: $(join -v1 "$work/m_ours" "$work/m_deb" | wc -l) macros," \
    "$(comm -23 "$work/e_ours" "$work/e_deb" | wc -l) enumerators," \
    "$(join -t $'\t' -v1 "$work/f_ours" "$work/f_deb" | wc -l) functions"
missing_m=$(join -v2 "$work/m_ours" "$work/m_deb" | awk '{ print $1 }' | tr '\n' ' ')
missing_e=$(comm -13 "$work/e_ours" "$work/e_deb" | tr '\n' ' ')
missing_f=$(join -t $'\t' -v2 "$work/f_ours" "$work/f_deb" | cut -f1 | tr '\n' ' ')
echo "only in debian: macros [${missing_m% }] enumerators [${missing_e% }] functions [${missing_f% }]"
# Anything Debian's header offers that ours lacks breaks source compatibility.
for n in $missing_m; do differ macro "$n" "missing from our header"; done
for n in $missing_e; do differ enum "$n" "missing from our header"; done
for n in $missing_f; do differ func "$n" "missing from our header"; done

echo "RESULT $passed $failed"
[ "$failed" -eq 0 ]
