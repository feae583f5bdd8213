#!/bin/sh
# Installs the man pages into DIR (PREFIX/share/man/man3) and links every
# function a grouped page documents to that page, so that `man NAME` finds
# each of the 81 functions.
#   scripts/install_man.sh DIR
set -e
dest=$1
src=$(dirname "$0")/../doc/man/man3
install -d "$dest"
for page in "$src"/*.3; do
    install -m 644 "$page" "$dest/"
done
"$(dirname "$0")/man_names.sh" "$src"/*.3 | while read -r page name; do
    [ "$name.3" = "$page" ] || ln -sf "$page" "$dest/$name.3"
done
