"""py-pool: the article's bpe_v4: a multiprocessing.Pool of W processes started once
(fork); each merge Pool.map sends the chunks, and with each the pair -> bytes dict,
pickled to the workers."""
import functools
import multiprocessing as mp
import time

from . import core, pin

NAME = "py-pool"
KIND = "processes"
ARTICLE = "bpe_v4_time"
DESCRIPTION = "a multiprocessing.Pool started once; each merge Pool.map over pickled chunks"


def _init(pin_order):
    pin.worker_signals()
    # Pool workers are numbered from 1 in the order the pool starts them.
    pin.bind(pin_order, mp.current_process()._identity[0] - 1)


class Strategy:
    def __init__(self, workers, pin_order):
        self.w = workers
        self.pus = pin.labels(pin_order, workers)
        self.pool = mp.get_context("fork").Pool(workers, initializer=_init,
                                                 initargs=(pin_order,))

    def select(self, st, times):
        t0 = time.perf_counter()
        items = list(st.pair_counts.items())
        times.copy += time.perf_counter() - t0
        parts = core.chunks(items, self.w)
        t0 = time.perf_counter()
        results = self.pool.map(functools.partial(core.local_max, st.pair_strings), parts)
        times.max += time.perf_counter() - t0
        return core.reduce_local(results, times)

    def close(self):
        self.pool.terminate()
        self.pool.join()
