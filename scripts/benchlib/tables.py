"""Numbers as REPORT.md prints them, medians and markdown tables."""
import math
import statistics

MISSING = "—"


def num(s):
    """A finite float from a CSV/JSON field, or None (empty, NaN, inf, junk)."""
    if s is None:
        return None
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def intval(s):
    v = num(s)
    if v is None or v != int(v):
        return None
    return int(v)


def fmt(x):
    """Three significant digits, never scientific, integers from 100 up:
    0.0123 -> 0.0123, 1.5 -> 1.50, 12.34 -> 12.3, 1234.4 -> 1234."""
    if x is None:
        return MISSING
    if x == 0:
        return "0"
    if abs(x) >= 99.5:
        return "%.0f" % x
    e = math.floor(math.log10(abs(x)))
    r = round(x, 2 - e)
    if r == 0:
        return "0"
    e = math.floor(math.log10(abs(r)))          # 9.996 rounds up to 10.0
    if e >= 2:
        return "%.0f" % r
    return "%.*f" % (2 - e, r)


def summary(values):
    """(n, median, min, max) of the values that are not None, or None."""
    v = [x for x in values if x is not None]
    if not v:
        return None
    return len(v), statistics.median(v), min(v), max(v)


def mmm(values, scale=1.0):
    """'median (min–max)', or the value alone for one run, or MISSING."""
    s = summary(values)
    if s is None:
        return MISSING
    n, med, lo, hi = s
    if n == 1:
        return fmt(med * scale)
    return "%s (%s–%s)" % (fmt(med * scale), fmt(lo * scale), fmt(hi * scale))


def median(values):
    s = summary(values)
    return None if s is None else s[1]


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def cell(s):
    """A markdown table cell: no pipes, no newlines."""
    return str(s).replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    out = ["| " + " | ".join(cell(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return out
