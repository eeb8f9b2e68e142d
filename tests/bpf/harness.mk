# Test-only BPF objects of the BPF suite (tests/bpf/harness/*.bpf.c): built
# and embedded (skeleton) into build/tests/test_datapath, never shipped.
HARNESS_SRCS := $(wildcard tests/bpf/harness/*.bpf.c)
HARNESS_OBJS := $(patsubst tests/bpf/harness/%.bpf.c,$(BUILD)/tests/%.bpf.o,$(HARNESS_SRCS))
HARNESS_SKELS := $(patsubst tests/bpf/harness/%.bpf.c,$(BUILD)/tests/%.skel.h,$(HARNESS_SRCS))

$(BUILD)/tests/%.bpf.o: tests/bpf/harness/%.bpf.c $(BPF_HDRS) $(wildcard tests/bpf/harness/*.h) \
		$(BUILD)/.deps-ok | $(BUILD)/tests
	$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@
$(BUILD)/tests/%.skel.h: $(BUILD)/tests/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .bpf.o,,$(notdir $<))_bpf > $@.tmp && mv $@.tmp $@

.SECONDARY: $(HARNESS_OBJS) # kept, for llvm-objdump (stack sizes)
$(BUILD)/tests/test_datapath: $(HARNESS_SKELS) $(wildcard tests/bpf/harness/*.h)
