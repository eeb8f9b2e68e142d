# Summarises the bench's raw samples. Input: "metric,mode,value,round"
# lines sorted by metric, mode, then value (numerically). Variables:
#   modes    the comparison modes, in column order ("ebpf nftables eth0-move")
#   csv      where to write metric,mode,n,median,min,max
#   dat      prefix of the chart data files (DAT-lat.dat, -tput.dat, -rate.dat)
# Prints the markdown table on stdout. mawk-compatible (no asort).

function describe(m, label, unit, better) {
	LABEL[m] = label; UNIT[m] = unit; BETTER[m] = better
	ORDER[++n_order] = m; KNOWN[m] = 1
}

BEGIN {
	FS = ","
	describe("rr_tcp_in_p50_us", "TCP round trip, inbound (node → pod IP → actor), median", "µs", "lower")
	describe("rr_tcp_in_p99_us", "TCP round trip, inbound, p99", "µs", "lower")
	describe("rr_tcp_out_p50_us", "TCP round trip, egress (actor → internet host), median", "µs", "lower")
	describe("rr_tcp_out_p99_us", "TCP round trip, egress, p99", "µs", "lower")
	describe("tput_in_gbps", "TCP throughput node → actor (inbound connection)", "Gbit/s", "higher")
	describe("tput_in_rev_gbps", "TCP throughput actor → node (inbound connection)", "Gbit/s", "higher")
	describe("tput_out_gbps", "TCP throughput actor → internet (egress connection)", "Gbit/s", "higher")
	describe("tput_out_rev_gbps", "TCP throughput internet → actor (egress connection)", "Gbit/s", "higher")
	describe("cps_in", "New TCP connections, inbound (one at a time)", "conn/s", "higher")
	describe("cps_out", "New TCP connections, egress (one at a time)", "conn/s", "higher")
	describe("rr_udp_in_tps", "UDP request/response rate, inbound", "req/s", "higher")
	describe("rr_udp_out_tps", "UDP request/response rate, egress", "req/s", "higher")
	describe("rr_udp_in_p50_us", "UDP round trip, inbound, median", "µs", "lower")
	describe("rr_udp_out_p50_us", "UDP round trip, egress, median", "µs", "lower")
	describe("rr_udp_in_p99_us", "UDP round trip, inbound, p99", "µs", "lower")
	describe("rr_udp_out_p99_us", "UDP round trip, egress, p99", "µs", "lower")
	describe("rr_tcp_in6_p50_us", "IPv6: TCP round trip, inbound (node → [pod IPv6] → actor), median", "µs", "lower")
	describe("rr_tcp_in6_p99_us", "IPv6: TCP round trip, inbound, p99", "µs", "lower")
	describe("rr_tcp_out6_p50_us", "IPv6: TCP round trip, egress (actor → [2001:db8:ff::1]), median", "µs", "lower")
	describe("rr_tcp_out6_p99_us", "IPv6: TCP round trip, egress, p99", "µs", "lower")
	describe("tput_in6_gbps", "IPv6: TCP throughput node → actor (inbound connection)", "Gbit/s", "higher")
	describe("tput_in6_rev_gbps", "IPv6: TCP throughput actor → node (inbound connection)", "Gbit/s", "higher")
	describe("tput_out6_gbps", "IPv6: TCP throughput actor → internet (egress connection)", "Gbit/s", "higher")
	describe("tput_out6_rev_gbps", "IPv6: TCP throughput internet → actor (egress connection)", "Gbit/s", "higher")
	describe("cps_in6", "IPv6: new TCP connections, inbound (one at a time)", "conn/s", "higher")
	describe("cps_out6", "IPv6: new TCP connections, egress (one at a time)", "conn/s", "higher")
	describe("rr_udp_in6_tps", "IPv6: UDP request/response rate, inbound", "req/s", "higher")
	describe("rr_udp_out6_tps", "IPv6: UDP request/response rate, egress", "req/s", "higher")
	describe("rr_udp_in6_p50_us", "IPv6: UDP round trip, inbound, median", "µs", "lower")
	describe("rr_udp_out6_p50_us", "IPv6: UDP round trip, egress, median", "µs", "lower")
	describe("rr_udp_in6_p99_us", "IPv6: UDP round trip, inbound, p99", "µs", "lower")
	describe("rr_udp_out6_p99_us", "IPv6: UDP round trip, egress, p99", "µs", "lower")
	describe("cps_in_errors", "Failed connections during the inbound CPS runs", "count", "lower")
	describe("cps_out_errors", "Failed connections during the egress CPS runs", "count", "lower")
	describe("cps_in6_errors", "IPv6: failed connections during the inbound CPS runs", "count", "lower")
	describe("cps_out6_errors", "IPv6: failed connections during the egress CPS runs", "count", "lower")
	describe("act_up_ms", "Activation: up (ebpf: warm, programs pinned)", "ms", "lower")
	describe("act_up_cold_ms", "Activation: ebpf up, cold (after purge)", "ms", "lower")
	describe("act_up_self_ms", "Activation: ebpf up, warm, as ateomnet itself measures it (no process start-up)", "ms", "lower")
	describe("act_up_cold_self_ms", "Activation: ebpf up, cold, as ateomnet itself measures it", "ms", "lower")
	describe("act_down_ms", "Activation: down", "ms", "lower")
	describe("hook_empty_ns", "Egress hook (test_run, from_actor, established TCP): empty slot, no policy", "ns", "lower")
	describe("hook_resume_only_ns", "Egress hook: a hook that only allows (tail call + resume)", "ns", "lower")
	describe("hook_policy_nogen_ns", "Egress hook: policy program, no policy for the actor (breakdown)", "ns", "lower")
	describe("hook_policy_deny_allowed_ns", "Egress hook: policy, deny mode, allowed by an --allow rule", "ns", "lower")
	describe("hook_policy_allow_mode_ns", "Egress hook: policy, allow mode with a --deny rule elsewhere", "ns", "lower")
	describe("hook_policy_denied_ns", "Egress hook: policy, denied by default (dropped)", "ns", "lower")
	describe("hook_added_resume_only_ns", "Egress hook added: allow-only hook vs empty slot", "ns", "lower")
	describe("hook_added_policy_nogen_ns", "Egress hook added: policy program, no policy (breakdown)", "ns", "lower")
	describe("hook_added_policy_deny_allowed_ns", "Egress hook added: policy allowing by rule vs empty slot (target ≤ 30)", "ns", "lower")
	describe("hook_added_policy_allow_mode_ns", "Egress hook added: policy, allow mode vs empty slot", "ns", "lower")
	describe("hook_added_policy_denied_ns", "Egress hook added: policy denying vs empty slot (no NAT)", "ns", "lower")
	n_modes = split(modes, MODE, " ")
	print "metric,mode,n,median,min,max" > csv
}

