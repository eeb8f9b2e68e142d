# ateomnet — eBPF/TC datapath and loader for sandboxed actors.
#
#   make            build build/ateomnet
#   make test       install what is missing, build, run every test
#   make demo       install what is missing, build, show the datapath working
#   make bench      benchmarks (figures, never asserted)
#   make parity     real tools vs the nftables bridge, the check x mode table
#
# Test suites and benchmarks add their own rules in tests/*/*.mk.

BUILD      ?= build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)

CFLAGS     ?= -O2 -g
CFLAGS     += -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
              -Iinclude -Iloader -I$(BUILD) -D_GNU_SOURCE
LDLIBS     += -lbpf -lmnl -ljansson -lelf -lz
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
              -Iinclude -I/usr/include/$(MULTIARCH)

BPF_SRCS    := $(wildcard bpf/*.bpf.c)
BPF_HDRS    := $(wildcard bpf/*.h) $(wildcard include/*.h)
BPF_OBJS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS       := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

LOADER_SRCS := $(filter-out loader/main.c,$(wildcard loader/*.c))
LOADER_OBJS := $(patsubst loader/%.c,$(BUILD)/loader/%.o,$(LOADER_SRCS))
LOADER_HDRS := $(wildcard loader/*.h) $(wildcard include/*.h)
LIBATEOM    := $(BUILD)/libateom.a

.PHONY: all deps test demo bench clean unit-tests bpf-tests install uninstall static
.SECONDARY: $(BPF_OBJS) $(SKELS)
all: $(BUILD)/ateomnet

# ---- packages -----------------------------------------------------------
# Debian 12 package names; only the missing ones are installed.
PKGS := clang llvm libbpf-dev libelf-dev zlib1g-dev libmnl-dev libjansson-dev bpftool \
        libcmocka-dev iproute2 iputils-ping pkg-config
deps:
	@./tools/install-deps $(PKGS) $(EXTRA_PKGS)

# Before the first compile: which build dependencies are missing, in one
# message, instead of a compiler error (`make deps` installs them).
$(BUILD)/.deps-ok: tools/check-deps | $(BUILD)
	@CC="$(CC)" CLANG="$(CLANG)" BPFTOOL="$(BPFTOOL)" tools/check-deps
	@touch $@

# ---- BPF objects and skeletons -------------------------------------------
$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/.deps-ok | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<))_bpf > $@.tmp && mv $@.tmp $@

# ---- loader ----------------------------------------------------------------
$(BUILD)/loader/%.o: loader/%.c $(LOADER_HDRS) $(SKELS) | $(BUILD)/loader
	$(CC) $(CFLAGS) -c $< -o $@

# Made anew, not updated: `ar r` keeps members whose source file is gone
# (a split file's old object would clash with its successors).
$(LIBATEOM): $(LOADER_OBJS) Makefile
	rm -f $@ && $(AR) rcs $@ $(LOADER_OBJS)

$(BUILD)/ateomnet: $(BUILD)/loader/main.o $(LIBATEOM)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# ---- static binary -----------------------------------------------------------
# For distroless worker images: libbpf, libelf, zlib, jansson and glibc
# linked in from Debian's .a files. Debian 12 has no libmnl.a: the static
# build links loader/compat/mnl_min.c (the libmnl calls the loader makes)
# instead. glibc's static NSS is not used (no user or host lookups).
$(BUILD)/static/mnl_min.o: loader/compat/mnl_min.c | $(BUILD)/static
	$(CC) $(CFLAGS) -c $< -o $@
$(BUILD)/static/ateomnet: $(BUILD)/loader/main.o $(LOADER_OBJS) $(BUILD)/static/mnl_min.o
	$(CC) $(CFLAGS) -static $^ -o $@ -lbpf -ljansson -lelf -lz
static: $(BUILD)/static/ateomnet

$(BUILD) $(BUILD)/loader $(BUILD)/tests $(BUILD)/static:
	mkdir -p $@

# ---- cmocka suites: tests/unit/test_*.c and the BPF suite in tests/bpf ----
TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_HDRS := $(wildcard tests/lib/*.h tests/bpf/*.h)
# The BPF fixture, shared with the prog-cost bench: named, so that a new
# file of the suite never ends up in the bench.
BPF_FIXTURE_SRCS := tests/bpf/fixture.c
# Every other tests/bpf/*.c (engine, row areas, flows, main) is one binary.
BPF_SUITE_SRCS := $(filter-out $(BPF_FIXTURE_SRCS),$(wildcard tests/bpf/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
BPF_TESTS  := $(BUILD)/tests/test_datapath

$(BUILD)/tests/%: tests/unit/%.c $(TEST_LIB_SRCS) $(LIBATEOM) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/lib $< $(TEST_LIB_SRCS) $(LIBATEOM) -o $@ -lcmocka $(LDLIBS)
$(BUILD)/tests/test_datapath: $(BPF_SUITE_SRCS) $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(TEST_HDRS) $(LIBATEOM) $(SKELS) | $(BUILD)/tests
	$(CC) $(CFLAGS) -Itests/lib -Itests/bpf $(BPF_SUITE_SRCS) $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(LIBATEOM) -o $@ -lcmocka $(LDLIBS)

unit-tests: $(UNIT_TESTS)
	@set -e; for t in $^; do echo "== $$t"; $$t; done
bpf-tests: $(BPF_TESTS)
	@set -e; for t in $^; do echo "== $$t"; $$t; done

# Fragments add suite targets to TEST_SUITES (run by `make test`, in order)
# and may add BENCH_TARGETS / DEMO rules.
TEST_SUITES :=
-include $(wildcard tests/*/*.mk)

test: deps all unit-tests bpf-tests $(TEST_SUITES)
	@echo "make test: all suites passed"

# ---- install ----------------------------------------------------------------
# The binary, its man page, the JSON Schemas of its output, and the CNI
# plugin: a link named ateomnet in the CNI bin dir (the binary is a plugin
# when CNI_COMMAND is set). /opt/cni/bin is where containerd and CRI-O look
# by default, whatever PREFIX is; Debian's own plugins use /usr/lib/cni.
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
DATADIR   ?= $(PREFIX)/share/ateomnet
CNIBINDIR ?= /opt/cni/bin
SCHEMAS   := $(wildcard docs/schema/*.json)

install: $(BUILD)/ateomnet
	install -D -m 0755 $(BUILD)/ateomnet $(DESTDIR)$(SBINDIR)/ateomnet
	install -D -m 0644 docs/ateomnet.8 $(DESTDIR)$(MANDIR)/man8/ateomnet.8
	install -d $(DESTDIR)$(DATADIR)/schema $(DESTDIR)$(CNIBINDIR)
	$(if $(SCHEMAS),install -m 0644 $(SCHEMAS) $(DESTDIR)$(DATADIR)/schema/)
	ln -sfn $(SBINDIR)/ateomnet $(DESTDIR)$(CNIBINDIR)/ateomnet

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ateomnet $(DESTDIR)$(MANDIR)/man8/ateomnet.8 \
		$(DESTDIR)$(CNIBINDIR)/ateomnet
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD)
