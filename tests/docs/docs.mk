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
