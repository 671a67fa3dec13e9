#!/usr/bin/env python3
"""Generate the pre-tokenizer fixture tests/fixtures/pretok_cases.txt.

The expected pieces come from the reference definition the C code must
reproduce: bytes.decode("utf-8", "surrogateescape"), regex.finditer with the
GPT-2 pattern, each piece re-encoded with surrogateescape.

    python3 scripts/gen_pretok_cases.py            # write the fixture
    python3 scripts/gen_pretok_cases.py --c-table  # print the C table of the
                                                   # hand-written cases used
                                                   # in tests/test_pretok.c
    python3 scripts/gen_pretok_cases.py --fast --ucd DIR
        # write tests/fixtures/pretok_cases_fast.txt: cases over every code
        # point class of Unicode 16 (DIR: the UCD the fast pre-tokenizer's
        # tables come from, see scripts/gen_unicode_tables.py), for the fast
        # pre-tokenizer only (PCRE2 has Unicode 14)
    python3 scripts/gen_pretok_cases.py --verify FILE --ucd DIR
        # recompute FILE's cases with this interpreter's regex (e.g. Debian's
        # python3-regex under /usr/bin/python3) where its Unicode agrees

Output is deterministic (fixed seed). Only the `regex` module is needed, and
only here: the C tests read the fixture and never run Python.

Code points: PCRE2 10.42 has Unicode 14 tables, newer `regex` releases have a
newer Unicode. Over all code points their \\p{L}/\\p{N} disagree only on code
points unassigned in Unicode 14, and their \\s only on U+180E (which pretok.c
handles). Python 3.11's unicodedata is Unicode 14, so "assigned according to
unicodedata" is the test for a code point both engines classify alike; it is
checked below rather than assumed, in case this runs on another Python.
"""

import argparse
import os
import random
import sys
import unicodedata

import regex

PAT = regex.compile(
    r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
)

SEED = 336
N_CASES = 2000
MAX_UNITS = 80
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                   "fixtures", "pretok_cases.txt")


def pieces(data: bytes) -> list:
    text = data.decode("utf-8", "surrogateescape")
    out = [m.group().encode("utf-8", "surrogateescape")
           for m in PAT.finditer(text)]
    # The C side relies on this; a failure here means the pattern or the
    # decoding changed, not that the fixture needs regenerating.
    assert b"".join(out) == data, data
    assert all(out), data
    return out


# Hand-written cases: (name, input). Names are printed by the C test.
HAND = [
    ("empty", b""),
    ("plain words", b"Hello world"),
    ("contraction don't", b"don't"),
    ("contraction 'll", b"'ll"),
    ("contractions all", b"I'm he's we'd they'll you've we're isn't"),
    ("'S not a contraction", b"IT'S"),
    ("'LL not a contraction", b"WE'LL"),
    ("apostrophe then letters", b"'tis 'xyz"),
    ("numbers", b"123 4567 89a"),
    ("space number", b" 123"),
    ("number letters mixed", b"abc123def"),
    ("spaces before word", b"a   b"),
    ("trailing spaces", b"a  "),
    ("only spaces", b"   "),
    ("single space", b" "),
    ("crlf", b"a\r\nb\r\n"),
    ("blank lines", b"a\n\n\nb"),
    ("newline then spaces then word", b"a\n   b"),
    ("tabs", b"a\tb\t\tc\t"),
    ("punctuation runs", b"Hi!!! ...ok?! (yes)"),
    ("space punctuation", b"a !? b"),
    ("NUL bytes", b"a\x00b \x00\x00 c"),
    ("NUL alone", b"\x00"),
    ("invalid alone", b"\xff"),
    ("invalid in word", b"a\xffb"),
    ("invalid between punctuation", b"!\xff!"),
    ("two invalid", b"\xff\xfe"),
    ("space invalid", b" \xff"),
    ("invalid after space in word", b"a \xffb"),
    ("truncated sequence then ASCII", b"\xe2\x82a"),
    ("truncated then valid", b"\xe2\x82\xe2\x82\xac"),
    ("truncated at end", b"ab\xf0\x9f\x98"),
    ("overlong", b"\xc0\xaf"),
    ("overlong 3-byte", b"\xe0\x80\xaf"),
    # Overlong forms of 'A' and ' ': a lax decoder would see a letter/space.
    ("overlong letters", b"a\xc1\x81 b\xe0\x81\x81 c\xf0\x80\x81\x81"),
    ("overlong space", b"a\xc0\xa0b\xe0\x80\xa0"),
    ("encoded surrogate", b"\xed\xa0\x80"),
    ("above U+10FFFF", b"\xf4\x90\x80\x80"),
    ("stray continuation bytes", b"x\x80\xbfy"),
    ("invalid next to digits", b"1\xff2"),
    ("invalid and NUL", b"\x00\xff\x01"),
    ("U+180E between letters", "a\u180eb".encode()),
    ("U+180E next to spaces", "a \u180e b".encode()),
    ("U+180E run before word", "\u180e\u180e word".encode()),
    ("U+180E with invalid", b"\xe1\xa0\x8e\xff"),
    # A \s U+180E would give "!", U+180E, "!" and " ", U+180E, "x".
    ("U+180E inside punctuation", "!\u180e!".encode()),
    ("space U+180E letter", " \u180ex".encode()),
    ("U+0085", "a\u0085b \u0085 c".encode()),
    ("U+00A0", "a\u00a0b\u00a0\u00a0c".encode()),
    ("U+3000 and U+2003", "\u3000x\u2003 y".encode()),
    ("U+2028 line separator", "a\u2028b".encode()),
    ("4-byte emoji", "hi \U0001F600\U0001F601!".encode()),
    ("accented and CJK", " caf\u00e9 na\u00efve \u4e2d\u6587 \u0394\u03bb".encode()),
    ("combining mark", "e\u0301 \u0301".encode()),
    ("Arabic-Indic digits", " \u0661\u0662\u0663x".encode()),
    ("fullwidth digits", "\uff11\uff12 \uff13".encode()),
    ("superscript and fraction", "x\u00b2 \u00bd".encode()),
    ("mojibake quotes", "\u00e2\u20ac\u0153Hi\u00e2\u20ac\u009d".encode()),
]


