"""Drawing one plot as SVG and PNG with gnuplot: byte-stable for a fixed input."""
import math
import os
import shutil
import subprocess
import tempfile

PLOT_SIZE = (800, 500)
TERMINALS = (
    ("svg", "set terminal svg size {w},{h} dynamic background rgb 'white' "
            "font 'sans,11' noenhanced"),
    ("png", "set terminal pngcairo size {w},{h} background rgb 'white' "
            "font 'sans,10' noenhanced"),
)

COMMON = """set datafile separator comma
set key noautotitle
set grid
set border lw 1
set key {key}
set title {title}
"""


def gq(s):
    return "'" + str(s).replace("'", "''") + "'"


def run_gnuplot(setup, plot_cmd, data, outbase):
    """Draw outbase.svg and outbase.png. setup/plot_cmd refer to the data files as
    {name}, replaced by their quoted paths. Returns None or an error string."""
    d = os.path.dirname(outbase)
    os.makedirs(d, exist_ok=True)
    work = tempfile.mkdtemp(prefix="report-gp.")
    tmps = {ext: "%s.%s.tmp.%d" % (outbase, ext, os.getpid()) for ext, _ in TERMINALS}
    try:
        paths = {}
        for name, text in data.items():
            paths[name] = os.path.join(work, name + ".dat")
            with open(paths[name], "w", encoding="utf-8") as f:
                f.write(text)
        def fill(s):
            for k, v in paths.items():
                s = s.replace("{%s}" % k, gq(v))
            return s
        script = ["set encoding utf8", fill(setup)]
        for ext, term in TERMINALS:
            script += [term.format(w=PLOT_SIZE[0], h=PLOT_SIZE[1]),
                       "set output %s" % gq(tmps[ext]), fill(plot_cmd)]
        script.append("unset output")
        gp = os.path.join(work, "plot.gp")
        with open(gp, "w", encoding="utf-8") as f:
            f.write("\n".join(script) + "\n")
        p = subprocess.run(["gnuplot", gp], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if p.returncode != 0:
            lines = [x for x in p.stderr.splitlines() if x.strip()]
            return "gnuplot failed: %s" % (lines[-1].strip() if lines else p.returncode)
        for ext, _ in TERMINALS:
            if not os.path.isfile(tmps[ext]) or os.path.getsize(tmps[ext]) == 0:
                return "gnuplot wrote no %s" % ext
        for ext, _ in TERMINALS:
            os.replace(tmps[ext], "%s.%s" % (outbase, ext))
        return None
    finally:
        for t in tmps.values():
            if os.path.exists(t):
                os.unlink(t)
        shutil.rmtree(work, ignore_errors=True)


def g_(x):
    """A number for a gnuplot data file: repr is exact and stable."""
    return "NaN" if x is None else repr(float(x))


def log_axis(values):
    """'set yrange [...]' and 'set ytics (...)' for a log y axis over positive values:
    padded, with 1-2-5 ticks so that a narrow range still has labels."""
    v = [x for x in values if x is not None and x > 0]
    lo, hi = min(v) / 1.4, max(v) * 1.4
    ticks = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in ((1, 2, 5) if hi / lo < 1000 else (1,)):
            t = m * 10.0 ** e
            if lo <= t <= hi:
                ticks.append(t)
    out = ["set yrange [%s:%s]" % (g_(lo), g_(hi))]
    if len(ticks) >= 2:
        out.append("set ytics (%s)" % ", ".join("'%s' %s" % ("%g" % t, g_(t)) for t in ticks))
    return out


def available():
    return shutil.which("gnuplot") is not None


def remove_plot(outbase):
    """No stale picture of older data: drop outbase.svg and .png."""
    for ext, _ in TERMINALS:
        p = "%s.%s" % (outbase, ext)
        if os.path.exists(p):
            os.unlink(p)
