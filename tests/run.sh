#!/usr/bin/env bash
# run.sh [NAME...]: runs every test program and test script, then prints the
# closing line CI reads: "N passed, N failed, N skipped". With NAMEs, runs only
# the files whose name contains one of them (a glob also works):
#     tests/run.sh test_cli test_heap
#
# Each test prints "PASS what", "FAIL what" or "SKIP reason" lines (for the
# scripts, tests/lib.sh has the helpers). A skip is never a pass. A file also
# counts one failure when it
#   - exits non-zero without a FAIL line (a crash, a sanitizer report),
#   - prints no PASS, FAIL or SKIP line at all (it ran no check),
#   - runs past TEST_TIMEOUT seconds: it is stopped, and so is every process
#     it started, even one outside its process group.
# While a file runs, a progress line comes every TEST_PROGRESS seconds; the
# file's own output follows when it ends, so the two never interleave.
#
# Environment: TEST_TIMEOUT seconds per file (900, and 1800 when SANITIZE is
# set: a sanitizer build runs several times slower), TEST_PROGRESS (30),
# TEST_KILL_GRACE (10) seconds between SIGTERM and SIGKILL of a test past
# its limit, TEST_BIN_DIR (build/release/tests) the test programs,
# TEST_DIR (tests) the test scripts, BPETRAIN (bin/bpetrain).
set -u
cd "$(dirname "$0")/.." || exit 2
: "${BPETRAIN:=bin/bpetrain}"
: "${TEST_BIN_DIR:=build/release/tests}"
: "${TEST_DIR:=tests}"
: "${TEST_TIMEOUT:=$(if [ -n "${SANITIZE:-}" ]; then echo 1800; else echo 900; fi)}"
: "${TEST_PROGRESS:=30}"
: "${TEST_KILL_GRACE:=10}"
export BPETRAIN

for v in TEST_TIMEOUT TEST_PROGRESS TEST_KILL_GRACE; do
    if ! [[ ${!v} =~ ^[0-9]+$ ]] || [ "${!v}" -eq 0 ]; then
        echo "run.sh: $v must be a whole number of seconds above 0, not '${!v}'" >&2
        exit 2
    fi
done

passed=0
failed=0
skipped=0
ran=0
current=""        # the running test's process group (its `timeout`), if any
current_mark=""   # the value of BPEBENCH_RUN_MARK that its processes inherit
work=$(mktemp -d) || exit 2
log=$work/log     # the running test's output
# A pipe whose only writers are the running test's processes: reading it
# sees end-of-file the moment they have all exited (see watch). Opened
# read-write first, as opening a FIFO for reading alone would wait for a
# writer.
mkfifo "$work/alive" || exit 2
exec {alive_rw}<>"$work/alive" {alive}<"$work/alive" {alive_rw}>&-

# ---- processes ---------------------------------------------------------------

