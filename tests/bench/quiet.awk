# Drops the measurement groups (label ROUND.GROUP: one measurement in every
# mode, back to back) that ran while the machine was busy with other work:
# those whose control probe (loopback RR in the node netns, mode "control",
# taken just before and just after the group) exceeded FACTOR x the
# quietest probe of the run. Every mode of a group goes or stays together,
# so the comparison stays fair. Only numbered labels are filtered:
# activation ("aN") and hook ("hN") samples are kept.
# Reads raw.csv twice (pass 1 finds the probes); prints
# "metric,mode,value,label"; writes "kept total" (groups) to KEPT. With
# FACTOR 0, or when no group is quiet, keeps everything.
BEGIN { FS = "," }
FNR == 1 { next }
NR == FNR {
	if ($2 == "control" && $3 == "probe_lo_p50_us") {
		if (!($1 in probe)) total++
		if (!($1 in probe) || $4 + 0 > probe[$1]) probe[$1] = $4 + 0
		if (min == "" || $4 + 0 < min) min = $4 + 0
	}
	next
}
!decided {
	for (r in probe) if (factor > 0 && probe[r] > factor * min) { busy[r] = 1; nbusy++ }
	if (nbusy == total) { split("", busy); nbusy = 0 }
	print total - nbusy, total > kept_file
	decided = 1
}
!($1 in busy) { print $3 "," $2 "," $4 "," $1 }
