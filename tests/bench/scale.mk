# `make bench-scale` (issue 13): kernel memory with N workers, actors and
# flows, side by side with the nftables bridge (tests/bench/scale.sh).
# Part of `make bench` (run before the mode rounds).
.PHONY: bench-scale
bench-scale: deps all
	BUILD=$(BUILD) tests/bench/scale.sh

BENCH_TARGETS += bench-scale
