#!/usr/bin/env bash
# test_hugepages_cli.sh: --huge-pages auto|on|off: every mode learns the same
# merges, the CSV row and the summary say which was in force, auto follows
# the machine's free page reporting, and a bad mode is one line, exit 2.
set -u
BPETRAIN=${BPETRAIN:-bin/bpetrain}
TS=data/sample/tinystories_v1_head_1097.txt
. "$(dirname "$0")/lib.sh"

# What auto should decide here, read from sysfs independently of the C code:
# a virtio balloon (device 0x0005) with feature bit 5 (free page reporting).
expect_auto=on
for d in /sys/bus/virtio/devices/*; do
    [ "$(cat "$d/device" 2>/dev/null)" = 0x0005 ] &&
        [ "$(cut -c6 "$d/features" 2>/dev/null)" = 1 ] && expect_auto=off
done

for m in auto on off; do
    mkdir -p "$tmp/$m"
    "$BPETRAIN" --input "$TS" --vocab-size 600 --huge-pages "$m" --out "$tmp/$m" \
        --csv "$tmp/$m.csv" 2>"$tmp/$m.err"
    check "--huge-pages $m: exit 0" test $? -eq 0
done
check "on, off and auto learn the same merges" \
    bash -c "cmp -s '$tmp/on/merges.txt' '$tmp/off/merges.txt' && cmp -s '$tmp/on/merges.txt' '$tmp/auto/merges.txt'"
col() { python3 -c 'import csv,sys; print(next(csv.DictReader(open(sys.argv[1])))["huge_pages"])' "$1"; }
check "CSV huge_pages: on for on, off for off" \
    test "$(col "$tmp/on.csv") $(col "$tmp/off.csv")" = "on off"
check "CSV huge_pages: auto is $expect_auto on this machine (free page reporting in sysfs)" \
    test "$(col "$tmp/auto.csv")" = "$expect_auto"
check "the summary names the mode and why" \
    bash -c "grep -q 'huge pages on (--huge-pages on)' '$tmp/on.err' && grep -q 'huge pages off (--huge-pages off)' '$tmp/off.err' && grep -q 'huge pages $expect_auto (auto: ' '$tmp/auto.err'"
# A backend that forks every merge copies the page tables each time: auto
# turns huge pages on for it, and an explicit off still wins.
for m in auto off; do
    mkdir -p "$tmp/fork-$m"
    "$BPETRAIN" --input "$TS" --vocab-size 400 --backend fork --workers 2 --huge-pages "$m" \
        --out "$tmp/fork-$m" --csv "$tmp/fork-$m.csv" 2>"$tmp/fork-$m.err"
done
check "backend fork, auto: huge pages on" test "$(col "$tmp/fork-auto.csv")" = on
check "backend fork, auto: the summary says it is because it forks every merge" \
    grep -q 'huge pages on (auto: the backend forks every merge)' "$tmp/fork-auto.err"
check "backend fork, off: off" test "$(col "$tmp/fork-off.csv")" = off
"$BPETRAIN" --quiet --input "$TS" --vocab-size 400 --out "$tmp/serial400"
check "backend fork learns serial's merges in either mode" \
    bash -c "cmp -s '$tmp/serial400/merges.txt' '$tmp/fork-auto/merges.txt' && cmp -s '$tmp/serial400/merges.txt' '$tmp/fork-off/merges.txt'"
"$BPETRAIN" --input "$TS" --vocab-size 600 --huge-pages maybe 2>"$tmp/bad.err"
rc=$?
check "--huge-pages maybe: exit 2, one line naming the choices" \
    bash -c "[ $rc -eq 2 ] && [ \"\$(cat '$tmp/bad.err')\" = \"bpetrain: --huge-pages expects auto, on or off, got 'maybe'\" ]"
"$BPETRAIN" --help >"$tmp/help"
check "--help describes --huge-pages" grep -q -- '--huge-pages MODE' "$tmp/help"
