"""py-spawn: the article's bpe_v4_mp_spawn: py-fork with the spawn start method, so each
child is a fresh interpreter and its arguments (the pair -> bytes dict and its chunk)
reach it pickled."""
from . import fork

NAME = "py-spawn"
KIND = "processes"
ARTICLE = "bpe_v4_mp_spawn_time"
DESCRIPTION = "each merge: W multiprocessing.Process children (spawn), arguments pickled"


class Strategy(fork.Strategy):
    start_method = "spawn"
