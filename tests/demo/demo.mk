# `make demo`: the real datapath in namespaces, shown working.
.PHONY: demo
demo: deps all $(BUILD)/e2e/probe
	ATEOMNET=$(abspath $(BUILD)/ateomnet) PROBE=$(abspath $(BUILD)/e2e/probe) tests/demo/demo.sh
