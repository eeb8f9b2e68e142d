#!/bin/bash
# run.sh: the parity suite of issue 8. The checks of checks.txt, made with
# real tools (traceroute, tracepath, socat, stun, wrk, nginx) across a
# two-router topology with a 1280-MTU hop, against ateomnet (mode ebpf) and
# the nftables bridge (mode nftables), both modes at once, each on its own
# topology. Prints the check x mode table (also left in OUT/table.md) and
# fails when:
#   - ateomnet fails a check that is not waived as pending (every check is
#     required of it; that covers "every check the bridge passes");
#   - the bridge does not do what checks.txt says it does (the bed changed);
#   - a mode could not be set up or ran out of time.
# `run.sh --report` only redoes the table and the verdict from the last run.
# Environment: ATEOMNET, PARITY_CHECKS (default checks.txt), PARITY_OUT (default build/parity), PARITY_TIMEOUT
# (seconds per mode, default 100), PARITY_STRICT=1 (a pending check that
# passes is an error: its waiver must go).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export ATEOMNET="${ATEOMNET:-$root/build/ateomnet}"
out="${PARITY_OUT:-$root/build/parity}"
limit="${PARITY_TIMEOUT:-100}"
checks="${PARITY_CHECKS:-$here/checks.txt}"
modes=(ebpf nftables)

die() { echo "parity: $*" >&2; exit 1; }
((EUID == 0)) || die "needs root (network namespaces, bpffs)"
for t in ip nft nsenter ss timeout traceroute tracepath socat stun stund wrk nginx; do
	command -v "$t" >/dev/null || die "missing tool: $t (make deps)"
done
# Not a skip: the ebpf column fails and says why.
[[ -x "$ATEOMNET" ]] || echo "parity: WARNING: $ATEOMNET does not exist" >&2

t0=$SECONDS
declare -A rc
if [[ "${1:-}" == --report ]]; then
	# Only the table and the verdict, from the results of the last run.
	for m in "${modes[@]}"; do rc[$m]=$(cat "$out/$m.rc" 2>/dev/null || echo 1); done
else
	for m in "${modes[@]}"; do
		rm -rf "${out:?}/$m"
		mkdir -p "$out/$m"
		timeout -k 5 "$limit" "$here/mode.sh" "$m" "$out/$m" >"$out/$m.log" 2>&1 &
		rc[$m]=$!
	done
	for m in "${modes[@]}"; do
		r=0
		wait "${rc[$m]}" || r=$?
		rc[$m]=$r
		echo "$r" >"$out/$m.rc"
	done
	# A mode's cleanup trap removes its namespaces and pins; one killed
	# by the timeout may not have: remove and report what is left.
	: >"$out/leftovers"
	for m in "${modes[@]}"; do
		[[ -s "$out/$m/topo_id" ]] || continue
		id=$(cat "$out/$m/topo_id")
		for f in /run/netns/"$id"-* /sys/fs/bpf/"$id"-*; do
			[[ -e "$f" ]] || continue
			echo "$m left $f" >>"$out/leftovers"
			if [[ "$f" == /run/netns/* ]]; then
				for pid in $(ip netns pids "${f#/run/netns/}" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
				ip netns del "${f#/run/netns/}" 2>/dev/null
			else
				rm -rf "$f"
			fi
		done
	done
fi

# result MODE ID: "pass", "fail: WHY", or why there is none.
result() {
	local f="$out/$1/$2.res"
	if [[ -s "$f" ]]; then head -1 "$f"
	elif ((rc[$1] == 124)); then echo "fail: mode timed out after ${limit}s"
	elif ((rc[$1] != 0)); then echo "fail: set-up failed (exit ${rc[$1]}, see $out/$1.log)"
	else echo "fail: no result"; fi
}
cell() { # a table cell: "pass" or "fail (WHY)", pipes escaped
	if [[ "$1" == pass ]]; then echo pass; else echo "fail (${1#fail: })" | sed 's/|/\\|/g'; fi
}
trim() { local s="$1"; s="${s#"${s%%[! ]*}"}"; echo "${s%"${s##*[! ]}"}"; }

errors=() notes=() logs=()
[[ ! -f "$out/leftovers" ]] || while read -r l; do errors+=("$l"); done <"$out/leftovers"
{
	echo "| check | nftables bridge | ateomnet | verdict |"
	echo "|---|---|---|---|"
	while IFS='|' read -r id what nft_want pending; do
		id=$(trim "$id") what=$(trim "$what") nft_want=$(trim "$nft_want") pending=$(trim "$pending")
		[[ -z "$id" || "$id" == \#* ]] && continue
		n=$(result nftables "$id")
		e=$(result ebpf "$id")
		nft_got=fail
		[[ "$n" == pass ]] && nft_got=pass
		if [[ "$nft_got" != "$nft_want" ]]; then
			errors+=("$id: the nftables bridge should $nft_want, got: $n")
			logs+=("nftables/$id")
		fi
		if [[ "$e" == pass ]]; then
			verdict=ok
			if [[ "$pending" == pending:* ]]; then
				verdict="xpass: drop the waiver"
				notes+=("$id passes now: remove its 'pending' in tests/parity/checks.txt")
				[[ -z "${PARITY_STRICT:-}" ]] || errors+=("$id: passes but is still marked pending")
			fi
		elif [[ "$pending" == pending:* ]]; then
			verdict="xfail, ${pending}"
		else
			verdict=FAIL
			logs+=("ebpf/$id")
			if [[ "$nft_got" == pass ]]; then
				errors+=("$id: ateomnet fails what the bridge passes: $e")
			else
				errors+=("$id: ateomnet fails a required check: $e")
			fi
		fi
		echo "| $what | $(cell "$n") | $(cell "$e") | $verdict |"
	done <"$checks"
} >"$out/table.md"

cat "$out/table.md"
echo
for m in "${modes[@]}"; do
	((rc[$m] == 0)) || { echo "parity: mode $m exited ${rc[$m]}:"; tail -20 "$out/$m.log" | sed 's/^/    /'; }
done
for n in "${notes[@]}"; do echo "parity: note: $n"; done
for l in "${logs[@]}"; do # what the tool said, for a failure in CI
	echo "parity: --- $l.log (tail)"
	tail -15 "$out/$l.log" 2>/dev/null | sed 's/^/    /'
done
for e in "${errors[@]}"; do echo "parity: FAIL $e"; done
echo "parity: ${#modes[@]} modes in $((SECONDS - t0))s; logs in $out/MODE/CHECK.log"
((${#errors[@]} == 0)) || exit 1
echo "parity: passed (ateomnet passes every check not waived as pending; the bridge as expected)"
