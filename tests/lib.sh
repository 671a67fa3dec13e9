# lib.sh: shared by the shell tests that start workers. Source it after
# setting $tmp (the test's own temporary directory).

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; }

# Worker processes started by this test inherit the marker, so that workers
# of other jobs on the machine are never counted as left behind.
export BPEBENCH_TEST_MARK="$tmp"
our_workers() {
    local n=0 p
    for p in $(pgrep -f "bpe(train|scan)"); do
        [ "$p" = "$$" ] && continue
        { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "BPEBENCH_TEST_MARK=$tmp" \
            && n=$((n + 1))
    done
    echo $n
}

# bad_run DESCR PATTERN OUTDIR CMD...: CMD fails with exactly one line on
# stderr, matching PATTERN, and writes no OUTDIR/merges.txt.
bad_run() {
    local d=$1 pat=$2 out=$3 rc; shift 3
    rm -rf "$out"
    "$@" >/dev/null 2>"$out.err"
    rc=$?
    if [ $rc -ne 0 ] && [ "$(wc -l <"$out.err")" -eq 1 ] && grep -q -- "$pat" "$out.err" \
        && [ ! -e "$out/merges.txt" ]; then
        pass "$d"
    else
        fail "$d (rc=$rc: $(head -c 300 "$out.err"))"
    fi
}
