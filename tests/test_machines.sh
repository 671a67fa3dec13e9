#!/usr/bin/env bash
# test_machines.sh: results belong to the machine that measured them. Machines are
# simulated with BPEBENCH_FINGERPRINT_OVERRIDE: a second machine's bench measures anew
# in a session of its own and leaves the first machine's rows and context byte for byte;
# a rerun on one machine skips; the report picks the machine by its rules, names it,
# compares machines, never writes results/, and reports a bad runs.csv line with its file
# and line number. A run skipped for time keeps the machine's runs complete and is not
# retried at the same limit. peers.py (bpetrain only, small) does the same on two machines,
# and bad lines of peers.csv, updates.csv and an MPI session's runs.csv are reported with
# file and line. Run from the repository root after make; prints PASS/FAIL lines.
set -u
. "$(dirname "$0")/lib.sh"

RES=$tmp/res
A='{"cpu_model": "Test CPU A", "caches": "L2 1024KiB x2"}'
B='{"cpu_model": "Test CPU B", "caches": "L2 512KiB x2"}'
C='{"cpu_model": "Test CPU C"}'
as() { local fp=$1; shift; BPEBENCH_FINGERPRINT_OVERRIDE=$fp "$@"; }
bench() { python3 scripts/bench.py --results "$RES" --dataset cs336 --repeat 1 --workers "1 2" \
    --backends "serial pool" --count-workers 1 "$@"; }
