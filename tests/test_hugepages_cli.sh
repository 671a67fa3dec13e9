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

# ---- scripts/hugepages.py: the measurement behind REPORT.md's "Huge pages" -----------
python3 scripts/hugepages.py --input "$TS" --vocab 400 --fork-vocab 270 --repeat 1 \
    --gaps "0 0.1" --results "$tmp/hres" --bpetrain "$BPETRAIN" 2>"$tmp/hres.err"
check "hugepages.py on the sample: exit 0, one session with its rows and context" \
    bash -c "test $? -eq 0 && ls '$tmp'/hres/sessions/*/hugepages.csv '$tmp'/hres/sessions/*/context.json >/dev/null"
python3 - "$tmp/hres" >"$tmp/hres.out" <<'PY'
import csv, glob, os, sys
sys.path.insert(0, "scripts")
import hugepages
rows = list(csv.DictReader(open(glob.glob(os.path.join(sys.argv[1], "sessions", "*", "hugepages.csv"))[0])))
print("rows", len(rows))
print("cases", sorted({(r["case"], r["gap_s"]) for r in rows}))
print("mode as asked", all(r["huge_pages"] == r["mode"] for r in rows))
print("same merges", all(len({r["merges_hash"] for r in rows if r["case"] == c}) == 1 for c in ("train", "fork")))
root = os.path.dirname(sys.argv[1])
os.rename(sys.argv[1], os.path.join(root, "hugepages"))
t = hugepages.report_sections(root, "R.md")["table"]
print("table rows", sum(1 for ln in t if ln.startswith("| whole") or ln.startswith("| backend")))
print("ratios", sum(1 for ln in t if ln.rstrip().endswith("× |")))
print("auto named", "`--huge-pages auto` chose: on" in t[0] or "`--huge-pages auto` chose: off" in t[0])
PY
check "hugepages.py: 2 modes x (2 gaps + fork) x 1 repeat = 6 rows" grep -qx "rows 6" "$tmp/hres.out"
check "hugepages.py: the cases asked for" \
    grep -qx "cases \[('fork', '0.0'), ('train', '0.0'), ('train', '0.1')\]" "$tmp/hres.out"
check "hugepages.py: each run had the mode it asked for (CSV huge_pages)" grep -qx "mode as asked True" "$tmp/hres.out"
check "hugepages.py: on and off learned the same merges in each case" grep -qx "same merges True" "$tmp/hres.out"
check "hugepages.py: the report table has a row per case and mode, a ratio per case, and auto's choice" \
    bash -c "grep -qx 'table rows 6' '$tmp/hres.out' && grep -qx 'ratios 3' '$tmp/hres.out' && grep -qx 'auto named True' '$tmp/hres.out'"
python3 scripts/hugepages.py --input "$TS" --gaps "x" --results "$tmp/hbad" 2>"$tmp/hbad.err"
rc=$?
check "hugepages.py --gaps x: refused (exit 2), nothing written" \
    bash -c "[ $rc -eq 2 ] && grep -q 'gaps expects seconds' '$tmp/hbad.err' && [ ! -e '$tmp/hbad' ]"
