#!/bin/bash
# The demo behind `make demo`: start a counter, freeze it with --kill, show
# that it is gone, resume the image, watch it count on, clean up.
set -u
cd "$(dirname "$0")/.." || exit 2
for f in bin/freeze build/tests/counter build/tests/launch; do
	[ -x "$f" ] || { echo "demo.sh: $f is missing: run 'make demo'" >&2; exit 2; }
done
D=$(mktemp -d "${TMPDIR:-/tmp}/cryo-demo.XXXXXX") || exit 2
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
run() { printf '$ %s\n' "$*"; "$@"; }
lines_of() { grep "^$1 tick" "$D/counter.out" | tail -n "${2:-3}" | sed 's/^/    /'; }
wait_for() {	# PID N: until PID has printed N ticks (at most 20 s)
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(grep -c "^$1 tick" "$D/counter.out")" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "demo: process $1 did not tick" >&2
	exit 1
}

say "1. Start a program: build/tests/counter prints 'PID tick N' twice a second"
(exec build/tests/launch build/tests/counter -i 500 </dev/null >>"$D/counter.out" 2>&1) &
P=$!
disown "$P"	# no "Killed" job notice from bash
PIDS+=("$P")
echo "started process $P, output in $D/counter.out"
wait_for "$P" 4
lines_of "$P"

say "2. Freeze it into one self-extracting file, and kill it (--kill)"
run bin/freeze --kill "$P" -o "$D/counter.cryo" || exit 1
for ((i = 0; i < 100; i++)); do kill -0 "$P" 2>/dev/null || break; sleep 0.05; done
kill -0 "$P" 2>/dev/null && { echo "demo: $P still runs" >&2; exit 1; }
PIDS=()
echo "process $P is gone; its last lines were:"
lines_of "$P" 2
run ls -l "$D/counter.cryo"

say "3. Resume it: run the image"
echo "\$ $D/counter.cryo &"
(exec build/tests/launch "$D/counter.cryo" </dev/null >/dev/null 2>"$D/resume.err") &
R=$!
disown "$R"
PIDS+=("$R")
sleep 0.2
grep -q "^$R tick" "$D/counter.out" || wait_for "$R" 1
wait_for "$R" 5
echo "process $R (the image's own pid) continues the count, in the same output file:"
lines_of "$P" 2
lines_of "$R" 5
[ -s "$D/resume.err" ] && { echo "(the image said:)"; sed 's/^/    /' "$D/resume.err"; }

say "4. Clean up"
kill -KILL "$R"
PIDS=()
echo "stopped $R and removed $D"