report() { python3 scripts/report.py --results "$RES" --no-plots --report "$tmp/R.md" "$@" cs336; }
machine_id() {
    BPEBENCH_FINGERPRINT_OVERRIDE=$1 python3 -c \
        'import sys; sys.path.insert(0, "scripts"); from benchlib import machine; print(machine.this_machine()["id"])'
}
# Every file under results/ with its sha256, to compare before and after.
snapshot() { (cd "$RES" && find . -type f -print0 | xargs -0 sha256sum | sort); }
only_added() { test -z "$(comm -23 "$1" "$2")"; }   # every line of snapshot $1 is in $2
sessions_of() { ls -d "$RES"/cs336/sessions/*-"$1"* 2>/dev/null; }
column_values() {   # column_values CSV COLUMN: the distinct values of COLUMN
    python3 -c 'import csv, sys; print(" ".join(sorted({r[sys.argv[2]] for r in csv.DictReader(open(sys.argv[1]))})))' "$@"
}

ida=$(machine_id "$A"); idb=$(machine_id "$B"); idc=$(machine_id "$C")
check "three simulated machines have three ids" \
    test "$(printf '%s\n' "$ida" "$idb" "$idc" | sort -u | wc -l)" = 3

# ---- machine A measures; machine B measures anew ---------------------------------------
as "$A" bench 2>"$tmp/a.err"
check "machine A: bench exits 0 and opens one session" \
    test $? -eq 0 -a "$(sessions_of "$ida" | wc -l)" = 1
sa=$(sessions_of "$ida")
check "machine A: every row names machine A and A's session" \
    test "$(column_values "$sa/runs.csv" machine_id)/$(column_values "$sa/runs.csv" session_id)" \
         = "$ida/$(basename "$sa")"
check "machine A: the session's context records A's fingerprint and the plan" \
    python3 - "$sa/context.json" "$ida" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["machine"]["id"] == sys.argv[2] and c["machine"]["fingerprint"]["cpu_model"] == "Test CPU A"
assert len(c["plan"]) == 4, c["plan"]
EOF
snapshot >"$tmp/snap.a"
as "$B" bench 2>"$tmp/b.err"
check "machine B: bench measures anew (4 runs), nothing skipped" \
    bash -c "! grep -q 'already measured' '$tmp/b.err' && grep -q '^bench: 4 runs of cs336' '$tmp/b.err'"
sb=$(sessions_of "$idb")
check "machine B: a session of its own whose rows name machine B" \
    test -n "$sb" -a "$(column_values "$sb/runs.csv" machine_id)" = "$idb"
snapshot >"$tmp/snap.b"
check "machine A's rows and context are byte-identical after B's bench; B only added files" \
    only_added "$tmp/snap.a" "$tmp/snap.b"

# ---- reruns skip; FORCE re-measures in a new session -----------------------------------
as "$B" bench 2>"$tmp/b2.err"
snapshot >"$tmp/snap.b2"
check "machine B again: skips everything and writes nothing" \
    bash -c "grep -q 'all 4 runs of cs336 already measured on this machine' '$tmp/b2.err' && cmp -s '$tmp/snap.b' '$tmp/snap.b2'"
as "$A" bench --force 2>/dev/null
snapshot >"$tmp/snap.f"
check "FORCE on A: a new session; every earlier file byte-identical" \
    bash -c "test $(sessions_of "$ida" | wc -l) = 2" && only_added "$tmp/snap.b2" "$tmp/snap.f"

# ---- the report picks a machine -------------------------------------------------------
snapshot >"$tmp/snap.r"
as "$B" report 2>"$tmp/r.err"
rc=$?
check "report on machine B: exit 0, shows B, the machine running it" \
    bash -c "test $rc -eq 0 && grep '^- Machine: ' '$tmp/R.md' | grep -q 'Test CPU B.*$idb.*the machine running the report'"
check "report: a table compares the 2 machines, ratios to serial 1.00 on both" \
    bash -c "grep -q '^#### Across machines' '$tmp/R.md' && grep -q '^| serial | 1 | 1.00 | 1.00 |$' '$tmp/R.md'"
as "$C" report
check "report on machine C (no runs): the newest complete set, A's (FORCE ran last)" \
    bash -c "grep '^- Machine: ' '$tmp/R.md' | grep -q 'Test CPU A.*$ida.*the newest complete set'"
as "$C" env MACHINE="$idb" python3 scripts/report.py --results "$RES" --no-plots --report "$tmp/R.md" cs336
check "report with MACHINE=B's id: shows B" \
    bash -c "grep '^- Machine: ' '$tmp/R.md' | grep -q 'Test CPU B.*$idb.*chosen with MACHINE'"
as "$C" report --machine nosuch 2>"$tmp/m.err"
rc=$?
check "report with an unknown MACHINE: one-line error, non-zero exit" \
    bash -c "test $rc -ne 0 && test \$(wc -l <'$tmp/m.err') = 1 && grep -q 'MACHINE=nosuch' '$tmp/m.err'"
check "the report never writes under results/" cmp -s "$tmp/snap.r" <(snapshot)
# An interrupted bench on B leaves its plan unfinished: B is no longer complete.
python3 - "$(sessions_of "$idb")/context.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["plan"].append("merge|pool|4|2|none|500|133027|0|layout=flat;touch=0;shuffle=0")
open(p, "w").write(json.dumps(c, indent=2) + "\n")
EOF
as "$B" report
check "report on B when B's runs are incomplete: falls back to the newest complete set (A)" \
    bash -c "grep '^- Machine: ' '$tmp/R.md' | grep -q '$ida'"

# ---- results written before sessions: one legacy session, its machine from context.json --
# Made from A's first session as the committed results were made: no machine, no plan,
# no machine_id/session_id columns, straight under results/<data set>/.
L=$RES/cs336-old
mkdir -p "$L"
python3 - "$sa" "$L" <<'EOF'
import csv, json, sys
src, dst = sys.argv[1], sys.argv[2]
c = json.load(open(src + "/context.json"))
c["topology"]["caches"] = c["machine"]["fingerprint"]["caches"]   # as the override posed
del c["machine"], c["plan"]
json.dump(c, open(dst + "/context.json", "w"), indent=2)
rows = list(csv.DictReader(open(src + "/runs.csv")))
cols = [k for k in rows[0] if k not in ("machine_id", "session_id")]
w = csv.DictWriter(open(dst + "/runs.csv", "w", newline=""), cols, extrasaction="ignore",
                   lineterminator="\n")
w.writeheader(); w.writerows(rows)
EOF
legacy_report() { python3 scripts/report.py --results "$RES" --no-plots --report "$tmp/L.md" cs336-old; }
as "$C" legacy_report 2>"$tmp/l.err"
rc=$?
check "a legacy runs.csv + context.json: reported as one machine, named from its context" \
    bash -c "test $rc -eq 0 && grep '^- Machine: ' '$tmp/L.md' | grep -q 'Test CPU A, 2 cores'"
# The machine that made them (its memory size unknown then, as in the legacy context) with
# the same binaries skips; a new machine (a fresh clone elsewhere) measures and leaves them be.
A_THEN='{"cpu_model": "Test CPU A", "caches": "L2 1024KiB x2", "memory_gib": null}'
as "$A_THEN" bench --tag old 2>"$tmp/then.err"
check "legacy results: their own machine and binaries skip every run" \
    grep -q 'all 4 runs of cs336-old already measured' "$tmp/then.err"
(cd "$L" && sha256sum runs.csv context.json) >"$tmp/legacy.sum"
as "$C" bench --tag old 2>"$tmp/new.err"
check "legacy results: a new machine measures anew, the legacy files byte-identical" \
    bash -c "grep -q '^bench: 4 runs of cs336-old' '$tmp/new.err' && (cd '$L' && sha256sum -c --quiet '$tmp/legacy.sum')"
as "$C" legacy_report
check "legacy results: the report on the new machine names it, beside the legacy machine" \
    bash -c "grep '^- Machine: ' '$tmp/L.md' | grep -q 'Test CPU C.*$idc.*the machine running the report' && grep -q '^#### Across machines' '$tmp/L.md'"

# ---- a truncated and a malformed line: skipped, reported with file and line -------------
f=$(sessions_of "$ida" | head -1)/runs.csv
cp "$f" "$tmp/runs.good"
{ cat "$tmp/runs.good"; echo "serial,1,2"; head -2 "$tmp/runs.good" | tail -1 | head -c 40; } >"$f"
n=$(wc -l <"$tmp/runs.good")
as "$A" report 2>"$tmp/bad.err"
rc=$?
check "bad lines: the report still runs (exit 0)" test $rc -eq 0
check "bad lines: a warning names the file and line of each" \
    bash -c "grep -q \"$f:$((n + 1)): .* fields, the header has\" '$tmp/bad.err' && grep -q \"$f:$((n + 2)): truncated\" '$tmp/bad.err'"
check "bad lines: REPORT.md's input notes list them" \
    bash -c "grep -q 'skipped line $((n + 2)) of .*runs.csv: truncated' '$tmp/R.md'"
# A bench that died before its first row leaves a session without rows (or an empty file).
mkdir -p "$RES/cs336/sessions/29991231T000000.000Z-$idc"
: >"$RES/cs336/sessions/29991231T000000.000Z-$idc/runs.csv"
as "$A" report 2>"$tmp/empty.err"
rc=$?
check "an empty session runs.csv: a warning with its file, the report still runs on A's rows" \
    bash -c "test $rc -eq 0 && grep -q '29991231T000000.000Z-$idc/runs.csv:1: empty' '$tmp/empty.err' && grep '^- Machine: ' '$tmp/R.md' | grep -q '$ida'"

# ---- runs skipped for time: the machine's runs still complete, a rerun does not retry them --
# Made from A's first session (no timing involved): its pool W=2 run posed as killed at a
# 90 s limit, as bench.py records it in the session's skipped.csv.
T=$tmp/rest
mkdir -p "$T/cs336/sessions"
st=$T/cs336/sessions/$(basename "$sa")
cp -r "$sa" "$st"
python3 - "$st" <<'EOF2'
import csv, json, sys
d = sys.argv[1]
sys.path.insert(0, "scripts")
from benchlib import runs, sessions
c = json.load(open(d + "/context.json"))
c["time_limit_s"] = 90.0
open(d + "/context.json", "w").write(json.dumps(c, indent=2) + "\n")
rows = list(csv.DictReader(open(d + "/runs.csv")))
keep = [r for r in rows if not (r["backend"] == "pool" and r["workers"] == "2")]
assert len(keep) == len(rows) - 1
open(d + "/runs.csv", "w").write(runs.csv_text(list(rows[0]), keep))
key = [k for k in c["plan"] if k.split("|")[1:3] == ["pool", "2"]][0]
open(d + "/skipped.csv", "w").write(runs.csv_text(sessions.SKIPPED_COLUMNS,
                                                  [{"plan_key": key, "why": "ran past 90 s"}]))
EOF2
complete() {
    python3 -c 'import sys; sys.path.insert(0, "scripts")
from benchlib import sessions
m = sessions.by_machine(sessions.load(sys.argv[1], None))[sys.argv[2]]
print(m.complete())' "$T/cs336" "$ida"
}
check "a run skipped for time counts as done: the machine's runs are complete" test "$(complete)" = True
mv "$st/skipped.csv" "$tmp/skipped.csv"
check "without skipped.csv the same session is incomplete" test "$(complete)" = False
mv "$tmp/skipped.csv" "$st/skipped.csv"
snapshot_t() { (cd "$T" && find . -type f -print0 | xargs -0 sha256sum | sort); }
snapshot_t >"$tmp/snap.t"
as "$A" bench --results "$T" --time-limit 90 2>"$tmp/t.err"
check "rerun with the same time limit: skips, says one stays skipped for time, writes nothing" \
    bash -c "grep -q 'all 4 runs of cs336 already measured on this machine.*1 of them ran past the 90 s time limit' '$tmp/t.err' && cmp -s '$tmp/snap.t' <(cd '$T' && find . -type f -print0 | xargs -0 sha256sum | sort)"
as "$C" python3 scripts/report.py --results "$T" --no-plots --report "$tmp/T.md" cs336 2>/dev/null
check "the report lists the run skipped for time under the section's warnings" \
    grep -q 'skipped for time (ran past the 90 s limit, no row): pool W=2' "$tmp/T.md"
as "$A" bench --results "$T" --time-limit 120 2>"$tmp/t2.err"
check "rerun with another time limit: measures that one run again" grep -q '^bench: 1 runs of cs336' "$tmp/t2.err"
as "$C" python3 scripts/report.py --results "$T" --no-plots --report "$tmp/T.md" cs336 2>/dev/null
check "once measured, the run is no longer listed as skipped for time" \
    bash -c "! grep -q 'skipped for time' '$tmp/T.md'"

# ---- another producer: scripts/peers.py (bpetrain only, vocab 300) on two machines --------
PD=test-machines-$$
on_exit "rm -rf build/peers/$PD"
peers() { python3 scripts/peers.py tests/fixtures/cs336/corpus.en --dataset "$PD" --vocab 300 \
    --repeat 1 --trainers ours --workers 1 --results "$RES" "$@"; }
psessions_of() { ls -d "$RES/$PD"/sessions/*-"$1"* 2>/dev/null; }
as "$A" peers 2>"$tmp/pa.err"
pa=$(psessions_of "$ida")
check "peers on A: a session of its own, every row naming A and the session" \
    test -n "$pa" -a "$(column_values "$pa/peers.csv" machine_id)/$(column_values "$pa/peers.csv" session_id)" = "$ida/$(basename "$pa")"
check "peers on A: its context records A's fingerprint; its peers.md names A" \
    bash -c "grep -q 'Test CPU A' '$pa/context.json' && grep -q \"machine $ida\" '$pa/peers.md'"
snapshot >"$tmp/snap.pa"
as "$B" peers 2>"$tmp/pb.err"
pb=$(psessions_of "$idb")
snapshot >"$tmp/snap.pb"
check "peers on B: a session of its own; A's peers files byte-identical, B only added files" \
    bash -c "test -n '$pb' && test '$(column_values "$pb/peers.csv" machine_id)' = '$idb'" && only_added "$tmp/snap.pa" "$tmp/snap.pb"
as "$A" report 2>/dev/null
check "report on A: the peers section shows A's session, names A, says 2 machines ran it" \
    bash -c "grep -q \"^Measured .* on Test CPU A.*(machine $ida;\" '$tmp/R.md' && grep -q \"^2 machines ran this comparison; shown: \\\`$ida\\\` (the machine running the report\" '$tmp/R.md'"
as "$C" report 2>/dev/null
check "report on C (no peers run): the newest finished session, B's" \
    grep -q "^Measured .* on Test CPU B.*(machine $idb;" "$tmp/R.md"
# A session whose producer failed after its last row (sessions.mark_failed) is not finished.
echo "bpetrain runs learned different merges" >"$pb/failed.txt"
as "$C" report 2>/dev/null
check "report on C, B's session marked failed: A's finished session instead" \
    grep -q "^Measured .* on Test CPU A.*(machine $ida;" "$tmp/R.md"
rm -f "$pb/failed.txt"
as "$C" env MACHINE="$ida" python3 scripts/report.py --results "$RES" --no-plots --report "$tmp/R.md" cs336 2>/dev/null
check "report with MACHINE=A's id: the peers section shows A" \
    grep -q "^Measured .* on Test CPU A.*(machine $ida;" "$tmp/R.md"
check "the report never writes under results/ (peers included)" cmp -s "$tmp/snap.pb" <(snapshot)
# A truncated peers.csv line (a write cut short): a warning with its file and line.
n=$(wc -l <"$pb/peers.csv")
printf '%s' "$PD,bpetrain,heap,1,300" >>"$pb/peers.csv"
as "$B" report 2>"$tmp/pbad.err"
rc=$?
check "a truncated peers.csv line: the report runs, a warning names its file and line" \
    bash -c "test $rc -eq 0 && grep -q '$pb/peers.csv:$((n + 1)): truncated' '$tmp/pbad.err'"

# ---- bad lines in the update step's and MPI's results: file and line, the report runs -------
mkdir -p "$RES/update"
cp tests/fixtures/update/updates.csv tests/fixtures/update/context.json "$RES/update/"
n=$(wc -l <"$RES/update/updates.csv")
echo "sample,heap serial,9" >>"$RES/update/updates.csv"
MS=$(ls -d results/mpi/sample/sessions/* | head -1)
mkdir -p "$RES/mpi/sample/sessions"
cp -r "$MS" "$RES/mpi/sample/sessions/"
ms=$RES/mpi/sample/sessions/$(basename "$MS")
m=$(wc -l <"$ms/runs.csv")
echo 'pool,1,"unclosed' >>"$ms/runs.csv"
as "$A" report 2>"$tmp/ubad.err"
rc=$?
check "a malformed updates.csv line: the report runs, a warning names its file and line" \
    bash -c "test $rc -eq 0 && grep -q '$RES/update/updates.csv:$((n + 1)): 3 fields, the header has' '$tmp/ubad.err' && grep -q '^<!-- BEGIN GENERATED: update/context' '$tmp/R.md'"
check "a malformed MPI runs.csv line: a warning names its file and line, the mpi sections made" \
    bash -c "grep -q '$ms/runs.csv:$((m + 1)): ' '$tmp/ubad.err' && grep -q '^<!-- BEGIN GENERATED: mpi/context' '$tmp/R.md'"