# Collect one group (metric, mode) at a time; values arrive sorted.
$1 != g_metric || $2 != g_mode { flush() }
{
	g_metric = $1; g_mode = $2; V[++nv] = $3 + 0
	RV[$1, $2, $4] = $3 + 0
	if (!(($1, $4) in SEEN)) { SEEN[$1, $4] = 1; ROUNDS[$1] = ROUNDS[$1] " " $4 }
}

function flush(   med) {
	if (nv == 0) return
	med = (nv % 2) ? V[(nv + 1) / 2] : (V[nv / 2] + V[nv / 2 + 1]) / 2
	MED[g_metric, g_mode] = med; MIN[g_metric, g_mode] = V[1]
	MAX[g_metric, g_mode] = V[nv]; N[g_metric, g_mode] = nv
	HAVE[g_mode] = 1
	if (!(g_metric in KNOWN) && g_mode != "floor" && g_mode != "control") {
		KNOWN[g_metric] = 1; ORDER[++n_order] = g_metric; LABEL[g_metric] = g_metric
		UNIT[g_metric] = unit_of(g_metric); BETTER[g_metric] = "lower"
	}
	print g_metric "," g_mode "," nv "," med "," V[1] "," V[nv] > csv
	nv = 0
}

# Metrics from the hooks carry their unit as a suffix.
function unit_of(m) {
	if (m ~ /_ns$/) return "ns"
	if (m ~ /_us$/) return "µs"
	if (m ~ /_ms$/) return "ms"
	return ""
}

function charted(mo,   n, i, L) {
	n = split("rr_tcp_in_p50_us rr_tcp_out_p50_us rr_udp_in_p50_us rr_udp_out_p50_us " \
		"tput_in_gbps tput_in_rev_gbps tput_out_gbps tput_out_rev_gbps " \
		"cps_in cps_out rr_udp_in_tps rr_udp_out_tps", L, " ")
	for (i = 1; i <= n; i++) if ((L[i], mo) in MED) return 1
	return 0
}

function fmt(x) {
	if (x == int(x)) return sprintf("%d", x)
	if (x >= 100 || x <= -100) return sprintf("%.0f", x)
	if (x >= 10 || x <= -10) return sprintf("%.1f", x)
	return sprintf("%.2f", x)
}

function cell(m, mo) {
	if (!((m, mo) in MED)) return "–"
	if (N[m, mo] == 1) return fmt(MED[m, mo])
	return "**" fmt(MED[m, mo]) "** (" fmt(MIN[m, mo]) "–" fmt(MAX[m, mo]) ")"
}

