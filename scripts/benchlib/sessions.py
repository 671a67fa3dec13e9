"""Bench sessions under results/<dataset>/, and which machine's runs a report shows.

Each bench session that measures something writes only its own files:
    results/<dataset>/sessions/<session id>/context.json   (machine, build, plan, input)
    results/<dataset>/sessions/<session id>/runs.csv       (one complete row per run)
    results/<dataset>/sessions/<session id>/skipped.csv    (the planned runs killed at the
                                                            time limit, or skipped for it)
The session id starts with the UTC time it started (to the millisecond), so ids sort
oldest first. The files
results/<dataset>/{runs.csv,context.json} written before sessions existed are read as one
session, "legacy", older than every other; nothing rewrites them.

Rows of a later session supersede rows of an earlier one with the same machine and the
same run parameters (runs.run_params): that is how FORCE=1 re-measures without touching
another session's file.

The other producers keep their results the same way, DIR/sessions/<id>/{context.json,
ROWS.csv}, each session one whole set of measurements (save_set, or open_session and rows
appended whole as they finish): peers.py in results/<dataset>/ beside the bench's sessions
(peers.csv), updatestep.py in results/update, measure_pretok.py in results/pretok,
experiments.py in results/experiments, heaps.py in results/heaps. The files they wrote
straight under DIR before sessions existed are read as the legacy session. A report shows
one session: pick() chooses its machine by the rules of choose() and takes that machine's
newest finished session.
"""
import datetime
import errno
import json
import os
import sys

from . import machine, runs
from .reportfile import write_atomic

LEGACY = "legacy"
SESSIONS_DIR = "sessions"
# A bench session's runs that ran past the time limit (or were skipped because a run with
# fewer workers did): planned, no row, and not to be tried again with the same limit.
SKIPPED = "skipped.csv"
FAILED = "failed.txt"   # a session whose producer failed after its rows (mark_failed)
SKIPPED_COLUMNS = ["plan_key", "why"]


class Session:
    """One session's context and rows (rows_name under its directory). With backends,
    bench rows are normalised to the new form (runs.normalise)."""

    def __init__(self, sid, directory, backends, rows_name="runs.csv"):
        self.id, self.dir = sid, directory
        self.runs_path = os.path.join(directory, rows_name)
        self.context, self.context_note = read_context(os.path.join(directory, "context.json"))
        self.machine = machine.from_context(self.context)
        self.header, self.rows, self.problems = None, [], []
        if os.path.isfile(self.runs_path):
            self.header, self.rows, self.problems = runs.read_rows(self.runs_path)
        # A producer that failed after its last row says so (mark_failed).
        self.failed = sid != LEGACY and os.path.isfile(os.path.join(directory, FAILED))
        self.skipped = {}       # plan key -> why
        skipped_path = os.path.join(directory, SKIPPED)
        if sid != LEGACY and os.path.isfile(skipped_path):
            _, srows, sproblems = runs.read_rows(skipped_path)
            self.skipped = {r.get("plan_key", ""): r.get("why", "") for r in srows}
            self.problems += sproblems
        for r in self.rows:
            if backends is not None:
                runs.normalise(r, backends)
            # Legacy rows carry neither: their session and its context say it.
            r["session_id"] = r.get("session_id") or sid
            r["machine_id"] = r.get("machine_id") or self.machine["id"]

    def binaries(self):
        """What built the binaries this session ran: (commit, build flags)."""
        b = self.context.get("binaries") if isinstance(self.context.get("binaries"), dict) \
            else {}
        return (b.get("commit") or "", self.context.get("cflags") or "")

    def plan(self):
        """The run keys this session set out to measure; None when it did not say."""
        p = self.context.get("plan")
        return set(p) if isinstance(p, list) else None

    def finished(self):
        """Whether it holds every row it planned ("rows_planned"; a session that did not
        say, as a legacy one or one written whole at its end, is finished)."""
        n = self.context.get("rows_planned")
        return not self.failed and (not isinstance(n, int) or len(self.rows) >= n)


