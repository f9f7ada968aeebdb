# sysward: one non-recursive Makefile.
#
#   make            build build/sysward
#   make deps       install the Debian packages the build and tests need
#   make check      unit tests (cmocka, TAP) and tracee tests (real programs, real tracer)
#   make demo       run the bundled example under sysward and summarise its audit trail
#   make install    binary, man pages, built-in profiles (PREFIX, DESTDIR)
#   make fuzz       run the policy-parser fuzzer for FUZZ_SECONDS
#   make bench      overhead ratios against the untraced program, side by side
#   make report-shot  the demo's HTML report rendered in headless Chromium (a picture)
#   make format     clang-format the tree;  make check-format  fail on a diff

# Knobs (each may be set on the command line):
PREFIX       ?= /usr/local# installation prefix
DESTDIR      ?=# staging directory prepended to every installed path
CC           ?= cc# C compiler
SANITIZE     ?= 0# 1: build with AddressSanitizer + UndefinedBehaviorSanitizer
V            ?= 0# 1: show every command
FUZZ_SECONDS ?= 30# how long `make fuzz` runs the fuzzer
B            ?= build# build directory

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKGS     := libseccomp libunwind-ptrace libunwind-generic
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 \
            -Werror=implicit-function-declaration -fno-strict-aliasing \
            -D_GNU_SOURCE -I. -I$(B)/gen $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libseccomp linked in (every start of `sysward run` or `submit` would otherwise map it);
# libunwind is opened only when a backtrace is asked for (supervisor/backtrace.c)
LDLIBS   += -Wl,-Bstatic -lseccomp -Wl,-Bdynamic -ldl -lpthread
ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS  += -fsanitize=address,undefined
endif
PROFILEDIR := $(PREFIX)/share/sysward/profiles
CFLAGS   += -DSYSWARD_PROFILEDIR='"$(PROFILEDIR)"' -DSYSWARD_SRC_PROFILEDIR='"$(CURDIR)/policy/profiles"'

