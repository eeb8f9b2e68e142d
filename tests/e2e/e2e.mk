# End-to-end tests in network namespaces, driving the real build/ateomnet.
#   make e2e                      all of them (root; ~1-2.5 minutes, E2E_JOBS=2)
#   make e2e E2E_ONLY="refuse tc" only tests whose file:function matches

E2E_PROBE := $(BUILD)/e2e/probe
EXTRA_PKGS += libcap2-bin nftables python3 iputils-ping

$(BUILD)/e2e:
	mkdir -p $@

$(E2E_PROBE): tests/e2e/probe.c | $(BUILD)/e2e
	$(CC) $(CFLAGS) $< -o $@

.PHONY: e2e
e2e: all $(E2E_PROBE)
	ATEOMNET=$(abspath $(BUILD)/ateomnet) PROBE=$(abspath $(E2E_PROBE)) \
		tests/e2e/run.sh $(E2E_ONLY)

TEST_SUITES += e2e
