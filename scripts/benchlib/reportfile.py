"""REPORT.md's generated sections, and writing any file atomically.

A section is everything between the lines
    <!-- BEGIN GENERATED: ID -->  and  <!-- END GENERATED: ID -->
with ID = OWNER/NAME; text outside the markers is never touched. Each producer
(report.py for the bench's data sets, experiments.py, heaps.py, peers.py) makes its
own sections and hands them to update_report.
"""
import os
import re
import tempfile

NEW_REPORT = "# bpebench report\n"


class ReportError(Exception):
    """A fatal problem with the input: one line, exit status 1."""


def write_atomic(path, data):
    """Write data (str or bytes) to path through a temporary file in the same directory,
    renamed into place once complete: no reader ever sees half a file."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp.", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


MARK = re.compile(r"^<!-- (BEGIN|END) GENERATED: (\S+) -->$")


def parse_markers(lines, path):
    """{id: (begin index, end index)} of well-formed marker pairs; ReportError otherwise."""
    spans, open_ = {}, None
    for i, ln in enumerate(lines):
        m = MARK.match(ln.strip())
        if not m:
            continue
        what, sid = m.groups()
        if what == "BEGIN":
            if open_ is not None:
                raise ReportError("%s:%d: BEGIN GENERATED: %s inside %s"
                                  % (path, i + 1, sid, open_[0]))
            if sid in spans:
                raise ReportError("%s:%d: section %s appears twice" % (path, i + 1, sid))
            open_ = (sid, i)
        else:
            if open_ is None or open_[0] != sid:
                raise ReportError("%s:%d: END GENERATED: %s without its BEGIN"
                                  % (path, i + 1, sid))
            spans[sid] = (open_[1], i)
            open_ = None
    if open_ is not None:
        raise ReportError("%s:%d: BEGIN GENERATED: %s without its END"
                          % (path, open_[1] + 1, open_[0]))
    return spans


def begin(sid):
    return "<!-- BEGIN GENERATED: %s -->\n" % sid


def end(sid):
    return "<!-- END GENERATED: %s -->\n" % sid


def body(content):
    return ["\n"] + [ln + "\n" for ln in content] + ["\n"]


def update_report(text, dsname, sections, path, order):
    """sections: {name: list of lines or None (keep as is)} in `order`."""
    lines = text.splitlines(keepends=True)
    spans = parse_markers(lines, path)
    # Replace from the bottom up so earlier indexes stay valid.
    present = [(spans["%s/%s" % (dsname, n)], n) for n in order
               if "%s/%s" % (dsname, n) in spans]
    for (b, e), n in sorted(present, reverse=True):
        if sections.get(n) is not None:
            lines[b + 1:e] = body(sections[n])
    missing = [n for n in order if "%s/%s" % (dsname, n) not in spans]
    if not missing:
        return "".join(lines)
    add = []
    for n in missing:
        content = sections.get(n)
        if content is None:
            content = ["Not generated yet (run without --no-plots)."]
        add += ["\n", begin("%s/%s" % (dsname, n))] + body(content) + [end(
            "%s/%s" % (dsname, n))]
    if present:
        # Right after this data set's last section, not under another data set's heading.
        spans = parse_markers(lines, path)
        last = max(spans["%s/%s" % (dsname, n)][1] for _, n in present)
        if not lines[last].endswith("\n"):
            lines[last] += "\n"
        lines[last + 1:last + 1] = add
        return "".join(lines)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    heading = "## Data set: %s" % dsname
    if not any(ln.rstrip("\r\n") == heading for ln in lines):
        add = ["\n", heading + "\n"] + add
    return "".join(lines + add)


def read_report(path):
    """(text, existed): the report as it is, or a new one's title."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
            return f.read(), True
    except FileNotFoundError:
        return NEW_REPORT, False


def save_report(path, text):
    """Write the report only when it changed (its date stays that of its content)."""
    new = text.encode("utf-8", errors="surrogateescape")
    try:
        with open(path, "rb") as f:
            if f.read() == new:
                return
    except FileNotFoundError:
        pass
    write_atomic(path, new)


def plot_ref(outbase, report_path):
    """outbase (a plot without its extension) relative to the report, with / separators."""
    base = os.path.dirname(os.path.abspath(report_path))
    return os.path.relpath(outbase, base).replace(os.sep, "/")


def figure(name, outbase, report_path, caption, after="", error=None):
    """The REPORT.md lines of a drawn plot: the PNG shown, then the caption with a link to
    the SVG (`caption ([SVG](...))after`); or one line saying why it was not drawn."""
    if error:
        return ["%s: not drawn, %s." % (name, error)]
    rel = plot_ref(outbase, report_path)
    return ["![%s](%s.png)" % (name, rel), "", "%s ([SVG](%s.svg))%s" % (caption, rel, after)]
