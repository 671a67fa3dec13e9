"""py-serial: the article's bpe_v3 select, Python's max over the pair-count dict with the
key (count, (bytes 1, bytes 2)), in the process itself."""
import time

from . import pin

NAME = "py-serial"
KIND = "single"
ARTICLE = "bpe_v3_time"
DESCRIPTION = "max over the pair-count dict in the process itself (bpe_v3)"


class Strategy:
    def __init__(self, workers, pin_order):
        self.pus = pin.bind(pin_order, 0)

    def select(self, st, times):
        t0 = time.perf_counter()
        strings = st.pair_strings
        pair = max(st.pair_counts.items(), key=lambda x: (x[1], strings[x[0]]))[0]
        dt = time.perf_counter() - t0
        times.max += dt
        times.compute += dt
        return pair

    def close(self):
        pass
