#!/bin/bash
# The benchmark behind `make bench` (a measurement, not a test).
#
#   tests/bench.sh [RUNS]      (default 5)
#
# For a 1 GiB process (half pseudo-random, half zero) and a small one
# (tests/progs/gaps.c), the median over RUNS of:
#   freeze wall time     bin/freeze PID -o FILE (no --kill), start to exit
#   target stopped       the largest gap the target saw in its own clock
#                        while being frozen (it spins reading CLOCK_MONOTONIC),
#                        and what freeze -v says
#   image size
#   resume time          from starting ./app.cryo to the resumed program's
#                        first line (it prints its clock as it notices the move)
# with baselines measured in the same run: the cold start of the same program
# to the point where its memory is ready, `cat` + fsync of as many bytes as
# the process's resident memory, and that resident size itself.
set -u
cd "$(dirname "$0")/.." || exit 2
RUNS=${1:-5}
SIZES=(1024 1)
for f in bin/freeze build/tests/gaps build/tests/launch; do
	[ -x "$f" ] || { echo "bench.sh: $f is missing: run 'make bench'" >&2; exit 2; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/cryo-bench.XXXXXX") || exit 2
mkdir "$W/bin"
ln -s "$PWD/bin/freeze" "$PWD/bin/cryo-info" "$PWD"/build/tests/* "$W/bin/"
export B=$W/bin T=$W
. tests/lib.sh
trap 'lib_cleanup; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; }
nth_line() { awk -v p="$2" -v w="$3" -v n="$4" '$1 == p && $2 == w && ++k == n { print $3; exit }' "$1"; }
wait_nth() {	# FILE PID WORD N: print the value of the Nth "PID WORD VALUE" line
	local i v
	for ((i = 0; i < 1200; i++)); do
		v=$(nth_line "$1" "$2" "$3" "$4")
		[ -n "$v" ] && { echo "$v"; return 0; }
		alive "$2" || [ "$3" = resumed ] || fail "process $2 died"
		sleep 0.05
	done
	fail "timed out waiting for '$3' from $2"
}

declare -A R
for mib in "${SIZES[@]}"; do
	echo "measuring the ${mib} MiB process ($RUNS runs)..." >&2
	: >"$W/freeze.s" >"$W/gap.s" >"$W/gapv.s" >"$W/size.s" >"$W/resume.s" >"$W/cold.s" >"$W/rss.s" >"$W/cat.s"
	for ((run = 1; run <= RUNS; run++)); do
		out=$W/out.$mib.$run
		t=$EPOCHREALTIME
		start "$out" gaps "$mib"
		P=$PID
		rt=$(wait_nth "$out" "$P" ready 1)
		sub "$rt" "$t" >>"$W/cold.s"
		echo >>"$W/cold.s"
		kill -USR1 "$P"
		wait_nth "$out" "$P" maxgap 1 >/dev/null
		rss=$(awk '/^VmRSS/ { print $2 * 1024 }' "/proc/$P/status")
		echo "$rss" >>"$W/rss.s"
		t=$EPOCHREALTIME
		"$FREEZE" -v "$P" -o "$W/app.cryo" 2>"$W/freeze.err" || fail "freeze failed: $(cat "$W/freeze.err")"
		sub "$EPOCHREALTIME" "$t" >>"$W/freeze.s"
		echo >>"$W/freeze.s"
		kill -USR1 "$P"
		wait_nth "$out" "$P" maxgap 2 >>"$W/gap.s"
		sed -n 's/.*was stopped for \([0-9.]*\) ms.*/\1/p' "$W/freeze.err" | awk '{ print $1 / 1000 }' >>"$W/gapv.s"
		stat -c %s "$W/app.cryo" >>"$W/size.s"
		finish "$P"
		t=$EPOCHREALTIME
		resume "$W/app.cryo"
		rt=$(wait_nth "$out" "$RPID" resumed 1)
		sub "$rt" "$t" >>"$W/resume.s"
		echo >>"$W/resume.s"
		finish "$RPID"
		rm -f "$W/app.cryo"
		# baseline: cat + fsync of as many bytes as the resident memory
		head -c $((rss / 2)) /dev/urandom >"$W/raw.bin"
		head -c $((rss - rss / 2)) /dev/zero >>"$W/raw.bin"
		cat "$W/raw.bin" >/dev/null
		t=$EPOCHREALTIME
		cat "$W/raw.bin" >"$W/copy.bin" && sync "$W/copy.bin"
		sub "$EPOCHREALTIME" "$t" >>"$W/cat.s"
		echo >>"$W/cat.s"
		rm -f "$W/raw.bin" "$W/copy.bin"
	done
	for k in freeze gap gapv size resume cold rss cat; do
		R[$k.$mib]=$(grep . "$W/$k.s" | median)
	done
done

fmt_s() { awk -v v="$1" 'BEGIN { if (v == "nan") print "n/a"; else if (v < 1) printf "%.1f ms", v * 1000; else printf "%.2f s", v }'; }
fmt_b() { awk -v v="$1" 'BEGIN { printf "%.1f MiB", v / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan") print "n/a"; else printf "%.2fx", a / b }'; }
big=${SIZES[0]} small=${SIZES[1]}
row() { printf "%-34s %-22s %-22s\n" "$1" "$2" "$3"; }
echo
echo "cryo benchmark: median of $RUNS runs, $(nproc) CPUs, Linux $(uname -r)"
row "" "${big} MiB process" "${small} MiB process"
row "resident memory (VmRSS)" "$(fmt_b "${R[rss.$big]}")" "$(fmt_b "${R[rss.$small]}")"
row "freeze wall time" "$(fmt_s "${R[freeze.$big]}")" "$(fmt_s "${R[freeze.$small]}")"
row "  baseline: cat+fsync of VmRSS" "$(fmt_s "${R[cat.$big]}")" "$(fmt_s "${R[cat.$small]}")"
row "  freeze / baseline" "$(ratio "${R[freeze.$big]}" "${R[cat.$big]}")" "$(ratio "${R[freeze.$small]}" "${R[cat.$small]}")"
row "target stopped (its largest gap)" "$(fmt_s "${R[gap.$big]}")" "$(fmt_s "${R[gap.$small]}")"
row "target stopped (freeze -v)" "$(fmt_s "${R[gapv.$big]}")" "$(fmt_s "${R[gapv.$small]}")"
row "image size" "$(fmt_b "${R[size.$big]}")" "$(fmt_b "${R[size.$small]}")"
row "  image / VmRSS" "$(ratio "${R[size.$big]}" "${R[rss.$big]}")" "$(ratio "${R[size.$small]}" "${R[rss.$small]}")"
row "resume to first line" "$(fmt_s "${R[resume.$big]}")" "$(fmt_s "${R[resume.$small]}")"
row "  baseline: cold start to ready" "$(fmt_s "${R[cold.$big]}")" "$(fmt_s "${R[cold.$small]}")"
row "  resume / cold start" "$(ratio "${R[resume.$big]}" "${R[cold.$big]}")" "$(ratio "${R[resume.$small]}" "${R[cold.$small]}")"