def read_context(path):
    """(context dict, note): {} and why when it is missing or unreadable."""
    if not os.path.isfile(path):
        return {}, "context.json missing: machine details unknown"
    try:
        with open(path, encoding="utf-8") as f:
            ctx = json.load(f)
    except (OSError, ValueError) as e:
        return {}, "context.json unreadable (%s): machine details unknown" % str(e).splitlines()[0]
    if not isinstance(ctx, dict):
        return {}, "context.json is not an object: machine details unknown"
    return ctx, None


def plan_key(params):
    """A run's parameters (runs.run_params) as one string, as a context's plan lists them."""
    return "|".join(params)


def has_runs(dataset_dir, rows_name="runs.csv"):
    return os.path.isfile(os.path.join(dataset_dir, rows_name)) or any(
        os.path.isfile(os.path.join(dataset_dir, SESSIONS_DIR, s, rows_name))
        for s in session_ids(dataset_dir))


def session_ids(dataset_dir):
    d = os.path.join(dataset_dir, SESSIONS_DIR)
    return sorted(s for s in os.listdir(d) if not s.startswith(".")) if os.path.isdir(d) else []


def load(dataset_dir, backends, rows_name="runs.csv"):
    """Every session of a data set, oldest first (legacy before all)."""
    out = []
    if os.path.isfile(os.path.join(dataset_dir, rows_name)):
        out.append(Session(LEGACY, dataset_dir, backends, rows_name))
    for sid in session_ids(dataset_dir):
        out.append(Session(sid, os.path.join(dataset_dir, SESSIONS_DIR, sid), backends,
                           rows_name))
    return out


def warn_problems(found, who):
    """Each unusable line of these sessions on stderr, with its file and line number."""
    for s in found:
        for p in s.problems:
            print("%s: warning: %s (line skipped)" % (who, p), file=sys.stderr)


def mark_failed(session_dir, why):
    """Marks a session whose producer failed after writing its rows (FAILED holds why):
    however many rows it has, it is never a finished set a report shows."""
    write_atomic(os.path.join(session_dir, FAILED), why + "\n")


