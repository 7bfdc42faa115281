# ikeswarm — top-level build.
#
# Every room (folder) is built into its own static library so that a test
# links only the rooms it exercises: a half-finished file in worker/ does not
# stop the proto tests from building.  Sources are found by wildcard; adding
# a file needs no Makefile change.
#
#   make              build ./ikeswarm
#   make check        unit tests (Check) + namespace tests when root
#   make check-asan   unit tests under AddressSanitizer/UBSan
#   make check-all    what CI runs: -Werror build, check, check-asan, man lint
#   make deps         install the Debian packages the build and tests need
#   make lab          the README's main job (two namespaces, client+gateway)
#
# BUILD=dir puts objects elsewhere (parallel developers, sanitizer builds).

.DEFAULT_GOAL := all

BUILD    ?= build
CC       ?= cc
PKGS     := openssl jansson yaml-0.1 libnl-3.0 libnl-route-3.0 libnl-xfrm-3.0
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-sign-compare
ifeq ($(WERROR),1)
WARN     += -Werror
endif
SAN      ?=
CFLAGS   ?=
CFLAGS   += -std=gnu11 $(OPT) $(WARN) $(SAN) -D_GNU_SOURCE
CPPFLAGS += -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lnng -lpthread -lm
LDFLAGS  += $(SAN)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)

# Rooms, in link order (a room may use the ones after it).
ROOMS := supervisor worker kernel conf proto lib

