"""Bench sessions under results/<dataset>/, and which machine's runs a report shows.

Each bench session that measures something writes only its own files:
    results/<dataset>/sessions/<session id>/context.json   (machine, build, plan, input)
    results/<dataset>/sessions/<session id>/runs.csv       (one complete row per run)
The session id starts with the UTC time it started (to the millisecond), so ids sort
oldest first. The files
results/<dataset>/{runs.csv,context.json} written before sessions existed are read as one
session, "legacy", older than every other; nothing rewrites them.

Rows of a later session supersede rows of an earlier one with the same machine and the
same run parameters (runs.run_params): that is how FORCE=1 re-measures without touching
another session's file.
"""
import datetime
import errno
import json
import os

from . import machine, runs

LEGACY = "legacy"
SESSIONS_DIR = "sessions"


class Session:
    def __init__(self, sid, directory, backends):
        self.id, self.dir = sid, directory
        self.runs_path = os.path.join(directory, "runs.csv")
        self.context, self.context_note = read_context(os.path.join(directory, "context.json"))
        self.machine = machine.from_context(self.context)
        self.header, self.rows, self.problems = None, [], []
        if os.path.isfile(self.runs_path):
            self.header, self.rows, self.problems = runs.read_rows(self.runs_path)
        for r in self.rows:
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


def has_runs(dataset_dir):
    return os.path.isfile(os.path.join(dataset_dir, "runs.csv")) or any(
        os.path.isfile(os.path.join(dataset_dir, SESSIONS_DIR, s, "runs.csv"))
        for s in session_ids(dataset_dir))


def session_ids(dataset_dir):
    d = os.path.join(dataset_dir, SESSIONS_DIR)
    return sorted(s for s in os.listdir(d) if not s.startswith(".")) if os.path.isdir(d) else []


def load(dataset_dir, backends):
    """Every session of a data set, oldest first (legacy before all)."""
    out = []
    if os.path.isfile(os.path.join(dataset_dir, "runs.csv")):
        out.append(Session(LEGACY, dataset_dir, backends))
    for sid in session_ids(dataset_dir):
        out.append(Session(sid, os.path.join(dataset_dir, SESSIONS_DIR, sid), backends))
    return out


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

    def complete(self):
        """Every run any of its sessions planned has a row (a legacy session, which kept
        no plan, counts as complete)."""
        have = {plan_key(p) for p in self.by_params}
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
