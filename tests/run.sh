#!/usr/bin/env bash
# run.sh: runs every test program and test script, then prints the closing
# line CI reads: "N passed, N failed, N skipped". Each test prints "PASS ...",
# "FAIL ..." or "SKIP reason" lines (a skip is never a pass); a program that exits non-zero without printing a FAIL
# line (a crash, a sanitizer report) counts as one more failure.
set -u
cd "$(dirname "$0")/.."
: "${BPETRAIN:=bin/bpetrain}"
: "${TEST_BIN_DIR:=build/release/tests}"
export BPETRAIN
passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
    local name=$1; shift
    echo "== $name"
    local start=$SECONDS
    "$@" >"$log" 2>&1
    local rc=$?
    cat "$log"
    local p f s
    p=$(grep -c '^PASS ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    s=$(grep -c '^SKIP ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name exited with status $rc"
        f=1
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        echo "FAIL $name ran no check"
        f=1
    fi
    echo "-- $name: $p passed, $f failed, $s skipped ($((SECONDS - start)) s)"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
}

for t in "$TEST_BIN_DIR"/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.o|*.d) continue ;; esac
    run_one "$(basename "$t")" "$t"
done
for t in tests/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t")" bash "$t"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
