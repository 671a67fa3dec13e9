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


def sha256_of(path):
    """The hex SHA-256 of a file, read in 4 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()
