#!/usr/bin/env bash
# test_runner.sh: tests/run.sh itself, pointed (TEST_DIR, TEST_BIN_DIR) at a
# directory of fake tests: one passing, one failing, one skipping, one that
# hangs past a 2 s limit, one crashing without a FAIL line, one printing
# nothing, and a fake test program. Checks the counts, the closing line,
# the exit status, the name filter, the progress lines, the time limit's
# cleanup (no process left, not even outside the test's process group), and
# lib.sh's temporary directory and on_exit.
set -u
. "$(dirname "$0")/lib.sh"

# The fake tests run tests/run.sh's loop, never this file; should a broken
# TEST_DIR make the inner run.sh find it, it stops here instead of recursing.
if [ -n "${BPEBENCH_RUNNER_NESTED:-}" ]; then
    skip "test_runner.sh inside a test_runner.sh run: not run again"
    exit 0
fi

LIB=$PWD/tests/lib.sh
fake=$tmp/fake
bin=$tmp/bin
state=$tmp/state   # what the fake tests leave for the checks below
mkdir -p "$fake" "$bin" "$state"

# fake NAME BODY: writes the fake test script NAME.sh, which sources lib.sh.
fake() {
    printf '#!/usr/bin/env bash\nset -u\n. "%s"\n%s\n' "$LIB" "$2" >"$fake/$1.sh"
}
fake test_pass "check 'true is true' true
pass 'a second check'
echo \"\$tmp\" >'$state/pass.tmp'
on_exit \"touch '$state/pass.cleaned'\""
fake test_fail "pass 'one good check'
fail 'one bad check'"
fake test_skip "skip 'no widget on this machine'"
# The hang leaves a sleep in its group and one in a session of its own: the
# runner must stop both.
fake test_hang "echo \"\$tmp\" >'$state/hang.tmp'
pass 'a check before the hang'
sleep 600 &
echo \$! >>'$state/hang.pids'
setsid sleep 600 &
echo \$! >>'$state/hang.pids'
wait"
fake test_crash "pass 'a check before the crash'
exit 3"
fake test_silent "echo 'no check here'"
printf '#!/bin/sh\necho "PASS the fake program"\n' >"$bin/test_prog"
chmod +x "$bin/test_prog"

# Every tests/run.sh below runs the fakes, with short limits.
export BPEBENCH_RUNNER_NESTED=1 TEST_DIR=$fake TEST_BIN_DIR=$bin TEST_TIMEOUT=2 TEST_PROGRESS=1 \
    TEST_KILL_GRACE=1
# runner NAME [ARGS...]: runs tests/run.sh ARGS, output to $tmp/NAME.out and
# .err, exit status to $tmp/NAME.rc.
runner() {
    local n=$1; shift
    bash tests/run.sh "$@" >"$tmp/$n.out" 2>"$tmp/$n.err"
    echo $? >"$tmp/$n.rc"
}
last_line() { tail -n 1 "$tmp/$1.out"; }
has() { grep -qxF -- "$2" "$tmp/$1.out"; }            # has RUN EXACT-LINE
count() { grep -c -- "$2" "$tmp/$1.out"; }            # count RUN PATTERN
line_no() { grep -nx -- "$2" "$tmp/$1.out" | head -1 | cut -d: -f1; }  # line_no RUN PATTERN
rc_of() { cat "$tmp/$1.rc"; }
# summary RUN FILE: the counts of FILE's closing "-- FILE: ..." line.
summary() { sed -n "s/^-- $2: \(.*\) ([0-9]* s)\$/\1/p" "$tmp/$1.out"; }
all_gone() { # all_gone PIDFILE: none of the pids in it still runs (a zombie is
    # gone: the init of a container may take its time to reap an orphan)
    local p
    [ -s "$1" ] || return 1
    for p in $(cat "$1"); do
        case $(ps -o stat= -p "$p") in "" | Z*) ;; *) return 1 ;; esac
    done
}
# removed FILE: FILE names a directory (a fake test's $tmp) that is gone.
removed() { [ -s "$1" ] && [ ! -e "$(cat "$1")" ]; }
# progress_first: the hang's first progress line comes after its "==" line
# and before its own output.
progress_first() {
    local n
    n=$(line_no all '[.][.] test_hang.sh still running ([0-9]* s)')
    [ -n "$n" ] && [ "$n" -gt "$(line_no all '== test_hang.sh')" ] \
        && [ "$n" -lt "$(line_no all 'PASS a check before the hang')" ]
}

