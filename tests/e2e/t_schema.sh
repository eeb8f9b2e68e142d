# shellcheck shell=bash
# The JSON contract: every verb's --json output, taken from real runs, is
# accepted by its schema in docs/schema (Debian's python3-jsonschema), with
# a pin dir, a pin root and a veth whose names hold quotes and backslashes
# (they must come back escaped, and equal to what was given).

# valid DESC SCHEMA JSON: the schema accepts JSON.
valid() {
	local out rc=0
	out=$("$E2E_ROOT/tests/docs/validate.py" "$E2E_ROOT/docs/schema/$2.json" <<<"$3" 2>&1) || rc=$?
	if ((rc == 0)); then ok "$1: valid against $2.json"; else
		fail "$1: valid against $2.json" "$out" "document: $3"
	fi
}

test_schema() {
	std_topo sc
	serve inet tcp 7000
	local p root veth out
	# Quotes and backslashes in every name that can hold them.
	p="/sys/fs/bpf/$TOPO_ID-w1 \"q\" \\b\\"
	root="/sys/fs/bpf/$TOPO_ID-root\"\\"
	veth='at"\q'
	mkdir -p "$root"

	out=$(atn w1 status --pin-dir "$p" --json)
	valid "status, nothing pinned" status "$out"
	check_eq "status: the pin dir comes back unchanged" "$p" "$(jfield "$out" 'd["pin_dir"]')"
	out=$(atn w1 prepare --pin-dir "$p" --json)
	valid "prepare" prepare "$out"
	check_eq "prepare: the pin dir comes back unchanged" "$p" "$(jfield "$out" 'd["pin_dir"]')"
	out=$(atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p" --veth "$veth" \
		--expose 8080:80/tcp --expose 53/udp --json 2>&1)
	valid "up" up "$out"
	check_eq "up: the veth name comes back unchanged" "$veth" "$(jfield "$out" 'd["veth"]')"
	check_get "actor TCP egress" a-a1 tcp 203.0.113.10 7000 '^peer='
	out=$(atn w1 status --pin-dir "$p" --json)
	valid "status, one actor" status "$out"
	check_eq "status: the veth name comes back unchanged" "$veth" "$(jfield "$out" 'd["actors"][0]["veth"]')"
	out=$(atn w1 nat --pin-dir "$p" --json)
	valid "nat, with entries" nat "$out"
	check_range "nat: entries listed" 2 100 "$(jfield "$out" 'len(d)')"
	out=$(atn w1 down --actor a1 --pin-dir "$p" --json)
	valid "down" down "$out"
	out=$(atn w1 down --actor a1 --pin-dir "$p" --json)
	valid "down, actor not up" down "$out"
	must atn w1 up --actor a1 --netns "$(apath a1)" --pin-dir "$p"
	out=$(atn w1 purge --pin-dir "$p" --force --json)
	valid "purge --force" purge "$out"
	check_eq "purge: the actor taken down" a1 "$(jfield "$out" 'd["actors_down"][0]["actor"]')"
	out=$(atn w1 purge --pin-dir "$p" --json)
	valid "purge, nothing pinned" purge "$out"
	out=$(atn w1 nat --pin-dir "$p" --json)
	valid "nat, nothing pinned" nat "$out"

	# gc: one dir whose owner lives (a prepared worker), one of a dead netns.
	local live="$root/live\"1" dead="$root/dead\\2"
	must atn w1 prepare --pin-dir "$live"
	ip netns add "$TOPO_ID-dead"
	must in_ns dead "$ATEOMNET" prepare --pin-dir "$dead"
	ip netns del "$TOPO_ID-dead"
	out=$("$ATEOMNET" gc --pin-root "$root" --dry-run --json)
	valid "gc --dry-run" gc "$out"
	check_eq "gc: the pin root comes back unchanged" "$root" "$(jfield "$out" 'd["pin_root"]')"
	check_eq "gc: the dirs' names come back unchanged" "$dead|$live" \
		"$(jfield "$out" '"|".join(sorted(x["dir"] for x in d["dirs"]))')"
	out=$("$ATEOMNET" gc --pin-root "$root" --json)
	valid "gc" gc "$out"
	check_eq "gc reclaimed the dead worker's dir" 1 "$(jfield "$out" 'd["reclaimed"]')" "$out"
	must atn w1 purge --pin-dir "$live"
}

# The schemas are strict: a document with a field they do not know, or a
# wrong type, is refused (so the checks above can fail).
test_schema_strict() {
	e2e_init scs
	local v="$E2E_ROOT/tests/docs/validate.py" s="$E2E_ROOT/docs/schema"
	check_fails "an unknown field is refused" "$v" "$s/prepare.json" \
		<<<'{"pin_dir":"/x","loaded":true,"nat_entries":1024,"elapsed_ms":1,"extra":1}'
	check_fails "a wrong type is refused" "$v" "$s/down.json" \
		<<<'{"actor":"a1","was_up":"yes","nat_removed":0,"elapsed_ms":1}'
	check_fails "a missing field is refused" "$v" "$s/up.json" <<<'{"actor":"a1"}'
	check_fails "text is refused" "$v" "$s/status.json" <<<'datapath loaded'
	check "a minimal valid document passes" "$v" "$s/prepare.json" \
		<<<'{"pin_dir":"/x","loaded":true,"pod_if":null,"attached":false,"nat_entries":1024,"max_actors":1,"elapsed_ms":1}'
}
