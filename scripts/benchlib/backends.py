"""The backend list, as bin/bpetrain declares it (--list-backends --json).

The registry in the C code is the only list of backends: the scripts ask the trainer
instead of keeping their own. Each entry: name, description, kind ("single": select
does not depend on W, run at W=1 only; "threads"; "processes"), article (the article's
script it stands for, "" when none), bench (whether `make bench` runs it by default)
and options (name, values, default, help), in declaration order.
"""
import json
import subprocess

from . import tools


class BackendError(Exception):
    """The trainer cannot list its backends, or a script asked for one it lacks."""


class Backends:
    def __init__(self, entries):
        self.entries = entries
        self.by_name = {e["name"]: e for e in entries}

    def names(self):
        return [e["name"] for e in self.entries]

    def bench_default(self):
        return [e["name"] for e in self.entries if e.get("bench")]

    def of_kind(self, *kinds):
        return [e["name"] for e in self.entries if e.get("kind") in kinds]

    def declaring(self, option):
        """The backends that declare option (e.g. layout, shuffle)."""
        return [e["name"] for e in self.entries if option in self.option_names(e["name"])]

    def single(self, name):
        return self.by_name.get(name, {}).get("kind") == "single"

    def article(self, name):
        return self.by_name.get(name, {}).get("article") or ""

    def order_key(self, name):
        """Registry order; backends the registry no longer has come last, by name."""
        names = self.names()
        return (names.index(name) if name in names else len(names), name)

    def option_names(self, name):
        return [o["name"] for o in self.by_name.get(name, {}).get("options", [])]

    def canonical_opts(self, name, given):
        """bpetrain's backend_opts column for backend name run with the options given
        ({key: value}): every declared option in declaration order, defaults included.
        Raises BackendError for an option the backend does not declare or a bad value."""
        e = self.by_name.get(name)
        if e is None:
            raise BackendError("unknown backend '%s'; known: %s" % (name, " ".join(self.names())))
        declared = {o["name"]: o for o in e.get("options", [])}
        for k, v in given.items():
            if k not in declared:
                raise BackendError("backend %s: unknown option '%s' (options: %s)"
                                   % (name, k, ", ".join(declared) or "none"))
            if declared[k].get("values") and v not in declared[k]["values"]:
                raise BackendError("backend %s: option %s takes %s, not '%s'"
                                   % (name, k, "|".join(declared[k]["values"]), v))
        return ";".join("%s=%s" % (o["name"], given.get(o["name"], o["default"]))
                        for o in e.get("options", []))

    def is_default_opts(self, name, opts):
        """True when the canonical opts string sets every option to its default."""
        try:
            return opts == self.canonical_opts(name, {})
        except BackendError:
            return opts == ""


def parse_opts(text):
    """'layout=objects,touch' -> {'layout': 'objects', 'touch': '1'} (bpetrain's syntax:
    items separated by , or ;, a bare key means key=1)."""
    out = {}
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if item:
            k, _, v = item.partition("=")
            out[k.strip()] = v.strip() if _ else "1"
    return out


_loaded = {}


def load(bpetrain=None):
    """The backends of bpetrain (default: the one in BPEBENCH_BIN or bin/), read once."""
    bpetrain = bpetrain or tools.binary("bpetrain")
    if bpetrain not in _loaded:
        try:
            p = subprocess.run([bpetrain, "--list-backends", "--json"], capture_output=True,
                               text=True, cwd=tools.ROOT)
        except OSError as e:
            raise BackendError("%s: %s (run make)" % (bpetrain, e.strerror))
        try:
            entries = json.loads(p.stdout) if p.returncode == 0 else None
        except ValueError:
            entries = None
        if not isinstance(entries, list) or not all(
                isinstance(e, dict) and "name" in e for e in entries):
            raise BackendError("%s --list-backends --json gave no backend list (exit %d)%s"
                               % (bpetrain, p.returncode, ": " + p.stderr.strip().splitlines()[0]
                                  if p.stderr.strip() else ""))
        _loaded[bpetrain] = Backends(entries)
    return _loaded[bpetrain]
