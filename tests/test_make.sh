#!/usr/bin/env bash
# test_make.sh: the Makefile itself, in a copy of the sources under $tmp whose
# scripts/ensure-deps.sh only records that it was called. `make help` names
# every target; a dry run and `make help` install nothing and write nothing;
# CFLAGS from the command line keep the warnings, the standard and OpenMP;
# the flags stamp changes only when the flags do, and a dry run after a
# build shows no work.
set -u
. "$(dirname "$0")/lib.sh"

src=$tmp/src
mkdir -p "$src/scripts"
cp -r Makefile harness variants tools "$src/"
printf '#!/bin/sh\necho "$@" >>"%s/installed"\n' "$tmp" >"$src/scripts/ensure-deps.sh"
chmod +x "$src/scripts/ensure-deps.sh"
# tmake ARGS...: make in the copy, free of the settings of a make around this
# test (make test passes its command line down through MAKEFLAGS).
tmake() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u CFLAGS -u CPPFLAGS -u LDFLAGS -u SANITIZE \
        -u WERROR -u PIC make --no-print-directory -C "$src" "$@"
}
installed() { [ -e "$tmp/installed" ]; }
nothing_written() { [ ! -e "$src/build" ] && [ ! -e "$src/bin" ] && ! installed; }

# ---- make help ------------------------------------------------------------------
tmake help >"$tmp/help" 2>&1
targets=$(tmake -pnq help 2>/dev/null | sed -n 's/^\.PHONY: //p')
missing=""
for t in $targets; do
    [ "$t" = FORCE ] && continue
    grep -Eq "^make(, make)? $t( |,|$)" "$tmp/help" || missing="$missing $t"
done
check "make help: the .PHONY targets are found (at least 20)" test "$(echo $targets | wc -w)" -ge 20
check "make help: every .PHONY target has its line${missing:+ (missing:$missing)}" test -z "$missing"

# ---- nothing installed, nothing written by a dry run or help -----------------------
for goal in "" all test bench mpi python report; do
    tmake -n $goal >/dev/null 2>&1
done
check "make help and make -n (all, test, bench, mpi, python, report): nothing installed, no build/ or bin/" \
    nothing_written

# ---- the user's CFLAGS are added to the project's --------------------------------
tmake echo CFLAGS=-O0 >"$tmp/echo"
check "make echo CFLAGS=-O0: -O0 with -std=gnu11, -Wall and -Wextra still there" \
    grep -Eq '^CFLAGS .*-std=gnu11 .*-Wall -Wextra .*-O0' "$tmp/echo"
tmake -n -B CFLAGS=-O0 build/release/variants/openmp.o >"$tmp/omp" 2>&1
check "make CFLAGS=-O0: the openmp backend is still compiled with -fopenmp and the warnings" \
    grep -Eq -- '-Wall .*-O0 .*-fopenmp .*-c variants/openmp.c' "$tmp/omp"

# ---- the flags stamp ---------------------------------------------------------------
stamp=$src/build/release/.flags
tmake bin/forkcost >"$tmp/build1" 2>&1
check "a build of one tool works in the copy (and writes the flags stamp)" \
    test -x "$src/bin/forkcost" -a -s "$stamp"
check "the first build runs the package check (so the checks of none could see one)" installed
rm -f "$tmp/installed"
touch -d '2000-01-01' "$stamp"
before=$(stat -c %Y "$stamp")/$(md5sum <"$stamp")
tmake -n CFLAGS=-O0 bin/forkcost >"$tmp/dry" 2>&1
check "make -n CFLAGS=-O0: prints the rebuild at -O0" grep -q -- '-O0 .*-c tools/forkcost.c' "$tmp/dry"
check "make -n CFLAGS=-O0: the flags stamp is untouched (time and content)" \
    test "$(stat -c %Y "$stamp")/$(md5sum <"$stamp")" = "$before"
tmake -n bin/forkcost >"$tmp/dry2" 2>&1
check "make -n after a build with the same flags: no command, nothing to be done" \
    test "$(grep -c 'gcc\|echo' "$tmp/dry2")" = 0
tmake bin/forkcost >"$tmp/build2" 2>&1
check "make again with the same flags: nothing rebuilt, the stamp untouched" \
    test "$(grep -c 'gcc' "$tmp/build2")/$(stat -c %Y "$stamp")/$(md5sum <"$stamp")" = "0/$before"
tmake CFLAGS=-O0 bin/forkcost >"$tmp/build3" 2>&1
check "make CFLAGS=-O0 after it: rebuilt at -O0, the stamp rewritten" \
    test "$(grep -c -- '-O0 .*-c tools/forkcost.c' "$tmp/build3")" = 1 -a \
         "$(stat -c %Y "$stamp")/$(md5sum <"$stamp")" != "$before"
check "make -n CFLAGS=-O0 after that build: nothing to be done" \
    test "$(tmake -n CFLAGS=-O0 bin/forkcost | grep -c 'gcc\|echo')" = 0
check "no package check ran again in the builds after the first (its stamp holds)" \
    test ! -e "$tmp/installed"
