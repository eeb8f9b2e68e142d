# shellcheck shell=bash
# Assertions shared by the e2e suite and the gVisor flow. Each check prints
# "  ok   DESC" or "  FAIL DESC" (then its details, indented) and, when
# ASSERT_RESULTS names a file, appends "PASS DESC" or "FAIL DESC" to it.
#
#   ASSERT_STOP_ON_FAIL=1  a failed check exits 1 (the gVisor flow: each step
#                          builds on the previous one). Default 0: record and
#                          go on, so one test reports every broken check.
#   ASSERT_RESULTS=FILE    where the PASS/FAIL records go (none by default).
#
# `fatal` and `must` always exit: for set-up steps without which the rest is
# moot, whatever the switch says.

: "${ASSERT_STOP_ON_FAIL:=0}" "${ASSERT_RESULTS:=}"

ok() { # ok DESC
	[[ -z "$ASSERT_RESULTS" ]] || echo "PASS $1" >>"$ASSERT_RESULTS"
	echo "  ok   $1"
}

_fail_report() { # _fail_report DESC DETAIL...
	[[ -z "$ASSERT_RESULTS" ]] || echo "FAIL $1" >>"$ASSERT_RESULTS"
	echo "  FAIL $1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/       /'; done
}

fail() { # fail DESC DETAIL...: a failed check
	_fail_report "$@"
	[[ "$ASSERT_STOP_ON_FAIL" == 0 ]] || exit 1
}

fatal() { # fatal DESC DETAIL...: a failure that ends the test
	_fail_report "$@"
	exit 1
}

# must CMD...: a set-up step; its output is shown, a failure ends the test.
must() {
	local rc=0 out
	out=$("$@" 2>&1) || rc=$?
	((rc == 0)) || fatal "set-up step: $*" "exit $rc: $out"
	[[ -z "$out" ]] || printf '%s\n' "$out"
}

# check DESC CMD...: CMD must exit 0. Its output is kept in $OUT.
check() {
	local desc="$1" rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	if ((rc == 0)); then ok "$desc"; else
		fail "$desc" "command: $*" "expected: exit 0" "got: exit $rc: $OUT"
	fi
}

# check_fails DESC CMD...: CMD must exit non-zero. Its output is in $OUT.
check_fails() {
	local desc="$1" rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	if ((rc != 0)); then ok "$desc"; else
		fail "$desc" "command: $*" "expected: non-zero exit" "got: exit 0: $OUT"
	fi
}

# The optional CONTEXT (e.g. the whole reply a value came from) is shown on
# failure only.
check_eq() { # check_eq DESC EXPECTED GOT [CONTEXT]
	if [[ "$2" == "$3" ]]; then ok "$1"; else
		fail "$1" "expected: '$2'" "got: '$3'" ${4:+"from: $4"}
	fi
}

check_ne() { # check_ne DESC A B: A and B must differ (and A not be empty)
	if [[ -n "$2" && "$2" != "$3" ]]; then ok "$1"; else
		fail "$1" "expected two different values" "got: '$2' and '$3'"
	fi
}

check_match() { # check_match DESC ERE TEXT
	if grep -Eq -- "$2" <<<"$3"; then ok "$1"; else
		fail "$1" "expected to match: $2" "got: $3"
	fi
}

check_no_match() { # check_no_match DESC ERE TEXT
	if ! grep -Eq -- "$2" <<<"$3"; then ok "$1"; else
		fail "$1" "expected not to match: $2" "got: $3"
	fi
}

check_range() { # check_range DESC LO HI VALUE [CONTEXT]
	if [[ "$4" =~ ^[0-9]+$ ]] && (($4 >= $2 && $4 <= $3)); then ok "$1"; else
		fail "$1" "expected: a number in $2-$3" "got: '$4'" ${5:+"from: $5"}
	fi
}
