"""merges.txt and vocab.json in the GPT-2 byte alphabet, as bpetrain writes them
(harness/core/gpt2.c), each written atomically."""
import json
import os

from benchlib.gpt2 import bytes_to_gpt2
from benchlib.reportfile import write_atomic


def write(outdir, vocab, merges):
    os.makedirs(outdir, exist_ok=True)
    write_atomic(os.path.join(outdir, "merges.txt"),
                 "".join("%s %s\n" % (bytes_to_gpt2(a), bytes_to_gpt2(b)) for a, b in merges))
    body = ",\n".join("    %s: %d" % (json.dumps(bytes_to_gpt2(t), ensure_ascii=False), i)
                      for i, t in enumerate(vocab))
    write_atomic(os.path.join(outdir, "vocab.json"), "{\n%s\n}" % body)
