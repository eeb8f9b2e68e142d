# The parity suite of issue 8 (tests/parity/run.sh): real tools against
# ateomnet and the nftables bridge on a two-router topology.
#   make parity      run it, print the check x mode table (build/parity/table.md)

EXTRA_PKGS += traceroute iputils-tracepath stun-client stun-server wrk nginx-light \
              socat nftables iproute2

.PHONY: parity
parity: all
	tests/parity/selftest.sh
	ATEOMNET=$(abspath $(BUILD)/ateomnet) PARITY_OUT=$(abspath $(BUILD)/parity) \
		tests/parity/run.sh

# Re-print the table of the last run (for README), without running anything.
.PHONY: parity-table
parity-table:
	@PARITY_OUT=$(abspath $(BUILD)/parity) tests/parity/run.sh --report || true

TEST_SUITES += parity