# ---- every fake test ---------------------------------------------------------
runner all
check "all: closing line '6 passed, 4 failed, 1 skipped', alone on the last line" \
    test "$(last_line all)" = "6 passed, 4 failed, 1 skipped"
check "all: a failure makes the exit status non-zero" test "$(rc_of all)" -ne 0
check "all: nothing on stderr" test ! -s "$tmp/all.err"
check "all: the failing test's own FAIL line is printed and counted" \
    test "$(count all '^FAIL one bad check$')/$(summary all test_fail.sh)" = "1/1 passed, 1 failed, 0 skipped"
check "all: a skip-only file counts a skip, not a pass, and is not 'ran no check'" \
    test "$(summary all test_skip.sh)/$(count all 'test_skip.sh ran no check')" = "0 passed, 0 failed, 1 skipped/0"
check "all: the hang fails with one line 'FAIL test_hang.sh timed out after 2 s'" \
    test "$(count all 'test_hang.sh timed out')/$(count all '^FAIL test_hang.sh timed out after 2 s$')" = 1/1
check "all: the hang's checks before it are still counted" \
    test "$(summary all test_hang.sh)" = "1 passed, 1 failed, 0 skipped"
check "all: the hang's processes are gone, in its group and outside it" all_gone "$state/hang.pids"
check "all: a crash without a FAIL line fails, naming the status" \
    has all "FAIL test_crash.sh exited with status 3"
check "all: a file without PASS, FAIL or SKIP fails: 'ran no check'" \
    has all "FAIL test_silent.sh ran no check"
check "all: the test program in TEST_BIN_DIR runs and counts" \
    test "$(summary all test_prog)" = "1 passed, 0 failed, 0 skipped"
check "all: a progress line while the hang runs, before its own output" progress_first
check "all: lib.sh's on_exit command ran" test -e "$state/pass.cleaned"
check "all: lib.sh's temporary directory is removed" removed "$state/pass.tmp"
check "all: lib.sh's temporary directory is removed after a timeout too" removed "$state/hang.tmp"

# ---- the name filter ---------------------------------------------------------
runner skip test_skip
check "filter test_skip: '0 passed, 0 failed, 1 skipped', exit 0" \
    test "$(last_line skip)" = "0 passed, 0 failed, 1 skipped" -a "$(rc_of skip)" = 0
check "filter test_skip: no other file runs" test "$(count skip '^== ')" = 1
runner two test_pass prog
check "filter with two names: both files, '3 passed, 0 failed, 0 skipped', exit 0" \
    test "$(last_line two)" = "3 passed, 0 failed, 0 skipped" -a "$(rc_of two)" = 0
runner none nosuch
check "a filter matching nothing fails with one line naming it" \
    test "$(last_line none)" = "0 passed, 1 failed, 0 skipped" -a "$(rc_of none)" -ne 0 \
    -a "$(count none '^FAIL no test file matches: nosuch$')" = 1

# ---- bad settings ------------------------------------------------------------
TEST_TIMEOUT=soon runner bad
check "TEST_TIMEOUT=soon: exit 2 with a one-line error, no test run" \
    test "$(rc_of bad)" = 2 -a "$(wc -l <"$tmp/bad.err")" = 1 -a ! -s "$tmp/bad.out"

# ---- the runner stopped while a test runs ------------------------------------
rm -f "$state/hang.pids" "$state/hang.tmp"
TEST_TIMEOUT=60 bash tests/run.sh test_hang >"$tmp/term.out" 2>"$tmp/term.err" &
pid=$!
for _ in $(seq 100); do
    [ "$({ wc -l <"$state/hang.pids"; } 2>/dev/null)" = 2 ] && break
    sleep 0.05
done
kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM to run.sh during a test: exit 143 and a line saying so" \
    test "$rc/$(grep -c 'interrupted' "$tmp/term.err")" = 143/1
check "SIGTERM to run.sh during a test: the test's processes are gone" all_gone "$state/hang.pids"
check "SIGTERM to run.sh during a test: the test's temporary directory is removed" removed "$state/hang.tmp"
