"""The Python strategies behind CS336's signature, for `make bench TRAINER=`:
train_bpe(input_path, vocab_size, special_tokens) -> (vocab, merges), counting as the
article did (processes and the regex module) and merging with py-serial."""
import os

from . import core, count, serial


def train_bpe(input_path, vocab_size, special_tokens, strategy=None):
    specials = sorted((s.encode("utf-8") for s in special_tokens), key=len, reverse=True)
    words = count.count_words(input_path, specials, os.cpu_count() or 1)
    merges, vocab, _ = core.train(words, specials, vocab_size,
                                  strategy or serial.Strategy(1, []))
    return dict(enumerate(vocab)), merges
