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
