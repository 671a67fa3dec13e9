"""Run rows: bpetrain's CSV row plus the bench's columns, in either form, and the one
identity of a run.

Two forms exist. Rows written before the backends owned their options carry
`layout,touch,shuffle_chunks` (and `heap_stale`); newer rows carry `backend_opts`
(every declared option, canonical: `layout=flat;touch=0`) and `backend_counters`
(`heap_stale=12;...`). normalise() turns an old row into the new form, so every reader
sees one form; the committed files are read as they are, never rewritten.
"""
import csv
import io
import os

from .backends import BackendError

# The bench's own columns, after the trainer's.
BENCH_COLUMNS = ["dataset", "repeat", "bench_started", "kind"]
# Old columns -> the option they stand for.
OLD_OPTION_COLUMNS = (("layout", "layout"), ("touch", "touch"), ("shuffle_chunks", "shuffle"))
OLD_COUNTER_COLUMNS = ("heap_stale",)


class Problem:
    """A line of a runs.csv that cannot be used: where it is and why."""

    def __init__(self, path, line, why):
        self.path, self.line, self.why = path, line, why

    def __str__(self):
        return "%s:%d: %s" % (self.path, self.line, self.why)


def read_rows(path):
    """(header, rows, problems) of a CSV file written one complete line per row. Each row
    is a dict with "_line" (its line number); a line with the wrong number of fields, a
    CSV error or no newline at the end (a write cut short) becomes a Problem instead."""
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    last_complete = lines[-1] == ""
    if last_complete:
        lines.pop()
    header, rows, problems = None, [], []
    for i, text in enumerate(lines):
        line = i + 1
        if i == len(lines) - 1 and not last_complete:
            problems.append(Problem(path, line, "truncated: no newline at the end"))
            break
        if not text.strip():
            continue
        try:
            fields = next(csv.reader([text]))
        except csv.Error as e:
            problems.append(Problem(path, line, "malformed: %s" % e))
            continue
        if header is None:
            header = fields
            continue
        if len(fields) != len(header):
            problems.append(Problem(path, line, "%d fields, the header has %d"
                                    % (len(fields), len(header))))
            continue
        row = dict(zip(header, fields))
        row["_line"] = line
        rows.append(row)
    if header is None and not problems:
        problems.append(Problem(path, 1, "empty: no header line"))
    return header, rows, problems


def normalise(row, backends):
    """An old-form row in the new form (in place): backend_opts from layout, touch and
    shuffle_chunks (a missing column is the default), backend_counters from heap_stale."""
    if "backend_opts" not in row:
        given = {opt: row[col] for col, opt in OLD_OPTION_COLUMNS if row.get(col)}
        try:
            declared = backends.option_names(row.get("backend", ""))
            row["backend_opts"] = backends.canonical_opts(
                row.get("backend", ""), {k: v for k, v in given.items() if k in declared})
        except BackendError:
            row["backend_opts"] = ""      # a backend the registry no longer has
    if "backend_counters" not in row:
        row["backend_counters"] = ";".join(
            "%s=%s" % (c, row[c]) for c in OLD_COUNTER_COLUMNS if row.get(c) not in (None, "", "0"))
    for col, _ in OLD_OPTION_COLUMNS:
        row.pop(col, None)
    for col in OLD_COUNTER_COLUMNS:
        row.pop(col, None)
    return row


def run_params(row):
    """The one identity of a run's parameters: two rows with equal params measured the
    same thing (on whichever machine and binaries their session says)."""
    return (row.get("kind", ""), row.get("backend", ""), str(row.get("workers", "")),
            str(row.get("count_workers", "")), row.get("pin") or "none",
            str(row.get("vocab_size", "")), str(row.get("input_bytes", "")),
            str(row.get("repeat", "")), row.get("backend_opts", ""))