# marked_pids MARK: the processes whose environment holds BPEBENCH_RUN_MARK=MARK,
# i.e. everything a test started, even what left its process group
# (test_signals.sh runs its jobs under job control, each in a group of its own).
marked_pids() {
    local f
    for f in $(grep -lzxF "BPEBENCH_RUN_MARK=$1" /proc/[0-9]*/environ 2>/dev/null); do
        f=${f#/proc/}
        echo "${f%/environ}"
    done
}

# kill_marked MARK: SIGKILL to what is left of a test; prints how many.
kill_marked() {
    local pids
    pids=$(marked_pids "$1")
    # shellcheck disable=SC2086 # one pid a word
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
    echo "$pids" | grep -c .
}

# stop_current: the runner is leaving while a test runs (Ctrl-C, SIGTERM). The
# test runs in a session of its own, out of reach of the terminal's signals,
# so it is stopped here: SIGTERM to its group (its EXIT traps remove its
# temporary files), a moment to end, then SIGKILL to whatever is left.
stop_current() {
    [ -n "$current" ] || return 0
    kill -TERM -- "-$current" 2>/dev/null
    local _
    for _ in $(seq 50); do
        kill -0 "$current" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$current" 2>/dev/null
    kill_marked "$current_mark" >/dev/null
    current=""
}

# in_main: whether this is the runner's own shell. A subshell (a command
# substitution) that Ctrl-C reaches before it has reset the traps it
# inherited runs them too: it must not stop the test or remove $work.
in_main() { [ "$BASHPID" = "$$" ]; }

on_signal() { # on_signal STATUS
    in_main || exit "$1"
    echo "run.sh: interrupted; stopped the running test" >&2
    stop_current
    exit "$1"
}
trap 'in_main && { stop_current; rm -rf "$work"; }' EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

# watch NAME START: returns once the running test has ended, with a line
# saying NAME still runs every TEST_PROGRESS seconds until then (START is
# $SECONDS when it started). Its output waits in $log, so the lines cannot
# interleave with it. Reads of one second at most also notice a test that
# has ended while a process it left behind still holds the pipe.
watch() {
    local name=$1 start=$2 next=$(($2 + TEST_PROGRESS))
    while :; do
        read -r -t 1 -u "$alive" _
        [ $? -ne 1 ] || return 0      # end of file: the test and all it started are gone
        kill -0 "$current" 2>/dev/null || return 0
        if [ "$SECONDS" -ge "$next" ]; then
            echo ".. $name still running ($((SECONDS - start)) s)"
            next=$((next + TEST_PROGRESS))
        fi
    done
}

# ---- one test file -----------------------------------------------------------

# run_limited NAME COMMAND...: runs COMMAND with its output in $log, in a
# session of its own (no terminal to stop or steal, one process group to
# kill) and under the time limit; sets rc.
run_limited() {
    local name=$1 start=$SECONDS w; shift
    current_mark="bpebench-run.$$.$name"
    # The test inherits the pipe's write end, which the runner then closes.
    exec {w}>"$work/alive"
    BPEBENCH_RUN_MARK=$current_mark setsid -w \
        timeout -k "$TEST_KILL_GRACE" "$TEST_TIMEOUT" "$@" </dev/null >"$log" 2>&1 {alive}<&- &
    current=$!
    exec {w}>&-
    watch "$name" "$start"
    wait "$current"
    rc=$?
    current=""
}

# count_lines WORD: how many lines of $log begin with "WORD ".
count_lines() { grep -c "^$1 " "$log"; }

run_one() { # run_one NAME COMMAND...
    local name=$1 start=$SECONDS rc
    echo "== $name"
    run_limited "$@"
    local elapsed=$((SECONDS - start)) left
    left=$(kill_marked "$current_mark")
    cat "$log"
    local p f s
    p=$(count_lines PASS)
    f=$(count_lines FAIL)
    s=$(count_lines SKIP)
    # timeout exits 124 after its SIGTERM, 137 when SIGKILL was needed.
    if { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } && [ "$elapsed" -ge "$TEST_TIMEOUT" ]; then
        echo "FAIL $name timed out after $TEST_TIMEOUT s"
        f=$((f + 1))
        left=0   # stopping what it started is part of the timeout, not news
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name exited with status $rc"
        f=1
    elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        echo "FAIL $name ran no check"
        f=1
    fi
    [ "$left" -eq 0 ] || echo "note: $name left $left processes running; killed them"
    echo "-- $name: $p passed, $f failed, $s skipped ($elapsed s)"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    ran=$((ran + 1))
}

# wanted NAME: whether NAME is selected by the command line's NAMEs.
wanted() {
    [ $# -gt 1 ] || return 0
    local name=$1 a; shift
    for a in "$@"; do
        # shellcheck disable=SC2053 # a NAME may be a glob
        [[ $name == *$a* ]] && return 0
    done
    return 1
}

for t in "$TEST_BIN_DIR"/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.o|*.d) continue ;; esac
    wanted "$(basename "$t")" "$@" && run_one "$(basename "$t")" "$t"
done
for t in "$TEST_DIR"/test_*.sh; do
    [ -f "$t" ] || continue
    wanted "$(basename "$t")" "$@" && run_one "$(basename "$t")" bash "$t"
done
if [ "$ran" -eq 0 ]; then
    echo "FAIL no test file matches: $*"
    failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
