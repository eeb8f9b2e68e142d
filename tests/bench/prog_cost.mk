# prog-cost (metrics 5 and 7 of `make bench`): per-packet program cost on
# the BPF test fixtures. run.sh runs it when it exists.
$(BUILD)/bench/prog-cost: tests/bench/prog_cost.c $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(TEST_HDRS) $(LIBATEOM) $(SKELS) | $(BUILD)/bench
	$(CC) $(CFLAGS) -Itests/lib -Itests/bpf $< $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(LIBATEOM) -o $@ $(LDLIBS)

BENCH_TARGETS += $(BUILD)/bench/prog-cost
