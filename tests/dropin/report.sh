#!/bin/bash
# Prints the drop-in report (Markdown) from the results of run.sh and exits
# non-zero if a check that passes on Debian's library fails on ours, or a
# packaging check fails.
# Usage: report.sh RESULTS-DIR OURS-TLS(yes|no)
R=$1
tls=$2
[ -f "$R/debian.tsv" ] || { echo "no results in $R"; exit 1; }
echo "# Drop-in report: Debian's programs on Debian's libmicrohttpd12 and on ours"
echo
debver=$(awk -F'\t' '$1 == "debian" {print $2}' "$R/versions" 2>/dev/null)
ourver=$(awk -F'\t' '$1 == "ours" {print $2}' "$R/versions" 2>/dev/null)
echo "Each check ran twice in the same throwaway root: first on Debian's libmicrohttpd12 $debver," \
    "then on ours ($ourver, installed from build/deb). HTTPS must work on ours: $tls."
echo
echo "| check | what it does | Debian's $debver | ours $ourver |"
echo "|---|---|---|---|"
passed=0 failed=0 xfail=0 bad=""
while IFS=$'\t' read -r id res obs desc; do
    line=$(grep -P "^\Q$id\E\t" "$R/ours.tsv" 2>/dev/null | head -n 1)
    ores=$(echo "$line" | cut -f2)
    oobs=$(echo "$line" | cut -f3)
    [ -z "$ores" ] && ores=MISSING
    if [ "$obs" = "$oobs" ]; then
        d="$res" o="$ores (same)"
    else
        d="$res: $obs" o="$ores: $oobs"
    fi
    echo "| $id | $desc | ${d//|//} | ${o//|//} |"
    if [ "$obs" != "$oobs" ]; then
        note=$(awk -F'\t' -v id="$id" '$1 == id {print $2}' "$(dirname "$0")/notes.tsv")
        [ -n "$note" ] && echo "|   | why ours differs: ${note//|//} | | |"
    fi
    case "$ores" in
    PASS | XPASS) passed=$((passed + 1)) ;;
    XFAIL) xfail=$((xfail + 1)) ;;
    *)
        if [ "$res" = PASS ]; then
            failed=$((failed + 1))
            bad="$bad $id"
        fi
        ;;
    esac
    [ "$res" != PASS ] && echo "|   | (fails on Debian's library too: see build/dropin/results/debian/$id.log) | | |"
done <"$R/debian.tsv"
echo
if [ -s "$R/packaging.tsv" ]; then
    echo "| packaging check | what it does | result |"
    echo "|---|---|---|"
    while IFS=$'\t' read -r id res obs desc; do
        echo "| $id | $desc | $res: ${obs//|//} |"
        if [ "$res" = PASS ]; then passed=$((passed + 1)); else
            failed=$((failed + 1))
            bad="$bad $id"
        fi
    done <"$R/packaging.tsv"
    echo
fi
[ "$xfail" -gt 0 ] && echo "$xfail HTTPS checks fail on ours as expected: this build has no TLS (they count once HTTPS lands, or with DROPIN_TLS=yes)."
[ -n "$bad" ] && echo "Failing on ours:$bad (logs: build/dropin/results/ours/ID.log and debian/ID.log)"
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
