"""The machine a run was measured on: a fingerprint, a short id derived from it, a label.

The fingerprint holds what decides how a benchmark behaves: CPU model, packages / cores /
PUs and caches (hwloc, through bin/bpetrain --topology), memory size and kernel release.
The host name is recorded beside it but is not part of it: two machines of one name are
still two machines, and a renamed machine is still the same one.
BPEBENCH_FINGERPRINT_OVERRIDE (a JSON object, for tests only) replaces fields of the
detected fingerprint, so a test can pose as a second machine.
"""
import hashlib
import json
import os
import platform
import socket

from . import tools

FIELDS = ("cpu_model", "packages", "cores", "pus", "caches", "memory_gib", "kernel")
OVERRIDE_ENV = "BPEBENCH_FINGERPRINT_OVERRIDE"


def machine_id(fp):
    """Ten hex digits of the sha256 of the fingerprint's fields (None when unknown)."""
    canon = json.dumps([fp.get(k) for k in FIELDS], sort_keys=True)
    return hashlib.sha256(canon.encode()).hexdigest()[:10]


def label(fp):
    """A readable name: 'AMD EPYC, 2 cores / 2 PUs, 24 GiB, Linux 6.1.0'."""
    parts = [fp.get("cpu_model") or "unknown CPU"]
    if fp.get("cores") is not None or fp.get("pus") is not None:
        parts.append("%s cores / %s PUs" % (fp.get("cores", "?"), fp.get("pus", "?")))
    if fp.get("memory_gib") is not None:
        parts.append("%s GiB" % fp["memory_gib"])
    if fp.get("kernel"):
        parts.append("Linux %s" % fp["kernel"])
    return ", ".join(parts)


def describe(fp, host=None):
    """The record a session stores: {"id", "label", "fingerprint", "host"}."""
    return {"id": machine_id(fp), "label": label(fp), "fingerprint": fp, "host": host}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    # Whole GiB: MemTotal moves by a few kB between kernels and boots.
                    return round(int(line.split()[1]) / (1 << 20))
    except (OSError, ValueError, IndexError):
        pass
    return None


def topology(bpetrain=None):
    try:
        t = json.loads(tools.run_text([bpetrain or tools.binary("bpetrain"), "--topology"])
                       or "{}")
    except ValueError:
        t = {}
    return t if isinstance(t, dict) else {}


def override():
    """The test override's fields ({} when unset); a bad value is a clear error."""
    text = os.environ.get(OVERRIDE_ENV, "")
    if not text:
        return {}
    try:
        o = json.loads(text)
    except ValueError:
        o = None
    if not isinstance(o, dict) or not set(o) <= set(FIELDS):
        raise ValueError("%s must be a JSON object with fields among %s"
                         % (OVERRIDE_ENV, ", ".join(FIELDS)))
    return o


_here = {}


def this_machine(topo=None):
    """The machine running this script: describe() of its fingerprint (detected once per
    process and override, when no topology is given)."""
    if topo is None:
        key = os.environ.get(OVERRIDE_ENV, "")
        if key not in _here:
            _here[key] = this_machine(topology())
        return _here[key]
    t = topo
    fp = {"cpu_model": cpu_model(), "packages": t.get("packages"), "cores": t.get("cores"),
          "pus": t.get("pus"), "caches": t.get("caches"), "memory_gib": _memory_gib(),
          "kernel": platform.release()}
    fp.update(override())
    return describe(fp, socket.gethostname())


REPORT_MACHINE_ENV = "BPEBENCH_REPORT_MACHINE"


def report_machine_id():
    """The machine a report's rules call "the machine running the report": this one, or
    the id BPEBENCH_REPORT_MACHINE names. tests/test_report.sh names the machine that
    made the committed REPORT.md, so that any machine makes it again byte for byte; only
    the choice of runs to show reads this, never the sessions a producer writes."""
    return os.environ.get(REPORT_MACHINE_ENV) or this_machine()["id"]


def from_context(ctx):
    """The machine of a session context: the record it stores, or for a context written
    before machines were recorded, one derived from its fields (memory unknown)."""
    m = ctx.get("machine")
    if isinstance(m, dict) and isinstance(m.get("fingerprint"), dict):
        return describe(m["fingerprint"], m.get("host"))
    t = ctx.get("topology") if isinstance(ctx.get("topology"), dict) else {}
    fp = {"cpu_model": ctx.get("cpu_model") or None, "packages": t.get("packages"),
          "cores": t.get("cores"), "pus": t.get("pus"), "caches": t.get("caches"),
          "memory_gib": None, "kernel": ctx.get("kernel") or None}
    return describe(fp, ctx.get("host"))
