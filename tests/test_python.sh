#!/usr/bin/env bash
# test_python.sh: `import bpebench` (make python), checked as CS336's tests
# use it; the checks themselves are in test_python.py.
set -u
. "$(dirname "$0")/lib.sh"
: "${PY_MODULE_DIR:=build/python}"
if [ -n "${SANITIZE:-}" ]; then
    # A sanitized module cannot load into an uninstrumented python3.
    skip "the Python module is tested in the release build (SANITIZE=$SANITIZE)"
    exit 0
fi
if ! ls "$PY_MODULE_DIR"/bpebench*.so >/dev/null 2>&1; then
    fail "the Python module is not built in $PY_MODULE_DIR (make python)"
    exit 1
fi
PYTHONPATH="$PY_MODULE_DIR" python3 tests/test_python.py