# Median of the per-round ratios a/b (the modes ran back to back in each
# round, so each ratio compares like with like); ratio of medians when no
# round has both.
function ratio(m, a, b,   nr, i, j, r, x, R, RL) {
	if (!((m, a) in MED) || !((m, b) in MED)) return "–"
	nr = 0; split(substr(ROUNDS[m], 2), RL, " ")
	for (i in RL) {
		r = RL[i]
		if ((m, a, r) in RV && (m, b, r) in RV && RV[m, b, r] != 0) {
			x = RV[m, a, r] / RV[m, b, r]
			for (j = ++nr; j > 1 && R[j - 1] > x; j--) R[j] = R[j - 1]
			R[j] = x
		}
	}
	if (nr == 0) return MED[m, b] == 0 ? "–" : sprintf("%.2f", MED[m, a] / MED[m, b])
	return sprintf("%.2f", (nr % 2) ? R[(nr + 1) / 2] : (R[nr / 2] + R[nr / 2 + 1]) / 2)
}

# One chart data row: label, then median/min/max per charted mode (NaN
# if absent).
function chart_row(file, m, label, scale,   i, mo, row) {
	row = "\"" label "\""
	for (i = 1; i <= n_chart; i++) {
		mo = CHART[i]
		if ((m, mo) in MED)
			row = row " " MED[m, mo] / scale " " MIN[m, mo] / scale " " MAX[m, mo] / scale
		else
			row = row " NaN NaN NaN"
	}
	print row > file
}

END {
	flush()
	head = "| metric | unit | better |"; rule = "|---|---|---|"
	for (i = 1; i <= n_modes; i++) { head = head " " MODE[i] " |"; rule = rule "---|" }
	ratios = ("ebpf" in HAVE)
	# ebpf against the baselines; ebpf-policy (the egress hook) against ebpf.
	if (ratios) for (i = 1; i <= n_modes; i++) if (MODE[i] !~ /^ebpf/) {
		head = head " ebpf/" MODE[i] " |"; rule = rule "---|"
	}
	hook = ratios && ("ebpf-policy" in HAVE)
	if (hook) { head = head " ebpf-policy/ebpf |"; rule = rule "---|" }
	print head; print rule
	for (k = 1; k <= n_order; k++) {
		m = ORDER[k]; line = ""; any = 0
		for (i = 1; i <= n_modes; i++) {
			line = line " " cell(m, MODE[i]) " |"
			if ((m, MODE[i]) in MED) any = 1
		}
		if (!any) continue
		if (ratios) for (i = 1; i <= n_modes; i++) if (MODE[i] !~ /^ebpf/)
			line = line " " ratio(m, "ebpf", MODE[i]) " |"
		if (hook) line = line " " ratio(m, "ebpf-policy", "ebpf") " |"
		print "| " LABEL[m] " | " UNIT[m] " | " BETTER[m] " |" line
	}
	if (("probe_lo_p50_us", "control") in MED)
		printf "\nControl probe (loopback TCP round trip in the node netns, no datapath) in the rounds used: %s µs median (%s–%s).\n", \
			fmt(MED["probe_lo_p50_us", "control"]), fmt(MIN["probe_lo_p50_us", "control"]), fmt(MAX["probe_lo_p50_us", "control"])
	if (("act_spawn_ms", "floor") in MED)
		printf "\nProcess spawn floor on this machine (`timeout nsenter --net=W true`): %s ms median (%s–%s); every activation figure includes it.\n", \
			fmt(MED["act_spawn_ms", "floor"]), fmt(MIN["act_spawn_ms", "floor"]), fmt(MAX["act_spawn_ms", "floor"])
	# Medians only: one noisy p99 would flatten every other bar.
	# Chart only the modes with traffic figures (gnuplot fails on a column
	# with no valid point); their list goes to DAT-modes for report.sh.
	n_chart = 0
	for (i = 1; i <= n_modes; i++) if (charted(MODE[i])) CHART[++n_chart] = MODE[i]
	for (i = 1; i <= n_chart; i++) printf "%s%s", (i > 1 ? " " : ""), CHART[i] > (dat "-modes")
	print "" > (dat "-modes")
	chart_row(dat "-lat.dat", "rr_tcp_in_p50_us", "TCP in p50", 1)
	chart_row(dat "-lat.dat", "rr_tcp_out_p50_us", "TCP out p50", 1)
	chart_row(dat "-lat.dat", "rr_udp_in_p50_us", "UDP in p50", 1)
	chart_row(dat "-lat.dat", "rr_udp_out_p50_us", "UDP out p50", 1)
	chart_row(dat "-tput.dat", "tput_in_gbps", "node→actor", 1)
	chart_row(dat "-tput.dat", "tput_in_rev_gbps", "actor→node", 1)
	chart_row(dat "-tput.dat", "tput_out_gbps", "actor→inet", 1)
	chart_row(dat "-tput.dat", "tput_out_rev_gbps", "inet→actor", 1)
	chart_row(dat "-rate.dat", "cps_in", "conn/s in", 1000)
	chart_row(dat "-rate.dat", "cps_out", "conn/s out", 1000)
	chart_row(dat "-rate.dat", "rr_udp_in_tps", "UDP RR in", 1000)
	chart_row(dat "-rate.dat", "rr_udp_out_tps", "UDP RR out", 1000)
}
