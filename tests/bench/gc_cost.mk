# gc-cost: one NAT garbage-collector sweep by table fill (standalone; see
# the header of tests/bench/gc_cost.c). Built with the benches, not run by
# run.sh.
$(BUILD)/bench/gc-cost: tests/bench/gc_cost.c $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(TEST_HDRS) $(LIBATEOM) $(SKELS) | $(BUILD)/bench
	$(CC) $(CFLAGS) -Itests/lib -Itests/bpf $< $(BPF_FIXTURE_SRCS) $(TEST_LIB_SRCS) $(LIBATEOM) -o $@ $(LDLIBS)

BENCH_TARGETS += $(BUILD)/bench/gc-cost