# ---- the fast pre-tokenizer's fixture: every class of Unicode 16 -------

FAST_OUT = os.path.join(os.path.dirname(OUT), "pretok_cases_fast.txt")
FAST_SEED = 16
FAST_CASES = 3000
# Boundaries the hand-written scanner decides itself, each with a letter,
# number, other, space, end of text, a contraction or an invalid byte after.
BOUNDARY = ["'s", "'t", "'ll", "'ve", "'re", "'d", "'m", "'S", "'", " '", "''s",
            "  ", "   ", " ", "\n", "\n\n", "\r\n", "\r\n\r\n", " \r\n", "\t ",
            "\u3000 ", " \u3000", "\u00a0", "\x00", "\x00 ", " \x00", "\x0b", "\x1c"]
BAD_IN_WORD = [b"\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f\x98",
               b"\x80", b"\xc0\xaf"]


def regex_class(ch):
    for c, pat in ((1, r"\p{L}"), (2, r"\p{N}"), (3, r"\s")):
        if regex.match(pat, ch):
            return c
    return 0


def agreeing_pools(ucd):
    """Code points by class where this regex and the UCD's tables agree."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import gen_unicode_tables as gut
    cls = gut.classes(ucd)
    pools = {0: [], 1: [], 2: [], 3: []}
    disagree = 0
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if regex_class(chr(cp)) == cls[cp]:
            pools[cls[cp]].append(cp)
        else:
            disagree += 1
    return pools, disagree, gut.version(ucd)


def fast_case(rng, pools) -> bytes:
    out = bytearray()
    for _ in range(rng.randint(1, 40)):
        k = rng.random()
        if k < 0.45:  # a run of one class, any code point of it
            c = rng.choice((0, 1, 1, 2, 3))
            for _ in range(rng.randint(1, 4)):
                out += chr(rng.choice(pools[c])).encode()
        elif k < 0.8:
            out += rng.choice(BOUNDARY).encode()
        elif k < 0.9:  # ASCII word with an invalid byte inside
            out += b"ab" + rng.choice(BAD_IN_WORD) + b"cd"
        else:
            out += rng.choice(WORDS + DIGITS + PUNCT).encode()
    return bytes(out)


def write_fast_fixture(path, ucd):
    pools, disagree, ver = agreeing_pools(ucd)
    rng = random.Random(FAST_SEED)
    cases = []
    # Every boundary before every kind of following character, once.
    for b in BOUNDARY:
        for nxt in ["a", "1", "!", " ", "\n", "\u00e9", "\u0663", "", "'s"]:
            cases.append((b + nxt).encode())
            cases.append(("x" + b + nxt).encode())
        for bad in BAD_IN_WORD:
            cases.append(b.encode() + bad + b"x")
    while len(cases) < FAST_CASES:
        cases.append(fast_case(rng, pools))
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("# Generated by scripts/gen_pretok_cases.py --fast; do not edit.\n"
                "# Format as pretok_cases.txt. Expected pieces from regex %s, code\n"
                "# points restricted to those it classifies as Unicode %s does\n"
                "# (%d of all differ and are left out).\n" % (
                    regex.__version__, ver, disagree))
        for data in cases:
            lens = [len(p) for p in pieces(data)]
            f.write(" ".join([data.hex() or "-"] + [str(n) for n in lens]) + "\n")
    return len(cases)


def verify_fixture(path, ucd):
    """Recomputes each case whose code points this regex classifies as the
    UCD does; returns (checked, skipped, wrong)."""
    pools, _, _ = agreeing_pools(ucd)
    ok = set()
    for v in pools.values():
        ok.update(v)
    checked = skipped = wrong = 0
    with open(path, encoding="ascii") as f:
        for line in f:
            if line.startswith("#"):
                continue
            fields = line.split()
            data = b"" if fields[0] == "-" else bytes.fromhex(fields[0])
            text = data.decode("utf-8", "surrogateescape")
            if any(ord(ch) not in ok and not 0xDC80 <= ord(ch) <= 0xDCFF for ch in text):
                skipped += 1
                continue
            checked += 1
            wrong += [len(p) for p in pieces(data)] != [int(x) for x in fields[1:]]
    return checked, skipped, wrong


def c_string(data: bytes) -> str:
    """A C string literal for data; splits after \\x escapes so a following
    hex digit is not swallowed into the escape."""
    out = ['"']
    prev_hex = False
    prev = None
    for b in data:
        ch = chr(b)
        # '?' is escaped only after '?', where it could form a trigraph.
        if 0x20 <= b < 0x7F and ch not in '"\\' and not (ch == "?" and prev == 0x3F):
            if prev_hex and ch in "0123456789abcdefABCDEF":
                out.append('" "')
            out.append(ch)
            prev_hex = False
        else:
            out.append({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x22: '\\"',
                        0x5C: "\\\\", 0x3F: "\\?"}.get(b, "\\x%02x" % b))
            prev_hex = len(out[-1]) == 4
        prev = b
    out.append('"')
    return "".join(out)


def c_table() -> str:
    lines = []
    for name, data in HAND:
        ps = pieces(data)
        lines.append("    {%s, B(%s),\n     {%s}}," % (
            c_string(name.encode()), c_string(data),
            "".join("B(%s), " % c_string(p) for p in ps) + "END"))
    return "\n".join(lines)


# ---- random cases -------------------------------------------------------

def ranges(*rs):
    out = []
    for a, b in rs:
        out.extend(range(a, b + 1))
    return out


# Old, stable blocks: letters, digits, marks, symbols, spaces, emoji.
SAFE_RANGES = ranges(
    (0x20, 0x7E), (0x80, 0xFF), (0x100, 0x24F), (0x300, 0x36F),
    (0x370, 0x3FF), (0x400, 0x4FF), (0x660, 0x669), (0x2000, 0x200A),
    (0x2010, 0x2027), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F),
    (0x2070, 0x209C), (0x2150, 0x218B), (0x3000, 0x3003), (0x4E00, 0x4EFF),
    (0xFF01, 0xFF5E), (0x1F600, 0x1F64F), (0x180E, 0x180E), (0x1680, 0x1680),
    (0xE000, 0xE00F),
)

WHITESPACE = [" ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", "\x0b", "\x0c",
              "\x1c", "\x85", "\xa0", "\u2000", "\u2009", "\u3000", "\u180e",
              "\u2028", " \n", "\n "]
WORDS = ["the", "a", "Lily", "don", "t", "s", "ll", "ve", "re", "d", "m",
         "S", "LL", "hello", "x", "caf\u00e9", "\u4e2d\u6587", "\u0394\u03b5",
         "\u043f\u0440\u0438"]
APOS = ["'", "'s", "'t", "'ll", "'ve", "'re", "'d", "'m", "'S", "'LL", "''",
        "'x", "\u2019s"]
PUNCT = [".", ",", "!", "?", "\"", "(", ")", "...", "-", "--", ":", ";",
         "$", "<|", "|>", "\u201c", "\u201d", "\u00e2\u20ac\u0153"]
DIGITS = ["0", "1", "42", "2024", "3.14", "\u0663", "\uff17", "\u00bd"]
# Byte strings Python escapes byte by byte (and prefixes of valid ones).
BAD = [b"\xff", b"\xfe", b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1\x81",
       b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xf4\x90\x80\x80",
       b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82", b"\xe2",
       b"\xf0\x9f\x98", b"\xf0\x9f", b"\xc3", b"\xe1\xa0", b"\xe1\xa0\x8f",
       b"\xe0\x81\x81", b"\xf0\x80\x81\x81", b"\xc0\xa0", b"\xe0\x80\xa0",
       b"\xf0\x80\x80\xb1"]


def check_code_point(c: int) -> bool:
    """True when c is assigned in Unicode 14; asserts regex agrees with
    unicodedata on L/N for it."""
    ch = chr(c)
    if 0xD800 <= c <= 0xDFFF:
        return False
    cat = unicodedata.category(ch)
    if cat == "Cn":
        return False
    is_l = regex.match(r"\p{L}", ch) is not None
    is_n = regex.match(r"\p{N}", ch) is not None
    assert is_l == cat.startswith("L"), hex(c)
    assert is_n == cat.startswith("N"), hex(c)
    return True


def build_pools():
    assert unicodedata.unidata_version == "14.0.0", (
        "needs Python 3.11 (unicodedata at Unicode 14, as PCRE2 10.42)")
    safe = [c for c in SAFE_RANGES if check_code_point(c)]
    assert len(safe) > 1500
    for s in WHITESPACE + WORDS + APOS + PUNCT + DIGITS:
        for ch in s:
            assert check_code_point(ord(ch)), s
    return safe


def any_assigned(rng):
    while True:
        c = rng.randrange(0x20, 0x30000)
        if check_code_point(c):
            return c


def random_case(rng, safe) -> bytes:
    units = rng.randint(0, MAX_UNITS)
    # Each case leans towards some kinds of unit so that long runs of one
    # kind (spaces, invalid bytes, digits) occur, not just uniform noise.
    weights = [rng.random() for _ in range(9)]
    out = bytearray()
    for _ in range(units):
        kind = rng.choices(range(9), weights)[0]
        if kind == 0:
            out += bytes([rng.randrange(256)])
        elif kind == 1:
            out += chr(rng.choice(safe)).encode()
        elif kind == 2:
            out += rng.choice(WORDS).encode()
        elif kind == 3:
            out += rng.choice(WHITESPACE).encode()
        elif kind == 4:
            out += rng.choice(APOS).encode()
        elif kind == 5:
            out += rng.choice(PUNCT).encode()
        elif kind == 6:
            out += rng.choice(DIGITS).encode()
        elif kind == 7:
            out += rng.choice(BAD)
        else:
            out += chr(any_assigned(rng)).encode()
    return bytes(out)


def write_fixture(path):
    rng = random.Random(SEED)
    safe = build_pools()
    cases = [data for _, data in HAND]
    while len(cases) < N_CASES:
        cases.append(random_case(rng, safe))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write("# Generated by scripts/gen_pretok_cases.py; do not edit.\n"
                "# One case per line: the input as lowercase hex ('-' when\n"
                "# empty), then the byte length of each expected pre-token in\n"
                "# order, all separated by single spaces. The pieces are the\n"
                "# input cut at those lengths.\n")
        for data in cases:
            lens = [len(p) for p in pieces(data)]
            f.write(" ".join([data.hex() or "-"] + [str(n) for n in lens]))
            f.write("\n")
    return len(cases)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--c-table", action="store_true",
                    help="print the hand-written cases as a C table")
    ap.add_argument("--fast", action="store_true",
                    help="write the fast pre-tokenizer's Unicode 16 fixture")
    ap.add_argument("--verify", metavar="FILE", help="recompute FILE's cases")
    ap.add_argument("--ucd", help="the UCD of the fast tables (with --fast, --verify)")
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    if args.c_table:
        print(c_table())
        return 0
    if args.verify:
        checked, skipped, wrong = verify_fixture(args.verify, args.ucd)
        print("regex %s: %d cases checked, %d skipped (code points of another Unicode), "
              "%d wrong" % (regex.__version__, checked, skipped, wrong))
        return 1 if wrong else 0
    if args.fast:
        args.output = args.output or FAST_OUT
        n = write_fast_fixture(args.output, args.ucd)
    else:
        args.output = args.output or OUT
        n = write_fixture(args.output)
    print("wrote %d cases to %s (%d bytes)" % (
        n, os.path.normpath(args.output), os.path.getsize(args.output)),
        file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
