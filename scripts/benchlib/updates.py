"""The update step's measures derived from a run row (update-bench.py, updatestep.py)."""

# The serial update over 2 shards in turn: what sharding itself costs, without threads.
SHARDS_IN_TURN = "heap serial 2 shards"

COLS = ["merge_s", "update_s", "upd_round_s", "upd_compute_s", "upd_combine_s",
        "upd_notify_s", "upd_ns_per_change", "round_us", "upd_cpu_s", "cpu_ns_per_change"]


def derived(r, c):
    """A column of the row, or one derived from it (as a string, None when the row
    cannot give it): round_us is the cost of one round (waking U threads and waiting
    for them) in microseconds, cpu_ns_per_change the update's CPU time per pair-count
    change, select_s the backend's copy and select together."""
    if c == "cpu_ns_per_change":
        if not r.get("upd_cpu_s") or not r.get("upd_pair_changes"):
            return None
        return str(float(r["upd_cpu_s"]) * 1e9 / int(r["upd_pair_changes"]))
    if c == "select_s":
        if not r.get("max_s"):
            return None
        return str(float(r.get("copy_s") or 0) + float(r["max_s"]))
    if c != "round_us":
        return r.get(c) or None
    if not r.get("upd_rounds") or int(r["upd_rounds"]) == 0:
        return None
    return str((float(r["upd_round_s"]) - float(r["upd_compute_s"])) /
               int(r["upd_rounds"]) * 1e6)
