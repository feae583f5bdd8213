#!/bin/sh
# Banned calls in library code, and functions longer than 100 lines.
status=0
banned='\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets|strtok|alloca)[[:space:]]*\('
if grep -nE "$banned" src/*/*.c src/*/*.h; then
    echo "lint: banned call above" >&2
    status=1
fi
# A function body starts at a line "{" after its signature and ends at "}".
for f in src/*/*.c; do
    awk -v f="$f" '
        /^\{/ { start = NR; name = prev }
        /^\}/ && start { if (NR - start > 100) printf "lint: %s: %s is %d lines\n", f, name, NR - start; start = 0 }
        { prev = $0 }' "$f"
done
exit $status
