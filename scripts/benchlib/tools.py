"""Where the repository and its binaries are; running a command for its output."""
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
