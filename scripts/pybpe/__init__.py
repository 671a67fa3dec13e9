"""pybpe: the article's five merge strategies in Python, written from its description,
so that they can be measured here beside the C backends (scripts/pytrain.py runs one;
scripts/bench.py runs them as the py-* backends).

    core       the shared merge loop (bpe_v3's dicts and incremental update), the chunking,
               the worker's scan and the reduction, merges_hash as bpetrain computes it
    serial     py-serial         bpe_v3: max over the dict
    fork       py-fork           bpe_v4_mp: a Process per worker per merge, fork, a Queue
    pool       py-pool           bpe_v4: a Pool started once, Pool.map over pickled chunks
    spawn      py-spawn          bpe_v4_mp_spawn: py-fork with the spawn start method
    deepcopy   py-fork-deepcopy  bpe_v4_mp_deepcopy: the copy pickled and unpickled first
    count      counting as the article did it: N processes, the regex module
    outputs    merges.txt and vocab.json as bpetrain writes them
    pin        --pin with os.sched_setaffinity
"""
from . import deepcopy, fork, pool, serial, spawn

STRATEGIES = {m.NAME: m for m in (serial, fork, pool, spawn, deepcopy)}


def listing():
    """The strategies as bpetrain --list-backends --json lists its backends."""
    return [{"name": m.NAME, "description": m.DESCRIPTION, "kind": m.KIND,
             "article": m.ARTICLE, "bench": True, "options": []}
            for m in STRATEGIES.values()]
