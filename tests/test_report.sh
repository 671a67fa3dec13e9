#!/usr/bin/env bash
# test_report.sh: scripts/report.py on a fixed fixture (tests/fixtures/report: serial W=1
# and fork W=1,2, three repeats, counting runs with 1 and 2 workers): exact table cells,
# hand-written text kept byte for byte, idempotent output, plots, and a malformed
# runs.csv refused without touching REPORT.md. Run from the repository root; prints
# PASS/FAIL lines for tests/run.sh.
set -u
REPORT=scripts/report.py
FIX=tests/fixtures/report
. "$(dirname "$0")/lib.sh"

has_line() { grep -Fxq -- "$2" "$1"; }               # has_line FILE EXACT-LINE
# The bytes of FILE outside every generated section (marker lines included).
outside() {
    python3 - "$1" <<'EOF'
import re, sys
mark = re.compile(rb"^<!-- (BEGIN|END) GENERATED: \S+ -->$")
inside, out = False, []
for ln in open(sys.argv[1], "rb").read().splitlines(keepends=True):
    m = mark.match(ln.strip())
    if m:
        inside = m.group(1) == b"BEGIN"
        out.append(ln)
    elif not inside:
        out.append(ln)
sys.stdout.buffer.write(b"".join(out))
EOF
}
report() { python3 "$REPORT" --results "$tmp/results" --plots "$tmp/plots" "$@"; }

mkdir -p "$tmp/results/fixture"
cp "$FIX/runs.csv" "$FIX/context.json" "$tmp/results/fixture/"

# ---- a fresh report -------------------------------------------------------------
R=$tmp/REPORT.md
report --report "$R" fixture 2>"$tmp/err"
check "fresh run exits 0 with nothing on stderr" test $? -eq 0 -a ! -s "$tmp/err"
check "a new REPORT.md starts with its title" test "$(head -1 "$R")" = "# bpebench report"
check "a new REPORT.md has the heading and all six marker pairs" \
    test "$(grep -c '^## Data set: fixture$' "$R")" = 1 -a \
         "$(grep -cE '^<!-- (BEGIN|END) GENERATED: fixture/(context|table1|table2|table3|counting|plots) -->$' "$R")" = 12
check "context: bold SYNTHETIC label and the bench's warning" \
    bash -c "grep -q '^\*\*SYNTHETIC data\*\*' '$R' && grep -q '(bench) fixture: numbers are made up' '$R'"
check "context: fork W=1 (20 % spread) listed as noisy, fork W=2 (9.5 %) not" \
    bash -c "grep -q 'noisy: .*fork W=1 merge_s 20.0 %' '$R' && ! grep -q 'fork W=2 merge_s' '$R'"

check "table 1: fork W=2 row, runs as a/b/c in repeat order, word count from 2 count workers" \
    has_line "$R" '| fork (bpe_v4_mp_time) | fixture (synthetic) | 9.80/9.65/10.3 | 1.25/1.30/1.15 | merge: 8.40/8.20/9.00<br>copy: 1.20/1.10/1.30<br>max: 7.00/6.90/7.50<br>compute: 1.10/1.00/1.20<br>update: 0.0900/0.0800/0.100 | workers=2, pin=none |'
check "table 1: the note names the count workers used" \
    grep -q 'with 2 count workers' "$R"
check "table 2: fork W=2 medians (min–max), overhead/merge µs and ratio to serial 7.00" \
    has_line "$R" '| fork | 2 | none | 3 | 8.40 (8.20–9.00) | 7.00 (6.90–7.50) | 1.10 (1.00–1.20) | 7941 (7941–8479) | 1.20 (1.10–1.30) | 0.0900 (0.0800–0.100) | 61.0 (61.0–61.0) | 41.0 (41.0–41.0) | 7.00 |'
check "table 2: serial's ratio is 1.00" grep -q '^| serial | 1 | none | 3 | 1.20 (1.10–1.30) | .* | 1.00 |$' "$R"
check "table 3: fork W=1, article 650 s = 5.56 x serial, no Python here, C here 5.00 x, same shape" \
    has_line "$R" '| fork (bpe_v4_mp_time) | 1 | 3 | 650 | 231 | 5.56 | 0 | — | — | — | — | 3 | 6.00 | 2.00 | 5.00 | yes |'
