#!/bin/bash
# examples/upload.c through curl: a form with text fields and files is
# stored, files arrive byte for byte under safe names, an existing file is
# never overwritten, an upload cut off by the client leaves nothing behind,
# and the page lists what was stored.
. "$(dirname "$0")/example_lib.sh"
store=$dir/store
mkdir "$store"
if ! start_example "$BUILD/examples/upload" "$store"; then
    echo "RESULT 0 1"
    exit 1
fi

head -c 3000000 /dev/urandom >"$dir/photo.jpg"
printf 'plain text\n' >"$dir/notes.txt"
code=$(curl -s -o "$dir/page1" -w '%{http_code}' --max-time 20 \
    -F title=Holiday -F "comment=sun & sea" \
    -F "file=@$dir/photo.jpg;type=image/jpeg" -F "extra=@$dir/notes.txt" "$url")
check "form answered 200" "[ '$code' = 200 ]"
check "file stored byte for byte" "cmp -s '$dir/photo.jpg' '$store/photo.jpg'"
check "second file stored" "cmp -s '$dir/notes.txt' '$store/notes.txt'"
check "page reports two files" "grep -q 'Stored 2 files' '$dir/page1'"
check "page lists the file with its size" "grep -q 'photo.jpg</td><td>3000000' '$dir/page1'"
check "page shows a text field" "grep -q 'Holiday' '$dir/page1'"
check "text is escaped in the page" "grep -q 'sun &amp; sea' '$dir/page1'"

# The same name again: a new file beside the first, which stays intact.
printf 'second photo' >"$dir/other"
curl -s -o /dev/null --max-time 20 -F "file=@$dir/other;filename=photo.jpg" "$url"
check "existing file not overwritten" "cmp -s '$dir/photo.jpg' '$store/photo.jpg'"
check "same name stored as photo-1.jpg" "[ \"\$(cat '$store/photo-1.jpg')\" = 'second photo' ]"

# A hostile file name stays inside the store, reduced to safe characters.
curl -s -o /dev/null --max-time 20 -F "file=@$dir/other;filename=../../etc/pass wd" "$url"
check "path components dropped" "[ -f '$store/pass_wd' ]"
check "nothing written outside the store" "[ ! -e '$dir/etc' ] && [ ! -e '$dir/pass wd' ]"
curl -s -o /dev/null --max-time 20 -F "file=@$dir/other;filename=.hidden" "$url"
check "no hidden file made" "[ -f '$store/hidden' ] && [ ! -e '$store/.hidden' ]"

# An upload the client cuts off: the partial file is removed once the
# daemon reports the request ended.
head -c 20000000 /dev/zero >"$dir/big.bin"
curl -s -o /dev/null --max-time 1 --limit-rate 2M -F "file=@$dir/big.bin" "$url"
gone=no
for _ in $(seq 1 250); do
    if [ ! -e "$store/big.bin" ]; then gone=yes; break; fi
    sleep 0.02
done
check "cut-off upload removed" "[ $gone = yes ]"

page=$(curl -s --max-time 5 "$url")
check "GET lists stored files" "echo \"\$page\" | grep -q 'photo-1.jpg'"
check "GET does not list the cut-off file" "! echo \"\$page\" | grep -q 'big.bin'"
check "form on the page" "echo \"\$page\" | grep -q 'multipart/form-data'"

check "listens on 127.0.0.1 only" "loopback_only $port"
stop_example

# Without a directory it makes one under /tmp, and removes it with the
# files it holds when it stops.
if start_example "$BUILD/examples/upload"; then
    made=$(sed -n 's/.*storing uploads in \(.*\); Ctrl-C stops.*/\1/p' "$dir/log")
    check "made a directory under /tmp" "[ -d '$made' ] && case '$made' in /tmp/*) true ;; *) false ;; esac"
    curl -s -o /dev/null --max-time 20 -F "file=@$dir/notes.txt" "$url"
    check "stored a file there" "[ -f '$made/notes.txt' ]"
    stop_example
    check "removed the directory on exit" "[ -n '$made' ] && [ ! -e '$made' ]"
fi
echo "RESULT $pass $fail"
