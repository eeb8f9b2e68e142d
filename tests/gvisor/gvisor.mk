# Real gVisor actor lifecycle (issue 3): run, golden snapshot, restore on
# another worker and again on the first, behind build/ateomnet; egress
# capture through redsocks before and after the restore (issue 9); an actor
# set up by the CNI plugin (issue 11).
#   make e2e-gvisor                       (root; about 12 s)
#   make e2e-gvisor GVISOR_NET=standin    ip/nftables stand-in, no ateomnet
#   make e2e-gvisor GVISOR_DEBUG=1 GVISOR_KEEP=1   runsc debug logs, kept

GVISOR_SRV := $(BUILD)/gvisor/testsrv
GVISOR_NET ?= ateomnet
# runsc: the sandbox; libc6-dev: libc.a for the static test server;
# util-linux: unshare/nsenter; jq: reads `ateomnet status --json`;
# redsocks, ncat, python3 (http.server), iproute2 (ss): the capture run.
EXTRA_PKGS += runsc libc6-dev util-linux jq nftables redsocks ncat python3 iproute2

$(BUILD)/gvisor:
	mkdir -p $@

# Static: the OCI rootfs holds this one file and nothing else.
$(GVISOR_SRV): tests/gvisor/testsrv.c | $(BUILD)/gvisor
	$(CC) $(CFLAGS) -static $< -o $@

.PHONY: e2e-gvisor
e2e-gvisor: all $(GVISOR_SRV)
	TESTSRV=$(abspath $(GVISOR_SRV)) ATEOMNET=$(abspath $(BUILD)/ateomnet) \
	GVISOR_NET=$(GVISOR_NET) tests/gvisor/e2e-gvisor.sh

TEST_SUITES += e2e-gvisor

# IPv6 (issue 10): the same run on dual-stack workers, the actor checked
# over IPv6 too before and after the restore (tests/gvisor/ipv6.sh), about
# 17 s; GVISOR_NET=standin runs it against nftables. The IPv4-only run above
# stays: a pod without IPv6 is the other common case.
.PHONY: e2e-gvisor-ipv6
e2e-gvisor-ipv6: all $(GVISOR_SRV)
	TESTSRV=$(abspath $(GVISOR_SRV)) ATEOMNET=$(abspath $(BUILD)/ateomnet) \
	GVISOR_NET=$(GVISOR_NET) GVISOR_IPV6=1 tests/gvisor/e2e-gvisor.sh

TEST_SUITES += e2e-gvisor-ipv6
