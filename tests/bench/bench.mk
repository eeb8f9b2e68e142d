# `make bench` (issue 4): the actor datapath modes side by side, figures in
# build/bench/ (results.md, results.csv, chart.png). See tests/bench/run.sh.
#
#   make bench                                   all four modes
#   make bench BENCH_MODES="nftables eth0-move"  without the eBPF loader
#   make bench BENCH_ROUNDS=3 BENCH_SECS=1       quicker
#
# The loader is only built when the ebpf mode is asked for, so the baselines
# can be measured while it is not there. Figures that need the datapath's
# own fixtures come from $(BUILD)/bench/prog-cost and $(BUILD)/bench/scale:
# a fragment that builds them adds them to BENCH_TARGETS (or adds itself as
# a prerequisite: `bench: $(BUILD)/bench/prog-cost`), run.sh runs them if
# they exist.

EXTRA_PKGS += iperf3 sockperf gnuplot-nox nftables hyperfine

BENCH_MODES ?= ebpf nftables eth0-move ebpf-policy
BENCH_TOOLS := $(BUILD)/bench/rr $(BUILD)/bench/cps

$(BUILD)/bench:
	mkdir -p $@

$(BENCH_TOOLS): $(BUILD)/bench/%: tests/bench/%.c tests/bench/benchutil.h | $(BUILD)/bench
	$(CC) $(CFLAGS) $< -o $@

.PHONY: bench bench-tools bench-report
bench-tools: $(BENCH_TOOLS)

# BENCH_TARGETS is expanded in the recipe, after every fragment was read.
bench: deps $(if $(filter ebpf%,$(BENCH_MODES)),all) $(BENCH_TOOLS)
	$(if $(strip $(BENCH_TARGETS)),$(MAKE) --no-print-directory $(BENCH_TARGETS))
	BUILD=$(BUILD) BENCH_MODES="$(BENCH_MODES)" tests/bench/run.sh

# Re-render the table and chart from build/bench/raw.csv.
bench-report:
	tests/bench/report.sh $(BUILD)/bench
