"""py-fork-deepcopy: the article's bpe_v4_mp_deepcopy: py-fork, the per-merge list
pickled and unpickled first (a deep copy, timed as copy), then forked."""
import pickle

from . import fork

NAME = "py-fork-deepcopy"
KIND = "processes"
ARTICLE = "bpe_v4_mp_deepcopy_time"
DESCRIPTION = "like py-fork, the copy pickled and unpickled before forking"


class Strategy(fork.Strategy):
    def copy(self, st):
        return pickle.loads(pickle.dumps(list(st.pair_counts.items())))