define room_lib
SRC_$(1) := $(filter-out supervisor/main.c,$(wildcard $(1)/*.c))
OBJ_$(1) := $$(patsubst %.c,$(BUILD)/%.o,$$(SRC_$(1)))
$(BUILD)/lib$(1).a: $$(OBJ_$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@; ar rcs $$@ $$^
endef
$(foreach r,$(ROOMS),$(eval $(call room_lib,$(r))))

# What each room's tests link (test_<room>_*.c under t/unit/).
DEPS_lib        := lib
DEPS_proto      := proto lib
DEPS_conf       := conf lib
DEPS_kernel     := kernel conf lib
DEPS_worker     := worker kernel conf proto lib
DEPS_supervisor := supervisor worker kernel conf proto lib
room_of = $(word 2,$(subst _, ,$(notdir $(1))))
libs_of = $(foreach r,$(DEPS_$(call room_of,$(1))),$(BUILD)/lib$(r).a)

ALL_LIBS := $(foreach r,$(ROOMS),$(BUILD)/lib$(r).a)
TEST_SRC := $(wildcard t/unit/test_*.c)
TEST_BIN := $(patsubst t/unit/%.c,$(BUILD)/t/%,$(TEST_SRC))

.PHONY: all check check-unit check-netns check-asan check-all deps lab \
        man-lint bench fuzz clean
.SECONDEXPANSION:

BIN     ?= ikeswarm
RESULTS ?= build/results
export RESULTS

all: $(BIN)

$(BIN): $(BUILD)/supervisor/main.o $(ALL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/t/%: t/unit/%.c t/unit/tcheck.h t/unit/thex.h t/unit/tengine.h t/unit/tkproc.h $$(call libs_of,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DSRCDIR='"$(CURDIR)"' -o $@ $< \
	    $(call libs_of,$*) $(LDFLAGS) $(LDLIBS) $(CHECK_LIBS)

check: check-unit check-netns

check-unit: $(BIN) $(TEST_BIN)
	IKESWARM=$(abspath $(BIN)) sh t/run-unit.sh $(BUILD)/t

# Namespace end-to-end tests: need root; they say SKIP and why otherwise.
check-netns: $(BIN)
	IKESWARM=$(abspath $(BIN)) sh t/run-netns.sh

# Real-ESP tests inside user-mode Linux (t/kernel/README.md); they say SKIP
# when UML cannot run here, and fail under CI when they skip.
.PHONY: check-kernel
check-kernel: $(BIN) $(filter $(BUILD)/t/test_kernel_%,$(TEST_BIN))
	IKESWARM=$(abspath $(BIN)) PROBE_TEST=$(abspath $(BUILD)/t/test_kernel_probe) \
	    sh t/kernel/run.sh

# The whole interop matrix (strongSwan and tshark judge the engine, issue 8):
# one line per cell, the table on stdout and in t/interop/RESULTS.md.  Root.
# `make check` runs its CI subset (t/netns/20-interop.sh).
.PHONY: interop
interop: $(BIN)
	IKESWARM=$(abspath $(BIN)) sh t/interop/run.sh -o t/interop/RESULTS.md

check-asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    BIN=build-asan/ikeswarm check-unit

man-lint:
	sh t/man-lint.sh

check-all:
	rm -rf $(RESULTS)
	$(MAKE) WERROR=1 all
	@# Every part runs even when one fails, so the closing line counts all
	@# (a failed part leaves failed-PART in RESULTS, which t/summary.sh
	@# counts).  check-kernel (user-mode Linux: one CPU) runs beside
	@# check-asan (one CPU) to keep CI within its time; its output follows.
	part() { \
		t0=$$(date +%s); \
		$(MAKE) WERROR=1 $$1 || { echo "check-all: $$1 failed"; \
			mkdir -p $(RESULTS); echo "0 1 0" > $(RESULTS)/failed-$$1; }; \
		echo "check-all: $$1 took $$(($$(date +%s) - t0)) s"; \
	}; \
	part check; mkdir -p $(BUILD); \
	part check-kernel > $(BUILD)/check-kernel.log 2>&1 & kpid=$$!; \
	part check-asan; \
	wait $$kpid; cat $(BUILD)/check-kernel.log; \
	part fuzz-ci; \
	part man-lint; \
	sh t/summary.sh

deps:
	sh t/deps.sh

lab: $(BIN)
	$(abspath $(BIN)) lab

# Micro-benchmarks (timings live here, never in tests).  `make bench` runs
# proto-bench, then the full system benchmark (bench/run.sh full: 10,000
# and 100,000 tunnels, strongSwan side by side, long); `make bench-quick`
# the 1,000-tunnel one (< 2 minutes).  Both need root; never in CI.
.PHONY: bench-quick
BENCH_BINS := $(BUILD)/bench/proto-bench $(BUILD)/bench/xfrm-bench
BENCH_ENV   = IKESWARM=$(abspath $(BIN)) PROTO_BENCH=$(abspath $(BUILD)/bench/proto-bench) \
	      XFRM_BENCH=$(abspath $(BUILD)/bench/xfrm-bench)
bench: $(BIN) $(BENCH_BINS)
	$(BUILD)/bench/proto-bench
	$(BENCH_ENV) sh bench/run.sh full

bench-quick: $(BIN) $(BENCH_BINS)
	$(BENCH_ENV) sh bench/run.sh quick

# The fastpath library's install/rekey/migrate/delete rates (10,000 CHILD
# SAs) inside user-mode Linux, the kernel with ESP here (bench/xfrm-bench.c).
.PHONY: bench-xfrm
bench-xfrm: $(BUILD)/bench/xfrm-bench
	sh t/kernel/uml.sh -t $${XFRM_BENCH_TIMEOUT:-600} bench/xfrm-bench.sh \
	    $(abspath $(BUILD)/bench/xfrm-bench) $(XFRM_BENCH_ARGS)

# CHILD SA installs/s through the kernel process: ikeswarm client and
# gateway with installfastpath in UML (bench/fastpath-engine.sh; N tunnels,
# FP_N, default 10,000), beside the library alone; writes
# bench/results/<date>-fastpath.md.
.PHONY: bench-fastpath
bench-fastpath: $(BIN) $(BUILD)/bench/xfrm-bench
	IKESWARM=$(abspath $(BIN)) XFRM_BENCH=$(abspath $(BUILD)/bench/xfrm-bench) \
	    sh bench/fastpath-engine.sh $${FP_N:-10000}

$(BUILD)/bench/xfrm-bench: bench/xfrm-bench.c $(BUILD)/libkernel.a $(BUILD)/liblib.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libkernel.a $(BUILD)/liblib.a \
	    $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/proto-bench: bench/proto-bench.c $(BUILD)/libproto.a $(BUILD)/liblib.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libproto.a $(BUILD)/liblib.a \
	    $(LDFLAGS) $(LDLIBS)

# libFuzzer harnesses t/fuzz/fuzz_*.c (t/fuzz/README.md): clang with
# ASan+UBSan, objects in FUZZ_BUILD.  `make fuzz` runs each for FUZZ_SECONDS
# and keeps a corpus; `make fuzz-ci` runs each for FUZZ_RUNS inputs from the
# seeds only (quick).  Both print execs, cov, ft and crashes per harness.
FUZZ_BUILD   ?= build/fuzz
FUZZ_SECONDS ?= 600
FUZZ_RUNS    ?= 20000
FUZZ_RUNS_CONF ?= 3000
FUZZ_JOBS    ?= 1
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_NAMES   := $(patsubst t/fuzz/%.c,%,$(wildcard t/fuzz/fuzz_*.c))
FUZZ_LIBS     = $(BUILD)/libconf.a $(BUILD)/libproto.a $(BUILD)/liblib.a

.PHONY: fuzz-ci fuzz-bins
fuzz-bins: $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES) seedgen)

$(BUILD)/fuzz/fuzz_%: t/fuzz/fuzz_%.c $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS) \
	    $(LDFLAGS) $(LDLIBS)

$(BUILD)/fuzz/seedgen: t/fuzz/seedgen.c $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(FUZZ_LIBS) $(LDFLAGS) $(LDLIBS)

fuzz fuzz-ci:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" fuzz-bins
	FUZZ_JOBS=$(FUZZ_JOBS) RUNS_fuzz_conf=$(FUZZ_RUNS_CONF) sh t/fuzz/run.sh \
	    $(if $(filter fuzz,$@),time $(FUZZ_SECONDS),runs $(FUZZ_RUNS)) $(FUZZ_BUILD)/fuzz

clean:
	rm -rf build build-asan ikeswarm

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
