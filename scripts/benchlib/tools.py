"""Where the repository and its binaries are; running a command for its output."""
import hashlib
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The binaries measured may come from another checkout (tests point it elsewhere).
BIN = os.environ.get("BPEBENCH_BIN", os.path.join(ROOT, "bin"))


def binary(name):
    return os.path.join(BIN, name)


def run_text(cmd):
    """cmd's stdout, stripped; "" when it cannot be run."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def source_commit(where=ROOT, dirty=False):
    """The commit checked out at `where` (the binaries' sources when they are built there):
    the one identity every result records; with dirty, "-dirty" is appended when tracked
    files differ from it. "" outside git."""
    commit = run_text(["git", "-C", where, "rev-parse", "HEAD"])
    if commit and dirty and run_text(["git", "-C", where, "status", "--porcelain",
                                      "--untracked-files=no"]):
        commit += "-dirty"
    return commit


def sha256_of(path):
    """The hex SHA-256 of a file, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


# The trainer from before the counting and update work (fast pre-tokenizer, word
# table, work counters, shards, --update): the "today's" of those targets.
BEFORE = "ea677a51cb260acb1bb7f2d05ea97c3a93cbb21d"


def build_commit(commit=BEFORE):
    """bin/bpetrain of `commit`, built once from `git archive` under build/update-before/."""
    d = os.path.join(ROOT, "build", "update-before", commit[:10])
    exe = os.path.join(d, "bin", "bpetrain")
    if os.path.exists(exe):
        return exe
    os.makedirs(d, exist_ok=True)
    arch = subprocess.run(["git", "-C", ROOT, "archive", commit], check=True,
                          stdout=subprocess.PIPE).stdout
    subprocess.run(["tar", "-x", "-C", d], input=arch, check=True)
    subprocess.run(["make", "-C", d, "bin/bpetrain", "bin/bpescan"], check=True,
                   stdout=subprocess.DEVNULL)
    return exe
