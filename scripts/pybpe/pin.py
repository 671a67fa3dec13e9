"""--pin for the Python strategies: each worker binds itself to one PU with
os.sched_setaffinity, in the order bpetrain's hwloc pinning uses: compact fills the PUs
of one core before the next, scatter takes one PU per core first."""
import os


def _core_of(pu):
    base = "/sys/devices/system/cpu/cpu%d/topology/" % pu
    try:
        with open(base + "physical_package_id") as f:
            pkg = int(f.read())
        with open(base + "core_id") as f:
            core = int(f.read())
    except (OSError, ValueError):
        return (0, pu)
    return (pkg, core)


def pu_order(policy):
    """The PUs worker 0, 1, ... go to (cycled when W exceeds them); [] for none."""
    if policy == "none":
        return []
    pus = sorted(os.sched_getaffinity(0))
    cores = {}
    for pu in pus:
        cores.setdefault(_core_of(pu), []).append(pu)
    groups = [cores[k] for k in sorted(cores)]
    if policy == "compact":
        return [pu for g in groups for pu in g]
    if policy == "scatter":
        depth = max(len(g) for g in groups)
        return [g[i] for i in range(depth) for g in groups if i < len(g)]
    raise ValueError("--pin takes none, compact or scatter, not '%s'" % policy)


def worker_signals():
    """A worker leaves Ctrl-C and SIGTERM to its parent, which ends and reaps it (a
    Ctrl-C reaches the whole process group): no traceback per worker."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def bind(order, worker):
    """Binds the calling process to worker's PU; returns its label as bpetrain's
    worker_pus column writes it (L#:P#), "" when not pinned."""
    if not order:
        return ""
    pu = order[worker % len(order)]
    os.sched_setaffinity(0, {pu})
    return "L%d:P%d" % (order.index(pu), pu)


def labels(order, w):
    return ";".join("L%d:P%d" % (order.index(order[i % len(order)]), order[i % len(order)])
                    for i in range(w)) if order else ""
