# bpebench: byte-level BPE training and its merge-step backends, measured.
#
#   make            build bin/bpetrain
#   make test       build and run every test; last line "N passed, N failed"
#   make test SANITIZE=address,undefined   (or SANITIZE=thread)
#   make echo       print the build settings
#
# ---- settings ---------------------------------------------------------------
ifeq ($(origin CC),default)
  CC := gcc
endif
OPT      ?= -O2
SANITIZE ?=
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

MAINS       := harness/bpetrain.c harness/bpescan.c
HARNESS_SRC := $(filter-out $(MAINS),$(wildcard harness/*.c))
VARIANT_SRC := $(wildcard variants/*.c)
LIB_OBJ     := $(patsubst %.c,$(BUILD)/%.o,$(HARNESS_SRC) $(VARIANT_SRC))
TEST_SRC    := $(wildcard tests/test_*.c)
TEST_BIN    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_SUPPORT_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT_SRC))

.PHONY: all test deps echo clean
# Objects reached through pattern rules are not throw-away intermediates.
.SECONDARY:
all: $(BPETRAIN) $(BPESCAN)

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

$(BINDIR)/%: $(BUILD)/harness/%.o $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJ) $(TEST_SUPPORT_OBJ)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

-include $(shell find build/$(VARIANT) -name '*.d' 2>/dev/null)

# ---- tests ---------------------------------------------------------------------
test: $(BPETRAIN) $(BPESCAN) $(TEST_BIN)
	@BPETRAIN=$(BPETRAIN) TEST_BIN_DIR=$(BUILD)/tests SANITIZE=$(SANITIZE) tests/run.sh

echo:
	@echo "CC       = $(CC)"
	@echo "CPPFLAGS = $(CPPFLAGS)"
	@echo "CFLAGS   = $(CFLAGS)"
	@echo "LDFLAGS  = $(LDFLAGS)"
	@echo "LDLIBS   = $(LDLIBS)"
	@echo "VARIANT  = $(VARIANT) -> $(BPETRAIN)"

clean:
	rm -rf build bin