def new_session(dataset_dir, machine_rec, now=None):
    """Create the directory of a new session (never an existing one): (id, path)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    # Milliseconds: two machines' sessions started within one second still sort by time.
    base = "%s.%03dZ-%s" % (now.strftime("%Y%m%dT%H%M%S"), now.microsecond // 1000,
                            machine_rec["id"])
    parent = os.path.join(dataset_dir, SESSIONS_DIR)
    os.makedirs(parent, exist_ok=True)
    for n in range(1, 1000):
        sid = base if n == 1 else "%s-%d" % (base, n)
        try:
            os.mkdir(os.path.join(parent, sid))
            return sid, os.path.join(parent, sid)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise
    raise OSError(errno.EEXIST, "no free session id", base)


class MachineRuns:
    """One machine's runs of a data set: the newest row for each run's parameters."""

    def __init__(self, mid):
        self.id, self.sessions, self.by_params = mid, [], {}

    def add(self, session, rows):
        self.sessions.append(session)
        for r in rows:
            self.by_params[runs.run_params(r)] = r   # sessions come oldest first

    def rows(self):
        return list(self.by_params.values())

    @property
    def newest(self):
        return self.sessions[-1]

    @property
    def label(self):
        return self.newest.machine["label"]

    def skipped(self):
        """{plan key: why} of the runs its sessions skipped for time and none measured."""
        have = {plan_key(p) for p in self.by_params}
        return {k: why for s in self.sessions for k, why in s.skipped.items() if k not in have}

    def complete(self):
        """Every run any of its sessions planned has a row or was skipped for time (a
        legacy session, which kept no plan, counts as complete)."""
        have = {plan_key(p) for p in self.by_params} | set(self.skipped())
        return all((s.plan() or set()) <= have for s in self.sessions)


def by_machine(sessions):
    """{machine id: MachineRuns}, in the order the machines first appear."""
    out = {}
    for s in sessions:
        rows_of = {}
        for r in s.rows:
            rows_of.setdefault(r["machine_id"], []).append(r)
        for mid, rs in rows_of.items():
            out.setdefault(mid, MachineRuns(mid)).add(s, rs)
    return out


def choose(machines, here, wanted=None):
    """(machine id, why) of the runs a report shows: `wanted` when it measured the data
    set; else the machine running the report (`here`) when its runs are complete; else
    the machine with the newest complete set; else the newest."""
    if not machines:
        return None, "no runs"
    if wanted:
        for mid, m in machines.items():
            if wanted in (mid, m.label):
                return mid, "chosen with MACHINE"
    if here in machines and machines[here].complete():
        return here, "the machine running the report"
    complete = [m for m in machines.values() if m.complete()]
    pool = complete or list(machines.values())
    best = max(pool, key=lambda m: m.newest.id if m.newest.id != LEGACY else "")
    return best.id, ("the newest complete set" if complete else
                     "the newest set (none is complete)")


# ---- producers that write each session as one whole set ----------------------------------

def open_session(directory, context, here=None, now=None):
    """A new session under DIRECTORY/sessions/ with its context.json (the context given,
    plus this machine and the session id): {"id", "dir", "machine_id"}."""
    here = here or machine.this_machine()
    sid, sdir = new_session(directory, here, now)
    ctx = dict(context, machine=here, session_id=sid)
    write_atomic(os.path.join(sdir, "context.json"),
                 json.dumps(ctx, indent=1, sort_keys=True) + "\n")
    return {"id": sid, "dir": sdir, "machine_id": here["id"]}


def stamp(row, session):
    """The row, naming the machine and the session that made it."""
    row["machine_id"], row["session_id"] = session["machine_id"], session["id"]
    return row


def save_set(directory, rows_name, header, rows, context, here=None, now=None):
    """A finished producer run as a new session: context.json, then ROWS_NAME with every
    row (dicts, header's columns) stamped with the machine and session; each written
    whole, atomically. Returns the session's directory."""
    session = open_session(directory, context, here, now)
    cols = list(header) + [c for c in ("machine_id", "session_id") if c not in header]
    write_atomic(os.path.join(session["dir"], rows_name),
                 runs.csv_text(cols, [stamp(dict(r), session) for r in rows]))
    return session["dir"]


class MachineSets(MachineRuns):
    """One machine's sessions of a producer whose sessions are each a whole set: complete
    when one of them is finished; its rows are those of its newest finished session."""

    def add(self, session, rows):
        self.sessions.append(session)

    def chosen(self):
        done = [s for s in self.sessions if s.finished()]
        return (done or self.sessions)[-1]

    def rows(self):
        return self.chosen().rows

    def complete(self):
        return any(s.finished() for s in self.sessions)


def wanted_machine():
    """The machine a report was asked for (MACHINE=ID or label), or None."""
    return os.environ.get("MACHINE") or None


def pick(found, here=None, wanted=None):
    """(session, why, {machine id: MachineSets}) of a whole-set producer: the session a
    report shows, its machine chosen as choose() does (MACHINE, else this machine when
    it has a finished set, else the newest finished set); (None, why, {}) without rows."""
    machines = {}
    for s in found:
        if s.rows:
            mid = s.rows[0]["machine_id"]
            machines.setdefault(mid, MachineSets(mid)).add(s, s.rows)
    if here is None:
        here = machine.report_machine_id()
    mid, why = choose(machines, here, wanted if wanted is not None else wanted_machine())
    return (machines[mid].chosen() if mid else None), why, machines


def load_set(directory, rows_name, who, here=None, wanted=None):
    """pick() over DIRECTORY's sessions of ROWS_NAME, each unusable line reported on stderr
    with its file and line (and skipped): (session or None, why, machines)."""
    if not has_runs(directory, rows_name):
        return None, "no runs", {}
    found = load(directory, None, rows_name)
    warn_problems(found, who)
    return pick(found, here, wanted)
