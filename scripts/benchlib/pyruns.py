"""The Python strategies (scripts/pytrain.py, the py-* backends) in the bench, and the
time limit every bench run has.

The py-* backends are listed by scripts/pytrain.py --list-backends --json, in the form
bpetrain lists its own, so the bench joins both lists into one Backends and plans them
in one matrix. A run is a separate process group; one that runs past its time limit is
killed with its whole group and leaves no row.
"""
import os
import signal
import subprocess
import sys
import time

from . import backends as B
from .tools import ROOT

PYTRAIN = os.path.join(ROOT, "scripts", "pytrain.py")
PREFIX = "py-"


def is_python(backend):
    return backend.startswith(PREFIX)


def python():
    """The interpreter the py-* runs use: $PYTHON, else the bench's own."""
    return os.environ.get("PYTHON") or sys.executable


def load():
    """The py-* backends, as pytrain lists them."""
    p = subprocess.run([python(), PYTRAIN, "--list-backends", "--json"], capture_output=True,
                       text=True, cwd=ROOT)
    if p.returncode != 0:
        raise B.BackendError("%s --list-backends --json failed (exit %d): %s"
                             % (PYTRAIN, p.returncode, p.stderr.strip()))
    import json
    return json.loads(p.stdout)


def with_python(bk):
    """bk (bpetrain's backends) and the py-* ones, as one list."""
    return B.Backends(bk.entries + load())


def command(item, path, counts, bpetrain):
    """pytrain's command line for a planned merge run (the same arguments as bpetrain's)."""
    return [python(), PYTRAIN, "--input", path, "--load-counts", counts, "--vocab-size",
            item["vocab_size"], "--backend", item["backend"], "--workers", item["workers"],
            "--pin", item["pin"], "--bpetrain", bpetrain]


class TimedOut(Exception):
    def __init__(self, seconds):
        Exception.__init__(self, "ran past its time limit of %g s" % seconds)
        self.seconds = seconds


def end_group(pgid, grace=2.0):
    """SIGKILL to the whole process group, then wait until none of it is left (workers a
    trainer forked are in its group)."""
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        except PermissionError:
            return
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)


def wait_limited(proc, limit):
    """(stdout, stderr) of proc (started with start_new_session), killing its group and
    raising TimedOut when it runs past limit seconds (0: no limit)."""
    try:
        out, err = proc.communicate(timeout=limit or None)
    except subprocess.TimeoutExpired:
        end_group(proc.pid)
        proc.communicate()
        raise TimedOut(limit)
    # A worker the trainer left behind would keep the group alive: none may stay.
    end_group(proc.pid, grace=0.5)
    return out, err
