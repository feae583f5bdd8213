#!/bin/sh
# Renders the manual (doc/manual/*.md, with cmark-gfm) and the man pages
# (doc/man/man3/*.3, with mandoc) to HTML in OUT: OUT/index.html is the
# manual's contents, OUT/man/NAME.html each page, one link per function.
#   scripts/html_doc.sh OUT
set -e
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/man"
style='body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.45}
pre{background:#f6f8fa;padding:.8em;overflow:auto}code{background:#f6f8fa}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}'
for md in "$top"/doc/manual/*.md; do
    name=$(basename "$md" .md)
    [ "$name" = README ] && name=index
    title=$(sed -n 's/^# //p' "$md" | head -n 1)
    {
        printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>%s</title>' "$title"
        printf '<style>%s</style></head><body>\n' "$style"
        # Links between chapters point to the rendered pages.
        # Headings get the ids GitHub gives them, so #anchors work here too.
        cmark-gfm --unsafe -e table -e autolink "$md" |
            sed -E 's/href="([0-9a-z-]+)\.md(#[^"]*)?"/href="\1.html\2"/g;
                    s/href="README\.md"/href="index.html"/g;
                    s|href="\.\./man/man3/([A-Za-z0-9_]+)\.3"|href="man/\1.html"|g' |
            awk 'match($0, /^<h[1-6]>.*<\/h[1-6]>$/) {
                     text = $0; gsub(/<[^>]*>/, "", text); id = tolower(text)
                     gsub(/[^a-z0-9 _-]/, "", id); gsub(/ /, "-", id)
                     sub(/^<h[1-6]/, "& id=\"" id "\"") }
                 { print }'
        printf '</body></html>\n'
    } >"$out/$name.html"
done
for page in "$top"/doc/man/man3/*.3; do
    name=$(basename "$page" .3)
    mandoc -T html -O style=../manual.css,man=%N.html "$page" >"$out/man/$name.html"
done
printf '%s\n' "$style" >"$out/manual.css"
"$top/scripts/man_names.sh" "$top"/doc/man/man3/*.3 | while read -r page name; do
    [ "$name.3" = "$page" ] || ln -sf "${page%.3}.html" "$out/man/$name.html"
done
