# shellcheck shell=bash
# Helpers of the gVisor e2e test: timed steps, runsc wrappers and reply
# parsing, over the assertions of tests/lib/assert.sh. Sourced by
# e2e-gvisor.sh after tests/lib/topo.sh. Assertions exit at the first
# failure: each step builds on the previous one.

# ---- assertions ---------------------------------------------------------------
ASSERT_STOP_ON_FAIL=1
# shellcheck source=../lib/assert.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/assert.sh"

# ---- timing -------------------------------------------------------------------
now_us() { echo "${EPOCHREALTIME/./}"; }

# timed NAME LOG CMD...: run CMD with stdin from /dev/null and its output in
# LOG (a file, never a pipe: a detached sandbox would keep a pipe open).
# Prints the step with its duration; on failure shows LOG and exits.
# CMD runs in a subshell with errexit on (a `cmd || rc=$?` would turn errexit
# off inside shell functions), so it cannot change this shell's variables.
timed() {
	local name="$1" log="$2" t0 rc ms
	shift 2
	t0=$(now_us)
	set +e
	(set -e; "$@") >"$log" 2>&1 </dev/null
	rc=$?
	set -e
	ms=$((($(now_us) - t0) / 1000))
	TIMINGS+=("$(printf '%-40s %5d ms' "$name" "$ms")")
	if ((rc != 0)); then
		local why="exit $rc"
		((rc == 124)) && why="timed out"
		fatal "$name ($why, $ms ms)" "command: $*" "$(tail -n 30 "$log")" \
			"$(runsc_diag "$1")"
	fi
	printf '  %-39s %5d ms\n' "$name" "$ms"
}
TIMINGS=()

# ---- runsc --------------------------------------------------------------------
# One private state dir (--root) per test run, so parallel runs and other
# runsc users never collide. --ignore-cgroups: otherwise runsc makes a cgroup
# named after the container id in every hierarchy (global, not under --root;
# left behind when a sandbox dies hard). ptrace: the only platform here (no
# /dev/kvm). --debug-log: one log per runsc command (boot, gofer, ...).
runsc_flags() {
	RUNSC_FLAGS=(--root "$WORK/runsc" --ignore-cgroups --platform=ptrace
		--network=sandbox --debug-log "$WORK/logs/")
	[[ "${GVISOR_DEBUG:-0}" == 0 ]] || RUNSC_FLAGS+=(--debug)
}

# A hung runsc must fail the test, not eat the CI budget.
rs() { timeout 60 runsc "${RUNSC_FLAGS[@]}" "$@"; }

# rs_net ARGS...: runsc commands that set up the sandbox network (run,
# restore). Debian's 2022 runsc takes "/proc/sys/net/core/rmem_default
# exists" to mean "this is the root netns" and refuses; newer kernels show it
# in every netns. A private mount ns with a tmpfs over /proc/sys/net hides it
# (DESIGN §7) without touching anything outside this command.
rs_net() {
	timeout 60 unshare -m --propagation private \
		sh -c 'mount -t tmpfs none /proc/sys/net && exec "$@"' rs_net \
		runsc "${RUNSC_FLAGS[@]}" "$@"
}

# runsc_diag CMD: after a failed runsc command, the end of the newest
# sandbox (boot) log: that is where network and restore errors show up.
runsc_diag() {
	local boot
	[[ "$1" == rs* ]] || return 0
	boot=$(find "$WORK/logs" -name '*.boot.txt' -printf '%T@ %p\n' 2>/dev/null |
		sort -n | tail -n 1 | cut -d' ' -f2-)
	[[ -z "$boot" ]] || { echo "--- $boot:"; tail -n 15 "$boot"; }
}

# rs_remove_all: kill and delete every container of this run (the trap).
# All killed first: a delete waits for its sandbox to be gone, and the
# sandboxes then die side by side.
rs_remove_all() {
	local c cs
	[[ -d "$WORK/runsc" ]] || return 0
	cs=$(rs list -quiet 2>/dev/null) || true
	for c in $cs; do rs kill "$c" KILL >/dev/null 2>&1 || true; done
	for c in $cs; do rs delete -force "$c" >/dev/null 2>&1 || true; done
}

# ---- replies --------------------------------------------------------------------
# kv KEY LINE: value of KEY in a "k1=v1 k2=v2" reply line.
kv() { sed -nE "s/^(.* )?$1=([^ ]*).*/\2/p" <<<"$2"; }
