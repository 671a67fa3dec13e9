# bpebench: byte-level BPE training and its merge-step backends, measured.
#
#   make            build bin/bpetrain
#   make test       build and run every test; last line "N passed, N failed, N skipped"
#   make test SANITIZE=address,undefined   (or SANITIZE=thread)
#   make echo       print the build settings
#
# ---- settings ---------------------------------------------------------------
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
ARCHER   := $(wildcard /usr/lib/llvm-*/lib/libarcher.so)
STD      := -std=gnu11
WARN     := -Wall -Wextra -Wshadow -Wconversion -Wmissing-prototypes \
            -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 -Wundef \
            -Wvla -Wnull-dereference
CPPFLAGS := -Iharness -D_FILE_OFFSET_BITS=64
CFLAGS   := $(STD) $(OPT) -g $(WARN) -fopenmp -pthread
LDLIBS   := -lpcre2-8 -lhwloc -lm
LDFLAGS  := -fopenmp -pthread
DEB_DEPS := libpcre2-dev libhwloc-dev

comma := ,
ifneq ($(SANITIZE),)
  CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=$(SANITIZE)
  VARIANT := san-$(subst $(comma),-,$(SANITIZE))
else
  VARIANT := release
endif

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
# Standalone tools: each is one file in tools/ and needs util.o (and its seam) only.
TOOLS    := $(patsubst tools/%.c,$(BINDIR)/%,$(wildcard tools/*.c))

MAINS       := harness/bpetrain.c harness/bpescan.c
HARNESS_SRC := $(filter-out $(MAINS),$(wildcard harness/*.c))
VARIANT_SRC := $(wildcard variants/*.c)
LIB_OBJ     := $(patsubst %.c,$(BUILD)/%.o,$(HARNESS_SRC) $(VARIANT_SRC))
TEST_SRC    := $(wildcard tests/test_*.c)
TEST_BIN    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_SUPPORT_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT_SRC))

.PHONY: all test deps echo clean bench report data experiments heaps fuzz peers valgrind
# Objects reached through pattern rules are not throw-away intermediates.
.SECONDARY:
all: $(BPETRAIN) $(BPESCAN) $(TOOLS)

# ---- dependencies -------------------------------------------------------------
# A stamp per package set, so the check runs once, not on every build.
DEPS_STAMP := build/.deps-$(shell echo $(DEB_DEPS) | tr ' ' '_')
deps: $(DEPS_STAMP)
$(DEPS_STAMP):
	@scripts/ensure-deps.sh $(DEB_DEPS)
	@mkdir -p build && touch $@

# ---- rebuild everything when the flags change ---------------------------------
FLAGS_FILE := $(BUILD)/.flags
FLAGS_NOW  := $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(LDLIBS)
$(shell mkdir -p $(BUILD); [ "`cat $(FLAGS_FILE) 2>/dev/null`" = "$(FLAGS_NOW)" ] || echo "$(FLAGS_NOW)" > $(FLAGS_FILE))

$(BUILD)/%.o: %.c Makefile $(FLAGS_FILE) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(TOOLS): $(BINDIR)/%: $(BUILD)/tools/%.o $(addprefix $(BUILD)/harness/,util.o sys.o cleanup.o)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ -o $@

$(BINDIR)/%: $(BUILD)/harness/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJ) $(TEST_SUPPORT_OBJ)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

-include $(shell find build/$(VARIANT) -name '*.d' 2>/dev/null)

# ---- tests ---------------------------------------------------------------------
test: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(TEST_BIN)
	@BPETRAIN=$(BPETRAIN) SYNTHGEN=$(SYNTHGEN) TEST_BIN_DIR=$(BUILD)/tests SANITIZE=$(SANITIZE) \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1 \
	    $(if $(filter thread,$(SANITIZE)),OMP_TOOL_LIBRARIES=$(firstword $(ARCHER))) \
	    tests/run.sh

# ---- benchmarks -----------------------------------------------------------------
# make bench DATASET=sample|cs336|synth|tinystories|tinystories-valid|owt
#            [VOCAB=N] [BACKENDS="..."] [WORKERS="1 2 4 8"] [REPEAT=3] [PIN=none]
#            [COUNT_WORKERS="1 2"] [SIZE=2G] [FORCE=1]
DATASET  ?= sample
REPEAT   ?= 3
PIN      ?= none
WORKERS  ?= 1 2 4 8
BACKENDS ?= serial fork pool spawn pthread openmp heap lazyheap
SIZE     ?= 2G
BENCH_DEPS := gnuplot-nox python3 curl
BENCH_STAMP := build/.deps-$(shell echo $(BENCH_DEPS) | tr ' ' '_')
$(BENCH_STAMP):
	@scripts/ensure-deps.sh $(BENCH_DEPS)
	@mkdir -p build && touch $@

bench: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(BENCH_STAMP)
	python3 scripts/bench.py --dataset $(DATASET) --repeat $(REPEAT) --pin $(PIN) \
	    --workers "$(WORKERS)" --backends "$(BACKENDS)" --size $(SIZE) \
	    $(if $(VOCAB),--vocab $(VOCAB)) $(if $(COUNT_WORKERS),--count-workers "$(COUNT_WORKERS)") \
	    $(if $(filter 1 yes,$(FORCE)),--force)
	python3 scripts/report.py
	python3 scripts/experiments.py report

report: $(BENCH_STAMP)
	python3 scripts/report.py
	python3 scripts/experiments.py report

# The article's open questions (REPORT.md, "Answers"): EXP=traverse|forkcost|touch|
# pinning|all, on DATASET (default sample) with REPEAT runs each.
EXP ?= all
experiments: $(BPETRAIN) $(BPESCAN) $(TOOLS) $(BENCH_STAMP)
	python3 scripts/experiments.py $(EXP) --dataset $(DATASET) --repeat $(REPEAT)

# Distinct words and initial pairs against corpus size, sample and synthetic.
heaps: $(BPETRAIN) $(TOOLS) $(BENCH_STAMP)
	python3 scripts/heaps.py
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
SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -fopenmp -pthread $(CPPFLAGS) -Itests
build/fuzz/fuzz_train: $(HARNESS_SRC) $(VARIANT_SRC) tests/naive_bpe.c tests/fuzz/fuzz_train.c \
                       | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $^ $(LDLIBS) -o $@

fuzz: build/fuzz/fuzz_train
	@mkdir -p build/fuzz/corpus
	cd build/fuzz && ./fuzz_train -max_total_time=$(SECONDS) -max_len=4096 -print_final_stats=1 \
	    corpus ../../tests/fuzz/corpus

echo:
	@echo "CC       = $(CC)"
	@echo "CPPFLAGS = $(CPPFLAGS)"
	@echo "CFLAGS   = $(CFLAGS)"
	@echo "LDFLAGS  = $(LDFLAGS)"
	@echo "LDLIBS   = $(LDLIBS)"
	@echo "VARIANT  = $(VARIANT) -> $(BPETRAIN)"

clean:
	rm -rf build bin