def describe(row):
    return "%s W=%s pin=%s repeat %s%s" % (
        row.get("backend"), row.get("workers"), row.get("pin"), row.get("repeat"),
        " " + row["backend_opts"] if row.get("backend_opts") else "")


def csv_text(header, rows, with_header=True):
    """CSV lines of rows (dicts, in header's order, or lists), the header line first."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if with_header:
        w.writerow(header)
    for r in rows:
        w.writerow([r.get(k, "") for k in header] if isinstance(r, dict) else r)
    return out.getvalue()


def append_row(path, header, row):
    """One complete line (with the header if the file is new) in one write, synced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        text = csv_text(header, [row], with_header=os.fstat(fd).st_size == 0)
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


# Options whose value is a file a trainer reads.
INPUT_OPTIONS = ("--input", "--load-counts")


def files_read(cmd):
    """The files a bpetrain command line reads (after --input and --load-counts, either
    `--input F` or `--input=F`)."""
    out = []
    for i, arg in enumerate(cmd):
        name, eq, value = arg.partition("=")
        if name in INPUT_OPTIONS:
            if eq:
                out.append(value)
            elif i + 1 < len(cmd):
                out.append(cmd[i + 1])
    return out


def page_in(paths, cwd=None):
    """Reads each file through once, untimed, so that the timed run after it finds the file
    in the page cache. On the machines this project runs on, the kernel pages out file
    cache that has gone unused for about a minute (DAMON's pageout of cold unmapped
    pages): a count of the sentences, half of them paged out, took 1.9x as long as the
    run after it. A path that does not exist is left for the trainer to report."""
    for p in paths:
        try:
            with open(os.path.join(cwd or "", p), "rb", buffering=0) as f:
                while f.read(1 << 20):
                    pass
        except OSError:
            pass


_columns = {}


def trainer_run(cmd, cwd=None, quiet=False, pause=0.0):
    """Runs a trainer's command line with --csv into a temporary file, its inputs read
    through first and then `pause` seconds waited, both untimed: (the row it wrote, the
    wall seconds from spawn to exit, the wait4 rusage of the process and of the children it
    waited for). stderr is dropped when quiet. Raises subprocess.CalledProcessError when the
    trainer fails."""
    import subprocess
    import tempfile
    import time
    fd, path = tempfile.mkstemp(prefix="bperow.", suffix=".csv")
    os.close(fd)
    os.unlink(path)
    page_in(files_read(cmd), cwd)
    time.sleep(pause)
    try:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd + ["--csv", path], cwd=cwd,
                             stderr=subprocess.DEVNULL if quiet else None)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise subprocess.CalledProcessError(p.returncode, cmd)
        with open(path, newline="") as f:
            return next(csv.DictReader(f)), wall, ru
    finally:
        if os.path.exists(path):
            os.unlink(path)


def trainer_row(cmd, cwd=None, quiet=False):
    """trainer_run's row and the CPU seconds of the process and its waited-for children."""
    row, _, ru = trainer_run(cmd, cwd, quiet)
    return row, ru.ru_utime + ru.ru_stime


def trainer_columns(bpetrain):
    """bpetrain's CSV columns (RUN_COLUMNS), read from the header of a run it makes on a
    one-byte input: the one list, never a copy."""
    if bpetrain not in _columns:
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory(prefix="bpecols.") as d:
            src, out = os.path.join(d, "in.txt"), os.path.join(d, "run.csv")
            with open(src, "w") as f:
                f.write("ab")
            p = subprocess.run([bpetrain, "--input", src, "--vocab-size", "257",
                                "--no-special-tokens", "--count-workers", "1", "--csv", out,
                                "--quiet"], capture_output=True, text=True)
            if p.returncode != 0 or not os.path.exists(out):
                raise OSError("%s gave no CSV header (exit %d): %s"
                              % (bpetrain, p.returncode, p.stderr.strip()))
            with open(out, newline="") as f:
                _columns[bpetrain] = next(csv.reader(f))
    return _columns[bpetrain]
