"""The GPT-2 byte alphabet (bytes_to_unicode) that merges.txt and vocab.json are written in."""


def bytes_to_unicode():
    bs = list(range(0x21, 0x7f)) + list(range(0xa1, 0xad)) + list(range(0xae, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_ENC = bytes_to_unicode()
BYTE_DEC = {c: b for b, c in BYTE_ENC.items()}


def gpt2_to_bytes(s):
    return bytes(BYTE_DEC[c] for c in s)


def bytes_to_gpt2(b):
    return "".join(BYTE_ENC[x] for x in b)
