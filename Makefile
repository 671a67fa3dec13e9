# bpebench: byte-level BPE training and its merge-step backends, measured.
#
#   make            build bin/bpetrain
#   make mpi        build bin/bpetrain-mpi (Open MPI, installed if missing)
#   make test       build and run every test; last line "N passed, N failed, N skipped"
#   make test SANITIZE=address,undefined   (or SANITIZE=thread)
#   make echo       print the build settings
#   make help       every target, one line each
#
# ---- settings ---------------------------------------------------------------
# The project's own flags live in BPE_* variables; CFLAGS, CPPFLAGS and
# LDFLAGS from the command line or the environment are appended to them,
# so `make CFLAGS=-O0` changes the optimisation, not the warnings, the
# standard or OpenMP.
ifeq ($(origin CC),default)
  CC := gcc
  # ThreadSanitizer needs an OpenMP runtime it understands: clang's libomp
  # with the Archer tool, not libgomp (whose barriers TSan cannot see).
  ifeq ($(SANITIZE),thread)
    CC := clang
  endif
endif
OPT      ?= -O2
SANITIZE ?=
WERROR   ?=
ARCHER   := $(wildcard /usr/lib/llvm-*/lib/libarcher.so)
BPE_WARN := -Wall -Wextra -Wshadow -Wconversion -Wmissing-prototypes \
            -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 -Wundef \
            -Wvla -Wnull-dereference $(if $(filter 1 yes,$(WERROR)),-Werror)
BPE_CFLAGS   := -std=gnu11 $(OPT) -g $(BPE_WARN) -pthread
BPE_CPPFLAGS := -D_FILE_OFFSET_BITS=64
BPE_LDFLAGS  := -pthread
# Only the openmp backend is compiled with OpenMP; bpetrain and the tests
# link its runtime, bpescan and the tools do not.
OMP_FLAGS    := -fopenmp
DEB_DEPS := libpcre2-dev libhwloc-dev

comma := ,
ifneq ($(SANITIZE),)
  BPE_CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
  BPE_LDFLAGS += -fsanitize=$(SANITIZE)
  VARIANT := san-$(subst $(comma),-,$(SANITIZE))
else
  VARIANT := release
endif
# PIC=1: position-independent objects, for the Python module (make python).
ifneq ($(PIC),)
  BPE_CFLAGS += -fPIC
  VARIANT := $(VARIANT)-pic
endif
ALL_CFLAGS   = $(BPE_CFLAGS) $(CFLAGS)
ALL_CPPFLAGS = $(BPE_CPPFLAGS) $(LAYER_INC) $(CPPFLAGS)
ALL_LDFLAGS  = $(BPE_LDFLAGS) $(LDFLAGS)

BUILD := build/$(VARIANT)
# The release trainer lives in bin/; a sanitizer build keeps its own copy so
# objects built with different flags never end up in one binary.
ifeq ($(VARIANT),release)
  BINDIR := bin
else
  BINDIR := $(BUILD)/bin