# ---- the library every binary links -------------------------------------------------
LIB_SRC  := $(wildcard arch/*.c) $(wildcard policy/*.c) \
            $(filter-out supervisor/main.c,$(wildcard supervisor/*.c supervisor/*/*.c)) \
            $(wildcard tools/*.c) $(wildcard lib/*.c)
LIB_OBJ  := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(B)/obj/gen/systab.o
LIB      := $(B)/libsysward.a
SYSWARD  := $(B)/sysward

# ---- unit tests: one cmocka file per module ----------------------------------------
UNIT_SRC := $(wildcard tests/test_*.c)
UNIT_BIN := $(patsubst tests/%.c,$(B)/tests/%,$(UNIT_SRC))

# ---- tracee tests: standalone programs, verdict in the exit status ----------------
TT_DIRS  := tracee-tests tracee-tests/attacks tracee-tests/net tracee-tests/limits tracee-tests/learn tracee-tests/serve
TT_SRC   := $(foreach d,$(filter-out tracee-tests/learn,$(TT_DIRS)),$(wildcard $(d)/*.c)) # learn/ holds fixtures
TT_TABLES := $(foreach d,$(TT_DIRS),$(wildcard $(d)/expected.tsv))
TT_BIN   := $(patsubst tracee-tests/%.c,$(B)/tracee-tests/%,$(TT_SRC))

MAN_SRC  := $(wildcard docs/*.[1-8].md)
MAN      := $(patsubst docs/%.md,$(B)/man/%,$(MAN_SRC))

.PHONY: all deps check unit tracee-check demo install clean fuzz bench format check-format man check-sanitize report-shot
all: $(SYSWARD) $(MAN)

deps:
	$(Q)tools/install-deps.sh

$(B)/gen/systab.c: arch/syscalls.tbl arch/gen-systab.awk
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)awk -f arch/gen-systab.awk arch/syscalls.tbl > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/systab.o: $(B)/gen/systab.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(SYSWARD): $(B)/obj/supervisor/main.o $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

# Tracee tests are built without sanitizers: they are the untrusted programs.
TT_CFLAGS := -std=gnu11 -O1 -g -Wall -D_GNU_SOURCE -pthread
$(B)/tracee-tests/%: tracee-tests/%.c $(wildcard tracee-tests/*.h tracee-tests/*/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(TT_CFLAGS) -Itracee-tests -o $@ $< -lpthread

$(B)/man/%: docs/%.md
	@mkdir -p $(dir $@)
	@echo "  MAN     $@"
	$(Q)pandoc -s -t man -o $@ $<

man: $(MAN)

unit: $(UNIT_BIN)
	$(Q)fail=0; for t in $(UNIT_BIN); do \
	    CMOCKA_MESSAGE_OUTPUT=TAP $$t || fail=1; done; exit $$fail

tracee-check: $(SYSWARD) $(TT_BIN)
	$(Q)fail=0; for t in $(TT_TABLES); do \
	    SYSWARD=$(abspath $(SYSWARD)) TT_BIN=$(abspath $(B)/tracee-tests) \
	    tracee-tests/run-tests.sh $$t || fail=1; done; exit $$fail

check: all unit tracee-check

check-sanitize:
	$(MAKE) B=build-san SANITIZE=1 check

demo: $(SYSWARD)
	$(Q)examples/demo.sh $(abspath $(SYSWARD))

report-shot: $(SYSWARD)
	$(Q)tools/report-shot.sh $(abspath $(SYSWARD))

bench: $(SYSWARD) $(TT_BIN) $(B)/lib/libsysward.a
	$(Q)tools/bench.sh $(abspath $(SYSWARD)) $(abspath $(B)/tracee-tests)
	@echo "== sysward serve: /bin/true per run through submit, the library and run (tools/bench-serve.sh)"
	$(Q)tools/bench-serve.sh $(abspath $(SYSWARD)) $(abspath $(CLIENT_LIB))

FUZZ_SRC := $(filter-out supervisor/% tools/% lib/%,$(LIB_SRC)) supervisor/util.c
fuzz: $(B)/gen/systab.c
	@mkdir -p $(B)/fuzz
	$(Q)clang -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE -I. -I$(B)/gen \
	    -DSYSWARD_PROFILEDIR='"$(PROFILEDIR)"' -DSYSWARD_SRC_PROFILEDIR='"$(CURDIR)/policy/profiles"' \
	    -o $(B)/fuzz/policy-fuzz tests/fuzz/policy_fuzz.c $(FUZZ_SRC) $(B)/gen/systab.c $(LDLIBS)
	$(Q)mkdir -p $(B)/fuzz/corpus && cp tests/fuzz/corpus/* $(B)/fuzz/corpus/
	$(Q)$(B)/fuzz/policy-fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=5 $(B)/fuzz/corpus

install: $(SYSWARD) $(MAN)
	install -D -m 0755 $(SYSWARD) $(DESTDIR)$(PREFIX)/bin/sysward
	install -d $(DESTDIR)$(PROFILEDIR)
	install -m 0644 policy/profiles/*.policy $(DESTDIR)$(PROFILEDIR)/
	for m in $(MAN); do s=$${m##*.}; install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$$(basename $$m); done

FORMAT_SRC = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_SRC)
check-format:
	clang-format --dry-run --Werror $(FORMAT_SRC)

clean:
	rm -rf $(B) build-san

# ---- libsysward: the client library of `sysward serve` (include/sysward.h) --------------
# `make lib`: one relocatable object of the client and what it uses, with every global
# symbol but sw_* made local, so that it links into any program without clashing names.
CLIENT_SRC := lib/sysward.c supervisor/proto.c supervisor/json.c supervisor/util.c tools/jsonl.c
CLIENT_LIB := $(B)/lib/libsysward.a
.PHONY: lib
lib: $(CLIENT_LIB)
$(CLIENT_LIB): $(patsubst %.c,$(B)/obj/%.o,$(CLIENT_SRC))
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)$(LD) -r -o $(B)/lib/sysward-client.o $^ && \
	    objcopy --wildcard --keep-global-symbol='sw_*' $(B)/lib/sysward-client.o && \
	    rm -f $@ && ar rcs $@ $(B)/lib/sysward-client.o

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
