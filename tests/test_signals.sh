#!/usr/bin/env bash
# test_signals.sh: SIGINT and SIGTERM during counting and during each
# backend's merge loop: the run dies of the signal (exit status 128+N),
# every worker is killed and reaped, and no output or temporary file is
# left.
set -u
# Job control: background runs must not start with SIGINT ignored, as a
# non-interactive shell would otherwise arrange.
set -m
BPETRAIN=${BPETRAIN:-bin/bpetrain}
TS=data/sample/tinystories_v1_head_1097.txt
. "$(dirname "$0")/lib.sh"

big="$tmp/big.txt"
for _ in $(seq 96); do cat "$TS"; done >"$big"

# wait_for PID WHAT: until the run has reached its merge loop (workers or
# threads exist) or its counting threads are running.
wait_for() {
    local pid=$1 what=$2
    for _ in $(seq 400); do
        kill -0 "$pid" 2>/dev/null || return 1
        case $what in
        children) [ -n "$(pgrep -P "$pid")" ] && return 0 ;;
        threads) [ "$(ls /proc/"$pid"/task 2>/dev/null | wc -l)" -gt 1 ] && return 0 ;;
        esac
        sleep 0.01
    done
    return 1
}

check_run() { # check_run DESCR PID OUT SIGNAL
    local d=$1 pid=$2 out=$3 sig=$4 want
    kill -"$sig" "$pid"
    wait "$pid"
    local rc=$?
    case $sig in INT) want=130 ;; TERM) want=143 ;; esac
    sleep 0.05
    local left files
    left=$(pgrep -f "$out" | wc -l)
    files=$(ls -A "$out" 2>/dev/null | wc -l)
    if [ $rc -eq "$want" ] && [ "$left" -eq 0 ] && [ "$files" -eq 0 ] \
        && [ "$(our_workers)" -eq 0 ]; then
        pass "$d: exit $rc, no worker left, no file written"
    else
        fail "$d: rc=$rc (want $want), $left processes left, $files files"
    fi
}

for sig in INT TERM; do
    out="$tmp/count-$sig"
    "$BPETRAIN" --quiet --input "$big" --vocab-size 300 --count-workers 2 --out "$out" 2>/dev/null &
    pid=$!
    if wait_for $pid threads; then
        check_run "SIG$sig while counting" $pid "$out" $sig
    else
        wait $pid
        fail "SIG$sig while counting: the run ended before it could be signalled"
    fi
done

# Every backend with workers of its own (threads or processes), from the
# trainer's list.
threads=" $(backends_where "b['kind'] == 'threads'") "
for b in $(backends_where "b['kind'] != 'single'"); do
    for sig in INT TERM; do
        out="$tmp/$b-$sig"
        case $threads in *" $b "*) what=threads ;; *) what=children ;; esac
        "$BPETRAIN" --quiet --input "$TS" --vocab-size 8000 --backend $b --workers 8 \
            --count-workers 1 --out "$out" 2>/dev/null &
        pid=$!
        if wait_for $pid $what; then
            check_run "SIG$sig in $b's merge loop" $pid "$out" $sig
        else
            wait $pid
            fail "SIG$sig in $b's merge loop: the run ended before it could be signalled"
        fi
    done
done
