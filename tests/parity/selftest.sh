#!/bin/bash
# selftest.sh: the verdict logic of run.sh on made-up results (no network):
# a suite that cannot fail checks nothing. Each case writes results for two
# checks, runs `run.sh --report` and compares its exit status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/parity-self.XXXXXX)
trap 'rm -rf "$dir"' EXIT
bad=0

# case DESC WANT_RC CHECKS_LINES NFT_A EBPF_A NFT_B EBPF_B [ENV...]
case_() {
	local desc="$1" want="$2" lines="$3" rc=0
	rm -rf "${dir:?}"/*
	mkdir -p "$dir/ebpf" "$dir/nftables"
	printf '%s\n' "$lines" >"$dir/checks.txt"
	# an empty result: no .res file (the mode died before the check)
	[[ -z "$4" ]] || echo "$4" >"$dir/nftables/a.res"
	[[ -z "$5" ]] || echo "$5" >"$dir/ebpf/a.res"
	[[ -z "$6" ]] || echo "$6" >"$dir/nftables/b.res"
	[[ -z "$7" ]] || echo "$7" >"$dir/ebpf/b.res"
	echo 0 >"$dir/ebpf.rc"
	echo 0 >"$dir/nftables.rc"
	shift 7
	env "$@" PARITY_OUT="$dir" PARITY_CHECKS="$dir/checks.txt" "$here/run.sh" --report \
		>"$dir/log" 2>&1 || rc=$?
	if [[ "$rc" == "$want" ]]; then echo "  ok   $desc"; else
		echo "  FAIL $desc: exit $rc, expected $want"; sed 's/^/       /' "$dir/log"; bad=1
	fi
}

plain='a | check a | pass | -
b | check b | fail | -'
waived='a | check a | pass | pending: in flight
b | check b | fail | pending: in flight'
case_ "all pass, bridge as expected" 0 "$plain" pass pass "fail: x" pass
case_ "ateomnet fails what the bridge passes" 1 "$plain" pass "fail: x" "fail: x" pass
case_ "ateomnet fails what the bridge fails too (required)" 1 "$plain" pass pass "fail: x" "fail: x"
case_ "the bridge differs from its baseline (bed changed)" 1 "$plain" pass pass pass pass
case_ "a waived failure is an xfail" 0 "$waived" pass "fail: x" "fail: x" "fail: y"
case_ "a waived check that passes: a note" 0 "$waived" pass pass "fail: x" pass
case_ "... an error with PARITY_STRICT=1" 1 "$waived" pass pass "fail: x" pass PARITY_STRICT=1
case_ "a missing result is a failure" 1 "$plain" pass pass "fail: x" ""
exit $bad
