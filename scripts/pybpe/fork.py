"""py-fork: the article's bpe_v4_mp. Each merge copies the dict's items to a list, cuts it
into W chunks and starts W multiprocessing.Process children with the fork start method;
each finds its chunk's best pair and puts it, with its own scan time, on a Queue."""
import multiprocessing as mp
import time

from . import core, pin

NAME = "py-fork"
KIND = "processes"
ARTICLE = "bpe_v4_mp_time"
DESCRIPTION = "each merge: W multiprocessing.Process children (fork) scan a chunk; a Queue"
START_METHOD = "fork"


def _child(pin_order, i, pair_strings, chunk, queue):
    pin.worker_signals()
    pin.bind(pin_order, i)
    queue.put(core.local_max(pair_strings, chunk))


class Strategy:
    start_method = START_METHOD

    def __init__(self, workers, pin_order):
        self.w, self.pin_order = workers, pin_order
        self.ctx = mp.get_context(self.start_method)
        self.pus = pin.labels(pin_order, workers)

    def copy(self, st):
        return list(st.pair_counts.items())

    def select(self, st, times):
        t0 = time.perf_counter()
        items = self.copy(st)
        times.copy += time.perf_counter() - t0
        parts = core.chunks(items, self.w)
        t0 = time.perf_counter()
        queue = self.ctx.Queue()
        procs = [self.ctx.Process(target=_child, name="find_max_pair-%d" % (i + 1),
                                  args=(self.pin_order, i, st.pair_strings, parts[i], queue))
                 for i in range(self.w)]
        for p in procs:
            p.start()
        # The results before the joins: a child exits only once its result is through
        # the Queue's pipe.
        results = [queue.get() for _ in procs]
        for p in procs:
            p.join()
            if p.exitcode != 0:
                raise RuntimeError("%s: worker %s exited with %s" % (NAME, p.name, p.exitcode))
        queue.close()
        times.max += time.perf_counter() - t0
        return core.reduce_local(results, times)

    def close(self):
        pass
