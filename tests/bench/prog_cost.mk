# prog-cost (metrics 5 and 7 of `make bench`): per-packet program cost on
# the BPF test fixtures, and the egress hook's (hook_cost.c, issue 9).
# run.sh runs it when it exists.
PROG_COST_SRCS := tests/bench/prog_cost.c tests/bench/hook_cost.c
$(BUILD)/bench/prog-cost: $(PROG_COST_SRCS) $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(TEST_HDRS) $(LIBATEOM) $(SKELS) | $(BUILD)/bench
	$(CC) $(CFLAGS) -Itests/lib -Itests/bpf $(PROG_COST_SRCS) $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(LIBATEOM) -o $@ $(LDLIBS)

BENCH_TARGETS += $(BUILD)/bench/prog-cost
