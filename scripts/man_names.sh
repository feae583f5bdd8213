#!/bin/sh
# Prints "PAGE NAME" for every name in the NAME section of each man page
# given: the functions a page documents, each of which `make install` links
# to that page so that `man NAME` finds it.
#   scripts/man_names.sh doc/man/man3/*.3
for page in "$@"; do
    awk -v page="$(basename "$page")" '
        /^\.SH / { in_name = ($2 == "NAME"); next }
        in_name {
            line = $0
            stop = index(line, "\\-")
            if (stop > 0) line = substr(line, 1, stop - 1)
            n = split(line, parts, /[ ,]+/)
            for (i = 1; i <= n; i++) if (parts[i] != "") print page, parts[i]
            if (stop > 0) in_name = 0
        }' "$page"
done
