#!/usr/bin/env bash
# test_style.sh: functions that fit on a screen. No C function in harness/,
# variants/ or tools/ and no Python function in scripts/ runs past MAX_LINES
# (80) lines, signature to closing brace or last statement. A long one is
# named with its length, to be broken up along its natural cuts.
set -u
. "$(dirname "$0")/lib.sh"

MAX_LINES=${MAX_LINES:-80}

# A C function: from its signature's first line (the last line before its
# body that starts in column 0; continuation lines are indented) to the "}"
# in column 0 that closes the "{" in column 0 (the project's layout).
c_long() {
    awk -v max="$MAX_LINES" '
        FNR == 1 { body = 0 }
        !body && /^[A-Za-z_]/ { sig = FNR; name = $0 }
        !body && /^\{/ { body = 1; next }
        body && /^\}/ {
            body = 0
            if (FNR - sig + 1 > max) {
                match(name, /[A-Za-z_0-9]+ *\(/)
                printf "%s:%d %s (%d lines)\n", FILENAME, sig, substr(name, RSTART, RLENGTH - 1),
                       FNR - sig + 1
            }
        }' "$@"
}

py_long() {
    python3 - "$MAX_LINES" "$@" <<'EOF'
import ast, sys
limit = int(sys.argv[1])
for path in sys.argv[2:]:
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            if n > limit:
                print("%s:%d %s (%d lines)" % (path, node.lineno, node.name, n))
EOF
}

c_files=$(git ls-files 'harness/*.c' 'variants/*.c' 'tools/*.c' 2>/dev/null)
[ -n "$c_files" ] || c_files=$(ls harness/*/*.c variants/*.c tools/*.c)
py_files=$(git ls-files 'scripts/*.py' 2>/dev/null)
[ -n "$py_files" ] || py_files=$(find scripts -name '*.py')

# The counters see what they must: a function of MAX_LINES + 1 lines is long.
{
    printf 'static int short_one(void)\n{\n    return 0;\n}\n\nint long_one(int a,\n             int b)\n{\n'
    for _ in $(seq $((MAX_LINES - 4))); do printf '    a++;\n'; done
    printf '    return a + b;\n}\n'
} >"$tmp/probe.c"
{
    printf 'def short_one():\n    return 0\n\n\ndef long_one():\n'
    for _ in $(seq $((MAX_LINES - 1))); do printf '    x = 1\n'; done
} >"$tmp/probe.py"
check "the C counter finds a function of $((MAX_LINES + 1)) lines and only it" \
    test "$(c_long "$tmp/probe.c")" = "$tmp/probe.c:6 long_one ($((MAX_LINES + 1)) lines)"
check "the Python counter passes a function of $MAX_LINES lines" \
    test -z "$(py_long "$tmp/probe.py")"
printf '    x = 2\n' >>"$tmp/probe.py"
check "the Python counter finds one of $((MAX_LINES + 1)) lines" \
    test "$(py_long "$tmp/probe.py")" = "$tmp/probe.py:5 long_one ($((MAX_LINES + 1)) lines)"

# shellcheck disable=SC2086 # one file a word
long_c=$(c_long $c_files | paste -sd ";" -)
check "no C function in harness/, variants/, tools/ over $MAX_LINES lines${long_c:+: $long_c}" \
    test -z "$long_c"
# shellcheck disable=SC2086
long_py=$(py_long $py_files | paste -sd ";" -)
check "no Python function in scripts/ over $MAX_LINES lines${long_py:+: $long_py}" \
    test -z "$long_py"