check "table 3: the article's numbers are labelled as the article's" \
    grep -q 'article (Python, TinyStories 2.1 GB, vocab 10000)\*\*: the article' "$R"
check "counting: 2 workers, 8.00 MB/s, efficiency T1/(2*T2) = 2.00/2.50 = 0.80" \
    has_line "$R" '| 2 | 3 | 1.25 (1.15–1.30) | 8.00 (7.69–8.70) | 4.00 | 0.80 |'

ok=1
for p in merge_time phases counting article; do
    s=$tmp/plots/fixture/$p.svg; g=$tmp/plots/fixture/$p.png
    [ -s "$s" ] && head -c 100 "$s" | grep -q '<?xml' && tail -c 200 "$s" | grep -q '</svg>' || ok=0
    [ -s "$g" ] && [ "$(head -c 8 "$g" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || ok=0
    grep -Fq "(plots/fixture/$p.png)" "$R" && grep -Fq "(plots/fixture/$p.svg)" "$R" || ok=0
done
check "plots: four complete SVGs and PNGs, each linked from the plots section" test $ok = 1
check "no temporary file left behind" \
    test -z "$(find "$tmp" -name '*.tmp.*' -o -name 'report-gp.*' | head -1)"

# ---- a second run changes nothing ---------------------------------------------------
mkdir "$tmp/first"
cp "$R" "$tmp/plots/fixture/"* "$tmp/first/"
report --report "$R" fixture
ok=1
cmp -s "$R" "$tmp/first/REPORT.md" || ok=0
for f in "$tmp/plots/fixture/"*; do cmp -s "$f" "$tmp/first/$(basename "$f")" || ok=0; done
check "a second run is idempotent: REPORT.md and all 8 plots byte-identical" \
    test $ok = 1 -a "$(ls "$tmp/plots/fixture" | wc -l)" = 8
report --report "$R" --no-plots fixture
check "--no-plots leaves REPORT.md (and its plots section) byte-identical" cmp -s "$R" "$tmp/first/REPORT.md"

# ---- hand-written text around the markers is kept byte for byte -------------------
H=$tmp/hand.md
{
    printf '# My report\n\nIntro written by hand, with trailing spaces   \n\tand a tab.\r\n'
    printf 'A CRLF line: ünïcödé.\r\n\n'
    for s in context table1 table2; do
        printf '<!-- BEGIN GENERATED: fixture/%s -->\nSTALE %s\n<!-- END GENERATED: fixture/%s -->\n' "$s" "$s" "$s"
        printf '\nBetween the sections: %s.\n\n' "$s"
    done
    printf '<!-- BEGIN GENERATED: other/context -->\nsomeone else'"'"'s section\n<!-- END GENERATED: other/context -->\n'
    for s in table3 counting plots; do
        printf '<!-- BEGIN GENERATED: fixture/%s -->\n\nSTALE %s\n\n<!-- END GENERATED: fixture/%s -->\n' "$s" "$s" "$s"
        printf 'After %s.\n' "$s"
    done
    printf 'Last line, no newline at the end.'
} >"$H"
cp "$H" "$tmp/hand.orig"
report --report "$H" fixture
check "pre-existing REPORT.md: exit 0" test $? -eq 0
outside "$tmp/hand.orig" >"$tmp/out.before"
outside "$H" >"$tmp/out.after"
check "hand-written text outside the markers is preserved byte for byte" \
    cmp -s "$tmp/out.before" "$tmp/out.after"
check "the stale generated text is replaced, another data set's section is not" \
    bash -c "! grep -q STALE '$H' && grep -q \"someone else's section\" '$H' && grep -q '^| fork | 2 | none | 3 |' '$H'"
check "no data set heading added when the sections exist" bash -c "! grep -q '^## Data set' '$H'"
check "a second run on it is byte-identical" bash -c "cp '$H' '$tmp/hand.1' && python3 '$REPORT' --results '$tmp/results' --plots '$tmp/plots' --report '$H' fixture && cmp -s '$H' '$tmp/hand.1'"

# ---- refusals: REPORT.md untouched -------------------------------------------------------
mkdir -p "$tmp/results/bad"
python3 - "$FIX/runs.csv" "$tmp/results/bad/runs.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
cols = [c for c in rows[0] if c != "merge_s"]
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
EOF
cp "$R" "$tmp/R.before"
report --report "$R" fixture bad 2>"$tmp/err"
rc=$?
check "runs.csv without merge_s: non-zero exit" test $rc -ne 0
check "runs.csv without merge_s: a one-line error naming the column" \
    bash -c "test \$(wc -l <'$tmp/err') -eq 1 && grep -q 'missing required column: merge_s' '$tmp/err'"
check "runs.csv without merge_s: REPORT.md unchanged, no plots written" \
    bash -c "cmp -s '$R' '$tmp/R.before' && test ! -e '$tmp/plots/bad'"
report --report "$R" nosuch 2>/dev/null
rc=$?
check "a data set without runs.csv: non-zero exit, REPORT.md unchanged" \
    bash -c "test $rc -ne 0 && cmp -s '$R' '$tmp/R.before'"
printf 'x\n<!-- BEGIN GENERATED: fixture/context -->\nno end\n' >"$tmp/broken.md"
cp "$tmp/broken.md" "$tmp/broken.orig"
report --report "$tmp/broken.md" fixture 2>/dev/null
rc=$?
check "a BEGIN marker without its END: non-zero exit, file unchanged" \
    bash -c "test $rc -ne 0 && cmp -s '$tmp/broken.md' '$tmp/broken.orig'"

# ---- thin data: one repeat, no serial, no counting runs, empty and NaN fields --------------
mkdir -p "$tmp/results/thin"
{ head -1 "$FIX/runs.csv"; grep -m1 '^fork,2,' "$FIX/runs.csv" | sed 's/,8\.400000,/,nan,/; s/,7\.000000,/,,/'; } \
    >"$tmp/results/thin/runs.csv"
report --report "$tmp/thin.md" thin 2>"$tmp/err"
check "thin data set (one fork run, NaN merge_s, empty max_s, no context.json): exit 0" test $? -eq 0
check "thin data set: ratios n/a and the skipped parts said so" \
    bash -c "grep -q 'No serial runs in this data set' '$tmp/thin.md' && grep -q 'No counting-only runs' '$tmp/thin.md' && grep -q 'context.json missing' '$tmp/thin.md' && grep -q '^| fork | 2 | none | 1 | — | — | 1.10 | — |' '$tmp/thin.md'"

# ---- the update step's sections (scripts/update_sections.py, tests/fixtures/update) --------
# Made-up runs chosen so that every target's ratio is exact: the verdicts must follow them.
UFIX=tests/fixtures/update
mkdir -p "$tmp/uresults/fixture" "$tmp/uresults/update"
cp "$FIX/runs.csv" "$FIX/context.json" "$tmp/uresults/fixture/"
cp "$UFIX/updates.csv" "$UFIX/context.json" "$tmp/uresults/update/"
U=$tmp/update.md
python3 "$REPORT" --results "$tmp/uresults" --plots "$tmp/uplots" --report "$U" fixture 2>"$tmp/err"
check "results/update present: exit 0 and all six update sections" \
    bash -c "test $? -eq 0 && test \$(grep -c '^<!-- BEGIN GENERATED: update/' '$U') -eq 6"
check "update targets: wall and merge-phase CPU ratios of medians, met or not met" \
    bash -c "grep -Fq -- '- the serial update ≥ 2× faster than before: wall 2.50× — **met**; merge-phase CPU 4.00× — **met**;' '$U' &&
             grep -Fq -- '- the sharded update at U = 2 ≥ 1.7× faster than the serial update (wall): 1.60× — **not met**;' '$U' &&
             grep -Fq -- '- heap'\"'\"'s merge phase ≥ 4× faster than before: wall 2.50× — **not met**; merge-phase CPU 4.00× — **met**;' '$U'"
check "update: the millions-of-words corpus's update per merge and peak RSS" \
    grep -Fq 'the update takes 4.00 ms a merge (wall) with peak RSS 100 MB; against before (goal ≥ 4×): wall 2.50× — **not met**; merge-phase CPU 4.00× — **met**.' "$U"
check "update strategies table: before, serial and U rows with round cost and ratios" \
    has_line "$U" '| mail (real) | heap U=2 | 0.500 | 0.500 | 0.500 | — | 0.500 | 100 | 4.00× | 1.60× | 100 |'
check "update: a sharded U that beats the serial update is said to pay" grep -q 'parallel update pay on this machine?\*\* Yes, on mail, synth-256M-g64.' "$U"
cp "$U" "$tmp/update.1"
python3 "$REPORT" --results "$tmp/uresults" --plots "$tmp/uplots" --report "$U" fixture 2>/dev/null
check "update sections: a second run is byte-identical" cmp -s "$U" "$tmp/update.1"

# ---- Table 3 with Python here: <data set>-python holds py-* and C runs of one bench ------
mkdir -p "$tmp/results/fixture-python"
cp "$FIX/context.json" "$tmp/results/fixture-python/"
# The fixture's merge runs as C here, and again as the py-* strategies 10 times slower.
python3 - "$FIX/runs.csv" "$tmp/results/fixture-python/runs.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "merge"]
out = list(rows)
for r in rows:
    p = dict(r, backend="py-" + r["backend"])
    for c in ("merge_s", "max_s", "compute_s", "copy_s", "update_s", "total_s"):
        p[c] = "%.6f" % (float(p[c] or 0) * 10)
    out.append(p)
w = csv.DictWriter(open(sys.argv[2], "w", newline=""), fieldnames=list(rows[0]), lineterminator="\n")
w.writeheader(); w.writerows(out)
PY
report --report "$tmp/py.md" fixture 2>"$tmp/err"
check "Table 3 with fixture-python: exit 0, the python set is no data set section of its own" \
    bash -c "[ $? -eq 0 ] && ! grep -q 'Data set: fixture-python' '$tmp/py.md'"
check "Table 3: fork W=1 in three groups, each over its own serial (Python 60/12 = 5.00)" \
    has_line "$tmp/py.md" '| fork (bpe_v4_mp_time) | 1 | 3 | 650 | 231 | 5.56 | 3 | 60.0 | 10.0 | 20.0 | 5.00 | 3 | 6.00 | 2.00 | 5.00 | yes |'
check "Table 3: a W only measured here has no article cells" \
    grep -q '^| fork (bpe_v4_mp_time) | 2 | 0 | — | — | — | 3 | 84.0 | ' "$tmp/py.md"

# ---- the counting targets (scripts/measure_pretok.py) from made-up runs -------------------
# MB per CPU-second = bytes / 1e6 / cpu_s, chosen so that each verdict sits at its edge.
mkdir -p "$tmp/presults/fixture" "$tmp/presults/pretok" "$tmp/presults/mail"
cp "$FIX/runs.csv" "$FIX/context.json" "$tmp/presults/fixture/"
python3 - "$tmp/presults" <<'PY'
import csv, json, os, sys
d = sys.argv[1]
# (set, pretok, phase, workers) -> (MB per CPU-second, count_s); the rest 100 MB/CPU-s, 1 s.
speed = {("sample", "fast", "pretok", 1): (600, 1), ("synth-256M", "fast", "pretok", 1): (500, 1),
         ("mail", "fast", "pretok", 1): (299, 1),
         ("mail", "fast", "count", 1): (200, 2), ("mail", "before", "count", 1): (40, 1),
         ("mail", "fast", "count", 2): (200, 1), ("mail", "before", "count", 2): (50, 1),
         ("sentences", "fast", "count", 1): (500, 2), ("sentences", "fast", "count", 2): (500, 1.25),
         ("sentences", "before", "count", 1): (100, 1), ("sentences", "before", "count", 2): (100, 1)}
rows = []
for s in ("sample", "synth-256M", "mail", "sentences"):
    for p in ("pcre2", "fast", "before"):
        for ph in ("pretok", "count"):
            if p == "before" and ph == "pretok":
                continue
            for cw in (1, 2):
                for rep in (1, 2, 3):
                    mb, cs = speed.get((s, p, ph, cw), (100, 1))
                    rows.append([s, p, ph, cw, rep, 100000000, cs, "%.6f" % (100 / mb), 7, 9, "16.0.0"])
with open(os.path.join(d, "pretok", "pretok.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["set", "pretok", "phase", "count_workers", "repeat", "bytes", "count_s", "cpu_s",
                "words", "pretokens", "unicode"])
    w.writerows(rows)
ctx = {"started": "s", "finished": "f", "machine": {"id": "m", "label": "M"}, "loadavg_before": [0.5],
       "loadavg_after": [0.5], "before_commit": "ea677a51cb260acb",
       "inputs": {s: {"label": s, "path": s, "bytes": 100000000, "sha256": "0" * 64}
                  for s in ("sample", "synth-256M", "mail", "sentences")}}
json.dump(ctx, open(os.path.join(d, "pretok", "context.json"), "w"))
with open(os.path.join(d, "mail", "peers.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["dataset", "trainer", "backend", "workers", "vocab_size", "repeat", "total_s",
                "peak_rss_kb", "merges", "notes"])
    w.writerow(["mail", "bpetrain", "heap", 2, 30000, 0, "1.0", 1, 1, ""])
    w.writerow(["mail", "hf-tokenizers", "BpeTrainer", 2, 30000, 0, "25.0", 1, 1, ""])
PY
P=$tmp/pretok.md
python3 "$REPORT" --results "$tmp/presults" --plots "$tmp/pplots" --report "$P" fixture 2>"$tmp/err"
check "results/pretok present: exit 0, its table and targets sections" \
    bash -c "test $? -eq 0 && grep -q '^<!-- BEGIN GENERATED: pretok/table' '$P' && grep -q '^<!-- BEGIN GENERATED: pretok/targets' '$P'"
check "counting targets: pre-tokenizing alone, met at 500 and not met at 299" \
    bash -c "grep -Fq 'TinyStories-like text: sample 600, synth-256M 500: **met**.' '$P' && grep -Fq 'on mail: mail 299: **not met**.' '$P'"
check "counting targets: 5× before needs every diverse set at both worker counts" \
    grep -Fq 'CPU-second: mail, 1 worker 5.00×, mail, 2 workers 4.00×, sentences, 1 worker 5.00×, sentences, 2 workers 5.00×: **not met**.' "$P"
check "counting targets: parallel efficiency per repeat, 80 % is not met" \
    grep -Fq 'mail 100 (100–100) %, sentences 80.0 (80.0–80.0) %: **not met**.' "$P"
check "counting targets: HF over ours from mail's peers run, 25× is met" \
    grep -Fq 'in the same peers run: 25.0× (medians of 1 and 1 runs) at vocab 30000' "$P"
check "counting table: before's column and fast ÷ before" \
    has_line "$P" '| mail | count end to end | 1 | 40.0 (40.0–40.0) | 100 (100–100) | 200 (200–200) | 2.00× | 5.00× |'

# ---- the committed REPORT.md, made again from the committed results/ -------------------------
# `make report` (report.py, then experiments.py report) in a copy of HEAD's results/, plots/
# and REPORT.md with this tree's scripts: REPORT.md byte for byte, nothing under results/
# written. (Not in a git checkout: skipped.) Which runs a section shows depends on the
# machine running the report (its own when complete), so the report is made as the machine
# that made the committed one: the one it names as "the machine running the report", or,
# when it names none, a machine that measured nothing.
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
    C=$tmp/committed
    mkdir -p "$C"
    git archive HEAD results plots REPORT.md | tar -x -C "$C"
    cp -r scripts "$C/"
    (cd "$C/results" && find . -type f -print0 | xargs -0 sha256sum | sort) >"$tmp/committed.sum"
    bindir=$(cd "$(dirname "${BPETRAIN:-bin/bpetrain}")" && pwd)
    maker=$(sed -n 's/.*shown: `\([0-9a-f]*\)` (the machine running the report.*/\1/p' \
        "$C/REPORT.md" | sort -u)
    (cd "$C" && export BPEBENCH_REPORT_MACHINE=${maker:-none} && unset MACHINE && \
        BPEBENCH_BIN=$bindir python3 scripts/report.py && \
        BPEBENCH_BIN=$bindir python3 scripts/experiments.py report) >"$tmp/committed.out" 2>&1
    rc=$?
    check "make report on the committed results: exit 0, REPORT.md byte for byte as committed" \
        bash -c "test $rc -eq 0 && git show HEAD:REPORT.md | cmp -s - '$C/REPORT.md'"
    check "make report on the committed results writes nothing under results/" \
        bash -c "cd '$C/results' && find . -type f -print0 | xargs -0 sha256sum | sort | cmp -s - '$tmp/committed.sum'"
else
    skip "the committed REPORT.md made again: not a git checkout"
fi
