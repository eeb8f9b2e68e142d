#!/bin/bash
# report.sh [DIR]: turn DIR/raw.csv (round,mode,metric,value; written by
# run.sh) into DIR/results.csv (median, min, max per metric and mode),
# DIR/results.md (markdown table with ratios ebpf/nftables, ebpf/eth0-move,
# and ebpf-policy/ebpf: the egress hook's cost)
# and DIR/chart.png (the headline comparison). Can be rerun on its own.
#
# BENCH_QUIET_FACTOR (default 1.5): measurement groups whose control probe
# was slower than this times the run's quietest one are left out (quiet.awk);
# 0 keeps every round. On a machine shared with other work the probe
# tripled at times, and every figure of those rounds with it.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR="${1:-build/bench}"
RAW="$DIR/raw.csv"
[ -s "$RAW" ] || { echo "report: no $RAW" >&2; exit 1; }

# Columns in a fixed order, only for the modes that have figures.
present=$(cut -d, -f2 "$RAW" | sort -u)
modes=""
for m in ebpf nftables eth0-move ebpf-policy; do
	grep -qx "$m" <<<"$present" && modes+="${modes:+ }$m"
done

factor="${BENCH_QUIET_FACTOR:-1.5}"
table=$(awk -f "$BENCH_DIR/quiet.awk" -v factor="$factor" -v kept_file="$DIR/kept.txt" \
	"$RAW" "$RAW" |
	sort -t, -k1,1 -k2,2 -k3,3g |
	awk -f "$BENCH_DIR/report.awk" -v modes="$modes" -v csv="$DIR/results.csv" \
		-v dat="$DIR/chart")

{
	echo "# ateomnet benchmark: ${modes// / vs }"
	echo
	sed 's/^/- /' "$DIR/meta.txt" 2>/dev/null || true
	echo
	echo "Each cell: **median** over the rounds (min–max). Ratios: median of the per-round"
	echo "ratios (modes run back to back in each round); read them with the 'better'"
	echo "column (lower: < 1 means ebpf wins)."
	if [ -s "$DIR/kept.txt" ]; then
		read -r kept total <"$DIR/kept.txt"
		echo "Measurement groups used: $kept of $total (the others ran with the loopback control" \
			"probe over ${factor}× the quietest: machine busy; BENCH_QUIET_FACTOR=0 keeps all)."
	fi
	echo
	echo "$table"
	if [ -s "$DIR/failures.txt" ]; then
		echo
		echo "Failed measurements (not in the table):"
		sed 's/^/- /' "$DIR/failures.txt"
	fi
	echo
	echo "![headline comparison](chart.png)"
} >"$DIR/results.md"

# Chart: three panels, one bar per mode with its min–max as error bar.
plots() { # plots FILE: the plot command for one panel
	local i=0 m spec=""
	for m in $chart_modes; do
		spec+="${spec:+, }'$1' using $((2 + 3 * i)):$((3 + 3 * i)):$((4 + 3 * i))"
		[ $i = 0 ] && spec+=":xtic(1)"
		spec+=" title '$m'"
		i=$((i + 1))
	done
	echo "plot $spec"
}
chart_modes=$(cat "$DIR/chart-modes")
title=$(sed -n 's/^machine: //p' "$DIR/meta.txt" 2>/dev/null | tr -d "'")
[ -n "$chart_modes" ] || echo "report: no traffic figures, no chart" >&2
[ -z "$chart_modes" ] || gnuplot >"$DIR/gnuplot.log" 2>&1 <<EOF ||
set terminal pngcairo size 1500,560 font ",10"
set output '$DIR/chart.png'
set multiplot layout 1,3 title "ateomnet: ${chart_modes// / vs } (median over the quiet rounds, bars: min–max)\n$title"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key outside bottom center horizontal
set xtics rotate by -25
set title 'Round trip, median (µs, lower is better)'
$(plots "$DIR/chart-lat.dat")
set title 'TCP throughput (Gbit/s, higher is better)'
$(plots "$DIR/chart-tput.dat")
set title 'Rates (thousand/s, higher is better)'
$(plots "$DIR/chart-rate.dat")
unset multiplot
EOF
	echo "report: gnuplot failed, see $DIR/gnuplot.log" >&2
rm -f "$DIR"/chart-*.dat "$DIR/chart-modes" "$DIR/kept.txt"
cat "$DIR/results.md"
echo
echo "report: $DIR/results.md, $DIR/results.csv, $DIR/chart.png"
