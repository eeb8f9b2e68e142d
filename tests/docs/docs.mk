# Documentation, installation and the JSON contract, checked by the real
# tools: mandoc (the man page), make install/uninstall, jsonschema (every
# --json output against docs/schema).
#   make docs-tests
EXTRA_PKGS += mandoc python3-jsonschema prometheus

.PHONY: docs-tests
docs-tests: all
	tests/docs/check-man.sh $(BUILD)/ateomnet docs/ateomnet.8
	tests/docs/check-install.sh
	tests/docs/check-deps.sh

TEST_SUITES += docs-tests

# The static binary: in a chroot with nothing else, then the e2e tests that
# exercise its netlink layer (loader/compat/mnl_min.c replaces libmnl there).
.PHONY: static-tests
static-tests: static $(BUILD)/e2e/probe
	tests/docs/check-static.sh $(BUILD)/static/ateomnet
	ATEOMNET=$(abspath $(BUILD)/static/ateomnet) PROBE=$(abspath $(BUILD)/e2e/probe) \
		tests/e2e/run.sh t_up.sh t_cni.sh t_multi.sh t_crash.sh

TEST_SUITES += static-tests
