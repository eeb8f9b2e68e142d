# shellcheck shell=bash
# A crash of `up` or `down` at any step must not stop the next call.
# ATEOMNET_FAULT=<step> makes the loader _exit(137) right after that step
# (the steps are listed in loader/sys.h). After each crash: a plain `up`
# works (egress and inbound), and `down` leaves the worker, the actor netns
# and the pin dir exactly as a clean `down` does (the same snapshot as
# lib.sh's `refuses` takes: links, addresses, routes, tc, tcx, pins, maps);
# `down` right after the crash does too.

CRASH_UP_STEPS="leftovers veth named configured attached config hook services gc actor"
CRASH_DOWN_STEPS="down_link down_services down_nat down_hook down_actor down_pod"

# crashed DESC STEP CMD...: CMD must die at STEP.
crashed() {
	local desc="$1" step="$2" rc=0
	shift 2
	ATEOMNET_FAULT="$step" "$@" >"$T/crash.out" 2>&1 || rc=$?
	check_eq "$desc: the fault fired (exit 137)" 137 "$rc" "$(cat "$T/crash.out")"
}

# same_as DESC N FILE: worker N, the actors and the pin dir are as in FILE.
same_as() {
	snapshot "$2" >"$T/now" 2>&1
	if cmp -s "$3" "$T/now"; then ok "$1"; else
		fail "$1" "diff expected/now:" "$(diff "$3" "$T/now" | head -30)"
	fi
}

# works DESC ACTOR PORT: the actor's egress and inbound (pod port PORT).
works() {
	check_get "$1: egress" "a-$2" tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
	check_get "$1: inbound on pod:$3" node tcp 192.0.2.11 "$3" "tag=$2\$"
}

crash_bed() {
	std_topo "$1"
	serve inet tcp 7000
	serve a-a1 tcp 80 --tag a1
}

# up_a1 ARGS...: `up` of a1 on worker 1, as a command (no must).
up_a1() { atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$(pin 1)" "$@"; }
down_a1() { atn w1 down --actor a1 --pin-dir "$(pin 1)"; }

# Crashed with a hook (the datapath's own actor_resume, which drops what
# reaches it as a hook): a hook slot a crash left must not outlive it.
hook_arg() { echo "--egress-hook=$(pin 1)/prog_actor_resume"; }

test_crash_up() {
	crash_bed cru
	local step
	up 1 a1
	down 1 a1
	snapshot_stable 1 "$T/base"
	for step in $CRASH_UP_STEPS; do
		crashed "[$step] up" "$step" up_a1 "$(hook_arg)"
		check "[$step] then up works" up_a1
		works "[$step] then up" a1 80
		check "[$step] then down works" down_a1
		same_as "[$step] up, down: as before the crash" 1 "$T/base"

		crashed "[$step] up again" "$step" up_a1 "$(hook_arg)"
		check "[$step] down right after the crash" down_a1
		same_as "[$step] down: as before the crash" 1 "$T/base"
	done
}

# The same next to an actor that stays up (from_pod attached already).
test_crash_up_beside_another() {
	crash_bed crb
	sized_for 1 2
	e2e_actor a2
	serve a-a2 tcp 81 --tag a2
	local step up2 down2
	up2=(atn w1 up --actor a2 --netns "$(apath a2)" --pin-dir "$(pin 1)" --veth ateom1 --expose 81)
	down2=(atn w1 down --actor a2 --pin-dir "$(pin 1)")
	up 1 a1
	must "${up2[@]}"
	must "${down2[@]}"
	snapshot_stable 1 "$T/base"
	for step in $CRASH_UP_STEPS; do
		# Even after the actor entry (the last map write), an `up`
		# that did not finish is redone: its entry is not marked ready.
		crashed "[$step] up a2" "$step" "${up2[@]}" "$(hook_arg)"
		check "[$step] then up a2 works" "${up2[@]}"
		check_get "[$step] a2 inbound on pod:81" node tcp 192.0.2.11 81 'tag=a2$'
		check_get "[$step] a2 egress" a-a2 tcp 203.0.113.10 7000 '^peer=192\.0\.2\.11:'
		check "[$step] then down a2 works" "${down2[@]}"
		same_as "[$step] up, down a2: as before the crash" 1 "$T/base"
	done
	works "a1 after all that" a1 80
}

test_crash_down() {
	crash_bed crd
	local step
	up 1 a1
	down 1 a1
	snapshot_stable 1 "$T/base"
	for step in $CRASH_DOWN_STEPS; do
		up 1 a1
		works "[$step] before" a1 80
		crashed "[$step] down" "$step" down_a1
		check "[$step] then up works" up_a1
		works "[$step] then up" a1 80
		check "[$step] then down works" down_a1
		same_as "[$step] up, down: as before the crash" 1 "$T/base"

		up 1 a1
		works "[$step] again" a1 80
		crashed "[$step] down again" "$step" down_a1
		check "[$step] down again works" down_a1
		same_as "[$step] down, down: as before the crash" 1 "$T/base"
	done
}

# pod_progs: programs on worker 1's pod eth0 (tcx or tc), "" if none.
pod_progs() {
	{
		in_ns w1 "$PROBE" tcx eth0 | sed -nE 's/.*prog_id=([0-9]+).*/\1/p'
		in_ns w1 tc filter show dev eth0 ingress | sed -nE 's/.* bpf .* id ([0-9]+) .*/\1/p'
	} | xargs
}

# Before anything is loaded: a crash with the pin dir made, or right after
# the datapath was loaded and pinned.
test_crash_fresh_worker() {
	crash_bed crf
	local step p
	for step in pin_dir loaded; do
		p="$(pin 1)-$step"
		crashed "[$step] up" "$step" atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p"
		check "[$step] then up works" atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p"
		works "[$step] then up" a1 80
		check "[$step] then down works" atn w1 down --actor a1 --pin-dir "$p"
		check_eq "[$step] no veth left" "eth0 lo" \
			"$(in_ns w1 ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | xargs)"
		check_eq "[$step] the actor netns holds only lo" "lo" \
			"$(in_ns a-a1 ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | xargs)"
		check_eq "[$step] no actor, service or NAT entry" "0 0 0" \
			"$(map_count "$p" actors) $(map_count "$p" services) $(map_count "$p" nat)"
		check "[$step] purge works" atn w1 purge --pin-dir "$p"
		check_eq "[$step] after purge nothing on the pod eth0" "" "$(pod_progs)"

		crashed "[$step] on a fresh pin dir, down after" "$step" \
			atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p-2"
		check "[$step] down right after the crash" atn w1 down --actor a1 --pin-dir "$p-2"
		check_eq "[$step] down: no veth left" "eth0 lo" \
			"$(in_ns w1 ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort | xargs)"
	done
}
