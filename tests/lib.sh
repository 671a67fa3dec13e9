# shellcheck shell=bash
# lib.sh: what every shell test shares. Source it first thing:
#
#     . "$(dirname "$0")/lib.sh"
#
# It gives the test
#   - $tmp, a fresh temporary directory, removed when the test exits (also on
#     SIGTERM, which is how tests/run.sh stops a test past its time limit);
#     `on_exit 'COMMAND'` adds cleanup of the test's own, run before $tmp goes;
#   - the reporting helpers, whose lines tests/run.sh counts: pass, fail, skip,
#     check and verdict;
#   - our_workers, the number of bpetrain/bpescan processes this test started.

# ---- reporting ---------------------------------------------------------------
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; }
# skip REASON: a check that could not run here; counted apart from passes.
skip() { echo "SKIP $1"; }
# COMMAND...; verdict WHAT: PASS or FAIL WHAT as the last command succeeded.
verdict() { if [ $? -eq 0 ]; then pass "$1"; else fail "$1"; fi; }
# check WHAT COMMAND...: runs COMMAND, then PASS or FAIL WHAT as it succeeded.
check() { local d=$1; shift; "$@"; verdict "$d"; }

# The lines of a captured stderr, less LeakSanitizer's note that it could not
# read a thread's registers: a ptrace race of the sanitizer runtime while a
# sanitized driver exits beside dying workers, not a line the driver wrote.
err_lines() { grep -cv '^==[0-9]*==Unable to get registers from thread' "$1"; }

# wait_for_line FILE PATTERN SECONDS: returns once a line of FILE matches the
# grep PATTERN (0), or after SECONDS without one (1); polls every 0.05 s. How a
# test waits for a background run to reach a point before interrupting it.
wait_for_line() {
    local i
    for ((i = 0; i < $3 * 20; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# ---- the temporary directory and cleanup -------------------------------------
tmp=$(mktemp -d) || { fail "lib.sh: cannot create a temporary directory"; exit 1; }
lib_cleanup=()
# on_exit 'COMMAND': run COMMAND when the test exits, before $tmp is removed.
on_exit() { lib_cleanup+=("$1"); }
lib_exit() {
    # Only the test's own shell: a subshell killed before it has reset the
    # traps it inherited runs them too, and must not remove $tmp.
    [ "$BASHPID" = "$$" ] || return 0
    local c
    for c in "${lib_cleanup[@]}"; do eval "$c"; done
    rm -rf "$tmp"
}
# A signal ends the test through lib_exit, and a second one (timeout sends
# SIGTERM to the test and then to its whole group) must not cut it short.
lib_signal() { trap '' INT TERM HUP; exit $((128 + $1)); }
trap lib_exit EXIT
trap 'lib_signal 1' HUP
trap 'lib_signal 2' INT
trap 'lib_signal 15' TERM

# ---- backends ----------------------------------------------------------------
# backends_where EXPR: the names of the backends `$BPETRAIN --list-backends
# --json` lists for which the Python expression EXPR holds of `b` (one entry
# of that list), in registry order; e.g. backends_where "b['kind'] == 'threads'".
backends_where() {
    "${BPETRAIN:-bin/bpetrain}" --list-backends --json | python3 -c \
        "import json,sys; print(' '.join(b['name'] for b in json.load(sys.stdin) if eval(sys.argv[1])))" "$1"
}

# ---- workers -----------------------------------------------------------------
# Worker processes started by this test inherit the marker, so that workers
# of other jobs on the machine are never counted as left behind.
export BPEBENCH_TEST_MARK="$tmp"
# our_workers [PATTERN]: how many of this test's processes match PATTERN
# (pgrep -f; bpetrain and bpescan by default).
our_workers() {
    local n=0 p
    for p in $(pgrep -f "${1:-bpe(train|scan)}"); do
        [ "$p" = "$$" ] && continue
        { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "BPEBENCH_TEST_MARK=$tmp" \
            && n=$((n + 1))
    done
    echo $n
}
