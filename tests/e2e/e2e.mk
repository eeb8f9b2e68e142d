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

# IPv6 (issue 10): these tests join `make e2e` once the code they test is
# merged and they pass; until then only `make e2e-ipv6` runs them (their
# failures: docs/NOTES.md, "IPv6 tests").
# Empty: with v6core, v6edge and v6loader merged every IPv6 test passes.
E2E_PENDING ?=
e2e: export E2E_EXCLUDE = $(E2E_PENDING)

.PHONY: e2e-ipv6
e2e-ipv6: all $(E2E_PROBE)
	ATEOMNET=$(abspath $(BUILD)/ateomnet) PROBE=$(abspath $(E2E_PROBE)) E2E_EXCLUDE= \
		tests/e2e/run.sh $(or $(E2E_ONLY),t_ipv6)