endif
BPETRAIN := $(BINDIR)/bpetrain
BPESCAN  := $(BINDIR)/bpescan
SYNTHGEN := $(BINDIR)/synthgen
TOOLS    := $(patsubst tools/%.c,$(BINDIR)/%,$(wildcard tools/*.c))

# ---- layers -------------------------------------------------------------------
# Each layer sees its own headers and those of the layers below it, never
# one above: an upward #include is a build error. base < core < workers <
# variants < cli < python, and dist (MPI, below) on workers, seen by
# bpetrain-mpi's main and backend mpi; tools see base only, tests see
# everything but dist.
INC_base     := -Iharness/base
INC_core     := -Iharness/core $(INC_base)
INC_workers  := -Iharness/workers $(INC_core)
INC_variants := $(INC_workers)
INC_cli      := -Iharness/cli $(INC_workers)
INC_tests    := -Itests $(INC_cli)
INC_python    = -Iharness/python $(INC_cli) -isystem $(PY_INCLUDE)
$(BUILD)/harness/base/%.o:    LAYER_INC = $(INC_base)
$(BUILD)/harness/core/%.o:    LAYER_INC = $(INC_core)
$(BUILD)/harness/workers/%.o: LAYER_INC = $(INC_workers)
$(BUILD)/variants/%.o:        LAYER_INC = $(INC_variants)
$(BUILD)/harness/cli/%.o:     LAYER_INC = $(INC_cli)
$(BUILD)/tools/%.o:           LAYER_INC = $(INC_base)
$(BUILD)/tests/%.o:           LAYER_INC = $(INC_tests)
$(BUILD)/harness/python/%.o:  LAYER_INC = $(INC_python)
$(BUILD)/variants/openmp.o:   LAYER_CFLAGS = $(OMP_FLAGS)

LAYERS   := base core workers variants
# variants/mpimax.c (backend mpi) needs Open MPI: it goes into bpetrain-mpi only.
MPI_VARIANT := variants/mpimax.c
src_of    = $(if $(filter variants,$(1)),$(filter-out $(MPI_VARIANT),$(wildcard variants/*.c)),\
              $(wildcard harness/$(1)/*.c))
lib_of    = $(BUILD)/lib/lib$(1).a
MAINS    := harness/cli/bpetrain.c harness/cli/bpescan.c harness/cli/bpetrain-mpi.c
CLI_SRC  := $(filter-out $(MAINS),$(wildcard harness/cli/*.c))
CLI_OBJ  := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
# Link order: a layer's archive before the ones it needs.
LIBS_ALL     := $(foreach l,variants workers core base,$(call lib_of,$(l)))
LIBS_WORKER  := $(foreach l,workers core base,$(call lib_of,$(l)))
LDLIBS_ALL   := -lpcre2-8 -lhwloc -lm
LDLIBS_WORKER := -lhwloc -lm
ALL_SRC  := $(foreach l,$(LAYERS),$(call src_of,$(l))) $(CLI_SRC) $(MAINS)

TEST_SRC    := $(wildcard tests/test_*.c)
TEST_BIN    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_SUPPORT_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT_SRC))

.PHONY: all test deps echo help clean bench report data experiments heaps hugepages update-step fuzz peers valgrind \
        pretok python python-module mpi mpi-bench FORCE
# Objects reached through pattern rules are not throw-away intermediates.
.SECONDARY:
all: $(BPETRAIN) $(BPESCAN) $(TOOLS)

# ---- dependencies -------------------------------------------------------------
# A stamp per package set, so the check runs once, not on every build; a dry
# run (make -n) prints the command instead of running it.
DEPS_STAMP := build/.deps-$(shell echo $(DEB_DEPS) | tr ' ' '_')
deps: $(DEPS_STAMP)
$(DEPS_STAMP):
	@scripts/ensure-deps.sh $(DEB_DEPS)
	@mkdir -p build && touch $@

# ---- rebuild everything when the flags change ---------------------------------
# The stamp is read here and rewritten only by its recipe (so `make -n` leaves
# it alone), and that recipe runs only when the flags differ from what it
# holds: its time changes only when they do, and a dry run after a build
# shows only what a build would do.
FLAGS_FILE := $(BUILD)/.flags
# (Not ALL_CPPFLAGS: a target's layer variables reach its prerequisites,
# this stamp among them, and must not make it differ from one object to the
# next.)
FLAGS_NOW   = $(CC) $(BPE_CPPFLAGS) $(CPPFLAGS) $(ALL_CFLAGS) $(OMP_FLAGS) $(ALL_LDFLAGS) \
              $(LDLIBS_ALL)
ifneq ($(strip $(file <$(FLAGS_FILE))),$(strip $(FLAGS_NOW)))
$(FLAGS_FILE): FORCE
endif
$(FLAGS_FILE):
	@mkdir -p $(@D)
	@echo '$(FLAGS_NOW)' > $@

$(BUILD)/%.o: %.c Makefile $(FLAGS_FILE) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LAYER_CFLAGS) -MMD -MP -c $< -o $@

# One static archive per layer: each binary links only what it uses.
define layer_lib
$(call lib_of,$(1)): $(patsubst %.c,$(BUILD)/%.o,$(call src_of,$(1)))
	@mkdir -p $$(@D)
	rm -f $$@ && $(AR) rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_lib,$(l))))

$(BPETRAIN): $(BUILD)/harness/cli/bpetrain.o $(CLI_OBJ) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(OMP_FLAGS) $^ $(LDLIBS_ALL) -o $@

# The spawned worker: the worker layer and what it needs, no backend, no
# PCRE2, no OpenMP.
$(BPESCAN): $(BUILD)/harness/cli/bpescan.o $(LIBS_WORKER)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_WORKER) -o $@

$(TOOLS): $(BINDIR)/%: $(BUILD)/tools/%.o $(call lib_of,base)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -lm -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_SUPPORT_OBJ) $(CLI_OBJ) $(LIBS_ALL)
	$(CC) $(ALL_LDFLAGS) $(OMP_FLAGS) $^ $(LDLIBS_ALL) -o $@

# ---- the Python module: import bpebench ------------------------------------------
# Built against the python3 on PATH (PYTHON=...), from PIC objects of the
# same sources, into build/python/ (PYTHONPATH=build/python).
PYTHON      ?= python3
PY_INCLUDE   = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
PY_SUFFIX    = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
PY_MODULE_DIR := build/python
PY_DEPS     := python3-dev
PY_STAMP    := build/.deps-$(shell echo $(PY_DEPS) | tr ' ' '_')
$(PY_STAMP):
	@$(PYTHON) -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
	    || scripts/ensure-deps.sh $(PY_DEPS)
	@mkdir -p build && touch $@
python: $(PY_STAMP)
	$(MAKE) PIC=1 python-module
# The spawn backend's worker goes beside the module (the module points the
# backend at it: the running executable is python, not bpetrain).
python-module: $(BUILD)/harness/python/bpebench_module.o $(CLI_OBJ) $(LIBS_ALL) \
               $(BUILD)/harness/cli/bpescan.o $(LIBS_WORKER)
	@mkdir -p $(PY_MODULE_DIR)
	$(CC) -shared $(ALL_LDFLAGS) $(OMP_FLAGS) $(filter-out %/bpescan.o,$^) $(LDLIBS_ALL) \
	    -o $(PY_MODULE_DIR)/bpebench$(PY_SUFFIX)
	$(CC) $(ALL_LDFLAGS) $(BUILD)/harness/cli/bpescan.o $(LIBS_WORKER) $(LDLIBS_WORKER) \
	    -o $(PY_MODULE_DIR)/bpescan

# ---- MPI: bin/bpetrain-mpi (make mpi) -------------------------------------------
# Open MPI from Debian, installed like the build's other packages through a
# stamp. The dist layer (harness/dist, libdist.a) sits on workers and is,
# with backend mpi (variants/mpimax.c, which also sees dist), the only code
# compiled with MPI's include path; bpetrain-mpi's main sees dist.h and
# mpimax.h, which do not include <mpi.h>. No other binary links MPI.
BPETRAIN_MPI := $(BINDIR)/bpetrain-mpi
MPI_DEPS  := libopenmpi-dev openmpi-bin
MPI_STAMP := build/.deps-$(shell echo $(MPI_DEPS) | tr ' ' '_')
# Recursive: expanded in recipes, after the stamp has installed mpicc.
# -isystem: MPI's headers are not held to the project's warnings.
MPI_CPPFLAGS = $(patsubst -I%,-isystem %,$(shell mpicc --showme:compile 2>/dev/null))
MPI_LDLIBS   = $(shell mpicc --showme:link 2>/dev/null)
INC_dist     := -Iharness/dist $(INC_workers)
DIST_OBJ     := $(patsubst %.c,$(BUILD)/%.o,$(wildcard harness/dist/*.c))
MPI_OBJ      := $(DIST_OBJ) $(BUILD)/variants/mpimax.o $(BUILD)/harness/cli/bpetrain-mpi.o
$(BUILD)/harness/dist/%.o:           LAYER_INC = $(INC_dist) $(MPI_CPPFLAGS)
$(BUILD)/variants/mpimax.o:          LAYER_INC = $(INC_dist) $(MPI_CPPFLAGS)
$(BUILD)/harness/cli/bpetrain-mpi.o: LAYER_INC = $(INC_cli) -Iharness/dist -Ivariants
$(MPI_OBJ): | $(MPI_STAMP)
$(MPI_STAMP):
	@scripts/ensure-deps.sh $(MPI_DEPS)
	@mkdir -p build && touch $@

$(call lib_of,dist): $(DIST_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

mpi: $(BPETRAIN_MPI)
$(BPETRAIN_MPI): $(BUILD)/harness/cli/bpetrain-mpi.o $(BUILD)/variants/mpimax.o $(CLI_OBJ) \
                 $(call lib_of,dist) $(LIBS_ALL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(OMP_FLAGS) $^ $(LDLIBS_ALL) $(MPI_LDLIBS) -o $@

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)

# ---- tests ---------------------------------------------------------------------
# The Python module is tested in the release build only (a sanitized module
# cannot load into an uninstrumented python3).
# The scripts the tests run (bench, report, peers) call the release trainer in
# bin/, so a sanitizer build of the tests builds that too, on a fresh clone
# as well.
# bpetrain-mpi is built when Open MPI is there or can be installed;
# tests/test_mpi.sh skips when it cannot be, and fails when it could be but
# the build failed.
test: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(TEST_BIN) $(if $(SANITIZE),,python)
	$(if $(SANITIZE),@$(MAKE) --no-print-directory SANITIZE= all)
	@$(MAKE) --no-print-directory mpi || echo "make: no bpetrain-mpi; tests/test_mpi.sh decides"
	@BPETRAIN=$(BPETRAIN) BPETRAIN_MPI=$(BPETRAIN_MPI) SYNTHGEN=$(SYNTHGEN) TEST_BIN_DIR=$(BUILD)/tests SANITIZE=$(SANITIZE) \
	    PY_MODULE_DIR=$(PY_MODULE_DIR) \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1 \
	    $(if $(filter thread,$(SANITIZE)),OMP_TOOL_LIBRARIES=$(firstword $(ARCHER))) \
	    tests/run.sh

# ---- benchmarks -----------------------------------------------------------------
# make bench DATASET=sample|cs336|synth|tinystories|tinystories-valid|owt|mail|sentences
#            [VOCAB=N] [BACKENDS="..."] [WORKERS="1 2 4 8"] [REPEAT=3] [PIN=none]
#            [COUNT_WORKERS="1 2"] [SIZE=2G] [FORCE=1] [PEERS=1: against HF and SentencePiece]
DATASET  ?= sample
REPEAT   ?= 3
PIN      ?= none
WORKERS  ?= 1 2 4 8
# Empty: every backend bin/bpetrain --list-backends --json marks for the bench.
BACKENDS ?=
SIZE     ?= 2G
# The py-* backends (scripts/pytrain.py): their worker counts and repeats, and the
# seconds any run may take before it is killed and skipped with a notice.
PY_WORKERS ?= 1
PY_REPEAT  ?= 1
TIME_LIMIT ?= 90
BENCH_DEPS := gnuplot-nox python3 python3-regex curl
BENCH_STAMP := build/.deps-$(shell echo $(BENCH_DEPS) | tr ' ' '_')
$(BENCH_STAMP):
	@scripts/ensure-deps.sh $(BENCH_DEPS)
	@mkdir -p build && touch $@

bench: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(BENCH_STAMP) $(if $(filter mpi,$(BACKENDS)),$(BPETRAIN_MPI)) \
       $(if $(filter 1 yes,$(PEERS)),peers)
	python3 scripts/bench.py --dataset $(DATASET) --repeat $(REPEAT) --pin $(PIN) \
	    --workers "$(WORKERS)" $(if $(BACKENDS),--backends "$(BACKENDS)") --size $(SIZE) \
	    $(if $(VOCAB),--vocab $(VOCAB)) $(if $(COUNT_WORKERS),--count-workers "$(COUNT_WORKERS)") \
	    $(if $(filter 1 yes,$(FORCE)),--force) --py-workers "$(PY_WORKERS)" \
	    --py-repeat $(PY_REPEAT) --time-limit $(TIME_LIMIT) $(if $(TRAINER),--trainer "$(TRAINER)") \
	    $(if $(filter 1 yes,$(PEERS)),--peers)
	python3 scripts/report.py
	python3 scripts/experiments.py report

# bpetrain-mpi against pool and over ranks (REPORT.md, "Over MPI"): results/mpi/.
mpi-bench: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(BPETRAIN_MPI) $(BENCH_STAMP)
	python3 scripts/mpibench.py measure --repeat $(REPEAT)
	python3 scripts/report.py

report: $(BPETRAIN) $(BENCH_STAMP)
	python3 scripts/report.py
	python3 scripts/experiments.py report

# The article's open questions (REPORT.md, "Answers"): EXP=traverse|forkcost|touch|
# pinning|all, on DATASET (default sample) with REPEAT runs each.
EXP ?= all
experiments: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(BENCH_STAMP)
	python3 scripts/experiments.py $(EXP) --dataset $(DATASET) --repeat $(REPEAT)

# The update step (REPORT.md "The update step"): strategies, U, counters, on
# the sample, mail, synth-2G and a synthetic corpus of millions of words.
update-step: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(BENCH_STAMP)
	python3 scripts/updatestep.py
	python3 scripts/report.py

# --huge-pages on against off (REPORT.md "Huge pages"): whole trainings of mail after a
# pause and back to back, and backend fork: results/hugepages/, then REPORT.md.
hugepages: $(BPETRAIN) $(BENCH_STAMP)
	python3 scripts/hugepages.py --repeat $(REPEAT)
	python3 scripts/report.py

# Distinct words and initial pairs against corpus size, sample and synthetic.
heaps: $(BPETRAIN) $(TOOLS) $(BENCH_STAMP)
	python3 scripts/heaps.py
	python3 scripts/report.py

# Pre-tokenizing alone and counting end to end, pcre2 against fast, on the sample (repeated),
# synth-256M (synthetic), mail and sentences (fetched when missing): results/pretok/, then REPORT.md.
pretok: $(BPETRAIN) $(TOOLS) $(BENCH_STAMP)
	python3 scripts/measure_pretok.py --repeat $(REPEAT)
	python3 scripts/report.py

data: $(TOOLS) $(BENCH_STAMP)
ifeq ($(DATASET),synth)
	@mkdir -p data/synth
	$(SYNTHGEN) --sample data/sample/tinystories_v1_head_1097.txt --size $(SIZE) --seed 1 \
	    --out data/synth/synth-$(SIZE)-seed1.txt
else
	scripts/fetch-data.sh $(DATASET)
endif

# ---- established trainers beside this one (HF tokenizers via Node, SentencePiece) ----
peers:
	scripts/peers-install.sh

# ---- valgrind memcheck of a small training (serial, and pool with its children) ----
VALGRIND := valgrind --quiet --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect
valgrind: $(BPETRAIN) $(BPESCAN)
	$(VALGRIND) $(BPETRAIN) --quiet --input tests/fixtures/cs336/corpus.en --vocab-size 500 \
	    --count-workers 2 --out build/valgrind-serial
	$(VALGRIND) --trace-children=yes $(BPETRAIN) --quiet --input tests/fixtures/cs336/corpus.en \
	    --vocab-size 300 --backend pool --workers 2 --out build/valgrind-pool
	cmp build/valgrind-serial/merges.txt tests/fixtures/cs336/train-bpe-reference-merges.txt
	@echo "valgrind: clean"

# ---- fuzzing (clang's libFuzzer) ------------------------------------------------------
# make fuzz SECONDS=600: the trainer against the naive reference on small
# inputs; new interesting inputs collect in build/fuzz/corpus, findings in
# build/fuzz/ (crash-*), the seeds are tests/fuzz/corpus.
# make fuzz FUZZ=pretok SECONDS=600: the fast pre-tokenizer against PCRE2's
# (corpus in build/fuzz/corpus-pretok, the same seeds).
SECONDS ?= 60
FUZZ    ?= train
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -fopenmp -pthread $(BPE_CPPFLAGS) $(INC_tests)
build/fuzz/fuzz_train: $(filter-out $(MAINS),$(ALL_SRC)) tests/naive_bpe.c tests/fuzz/fuzz_train.c \
                       | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $^ $(LDLIBS_ALL) -o $@
build/fuzz/fuzz_pretok: $(call src_of,core) $(call src_of,base) tests/fuzz/fuzz_pretok.c \
                        | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $^ $(LDLIBS_ALL) -o $@

FUZZ_CORPUS := corpus$(if $(filter-out train,$(FUZZ)),-$(FUZZ))
fuzz: build/fuzz/fuzz_$(FUZZ)
	@mkdir -p build/fuzz/$(FUZZ_CORPUS)
	cd build/fuzz && ./fuzz_$(FUZZ) -max_total_time=$(SECONDS) -max_len=4096 -print_final_stats=1 \
	    $(FUZZ_CORPUS) ../../tests/fuzz/corpus

help:
	@echo "make, make all      build bin/bpetrain, bin/bpescan and the tools (installs libpcre2-dev, libhwloc-dev if missing)"
	@echo "make test           build and run every test; last line 'N passed, N failed, N skipped'"
	@echo "                    SANITIZE=address,undefined or SANITIZE=thread: a sanitizer build of the tests"
	@echo "                    WERROR=1: warnings are errors (CI); tests/run.sh NAME runs only matching tests"
	@echo "make bench          benchmark DATASET (default sample) on this machine; results/, plots/, REPORT.md"
	@echo "                    VOCAB= BACKENDS= WORKERS= REPEAT= PIN= COUNT_WORKERS= SIZE= FORCE=1"
	@echo "make report         tables, plots and REPORT.md from results/ alone (MACHINE=ID picks a machine)"
	@echo "make data           download (or, for synth, generate) DATASET"
	@echo "make pretok         pre-tokenizers and counting, pcre2 against fast (REPEAT runs each); REPORT.md"
	@echo "make experiments    the article's open questions: EXP=traverse|forkcost|touch|pinning|all"
	@echo "make heaps          distinct words and initial pairs against corpus size"
	@echo "make hugepages      --huge-pages on against off: trainings of mail after a pause and back to back"
	@echo "make update-step    the update step: strategies, U, work counters (REPORT.md)"
	@echo "make python         build the Python module: PYTHONPATH=build/python python3 -c 'import bpebench'"
	@echo "make python-module  its second step, run by make python with PIC=1 (python3-dev already there)"
	@echo "make peers          install HF tokenizers (npm) and SentencePiece for the comparison"
	@echo "make bench TRAINER=m.py:f  a CS336 train_bpe beside bpetrain: time, peak RSS, merges checked"
	@echo "make valgrind       memcheck of a small training, serial and pool"
	@echo "make fuzz           libFuzzer: the trainer against the naive reference (SECONDS=60);"
	@echo "                    FUZZ=pretok: the fast pre-tokenizer against PCRE2's"
	@echo "make mpi            build bin/bpetrain-mpi (installs libopenmpi-dev, openmpi-bin if missing)"
	@echo "make mpi-bench      bpetrain-mpi against pool, and counting over ranks (results/mpi/, REPEAT=)"
	@echo "make deps           install the build's Debian packages"
	@echo "make echo           print the build settings"
	@echo "make clean          remove build/ and bin/"
	@echo "make help           this list"

echo:
	@echo "CC       = $(CC)"
	@echo "CPPFLAGS = $(BPE_CPPFLAGS) $(CPPFLAGS)"
	@echo "CFLAGS   = $(ALL_CFLAGS)"
	@echo "LDFLAGS  = $(ALL_LDFLAGS)"
	@echo "LDLIBS   = $(LDLIBS_ALL)"
	@echo "VARIANT  = $(VARIANT) -> $(BPETRAIN)"

clean:
	rm -rf build bin
