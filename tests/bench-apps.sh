#!/bin/bash
# The startup benchmark behind `make bench-apps` (a measurement, not a test).
#
#   tests/bench-apps.sh [RUNS]      (default 5)
#
# In a private tmux server (120x35), time to the first screen of:
#   emacs cold     emacs -nw -Q -l init.el, an init that loads org,
#                  org-agenda, gnus, eshell, tramp, python, cc-mode, calendar,
#                  dired-x, ibuffer and cl-lib, then writes a marker into
#                  *scratch*: from starting the pane to the marker on screen
#   emacs resume   ./emacs.cryo (that editor, frozen at its first screen)
#                  started in a fresh pane, to the marker on the screen it
#                  redraws (SIGWINCH)
#   python3 cold   /usr/bin/python3 importing a heavy standard-library set,
#                  then printing a marker (again on every SIGWINCH)
#   python3 resume ./python.cryo to its marker
# and, as the floor included in all of them, a pane that prints the marker
# at once.
# The screen is polled with capture-pane (a few ms per poll, the same for
# both).  Medians of RUNS runs each and the cold/resume ratio.
set -u
cd "$(dirname "$0")/.." || exit 2
RUNS=${1:-5}
for f in bin/freeze build/tests/launch; do
	[ -x "$f" ] || { echo "bench-apps.sh: $f is missing: run 'make bench-apps'" >&2; exit 2; }
done
command -v tmux >/dev/null || { echo "bench-apps.sh: tmux is missing (tools/install-deps.sh)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/cryo-bench-apps.XXXXXX") || exit 2
mkdir "$W/bin"
ln -s "$PWD/bin/freeze" "$PWD/bin/cryo-info" "$PWD"/build/tests/* "$W/bin/"
export B=$W/bin T=$W
. tests/lib.sh
tmux_init
bench_cleanup() {
	tm kill-server 2>/dev/null
	lib_cleanup
	rm -rf "$W"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
NSESS=0

# first_screen COMMAND MARKER [COLSxROWS]: runs COMMAND in a new session
# (120x35 by default); sets FS_T to
# the seconds until MARKER is on its screen; leaves PANE_PID running.
first_screen() {
	NSESS=$((NSESS + 1))
	local s=b$NSESS t0 t1 i size=${3:-120x35}
	t0=$(now)
	tm new-session -d -s "$s" -x "${size%x*}" -y "${size#*x}" "$1" && tm set-option -g exit-empty off >/dev/null || { echo "tmux failed" >&2; return 1; }
	for ((i = 0; i < 6000; i++)); do
		tm capture-pane -p -t "$s" 2>/dev/null | grep -q -- "$2" && break
		sleep 0.002
	done
	t1=$(now)
	PANE_PID=$(tm display-message -p -t "$s" '#{pane_pid}')
	track "$PANE_PID"
	if ((i >= 6000)); then
		echo "bench-apps: no /$2/ on the screen of: $1" >&2
		tm capture-pane -p -t "$s" | grep -v '^$' | tail -n 5 >&2
		return 1
	fi
	FS_T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }')
}
stop_pane() { kill -KILL "$PANE_PID" 2>/dev/null; }

# ---- emacs ----------------------------------------------------------------
cat >"$W/init.el" <<'ELEOF'
(require 'cl-lib)
(require 'org)
(require 'org-agenda)
(require 'gnus)
(require 'eshell)
(require 'tramp)
(require 'python)
(require 'cc-mode)
(require 'calendar)
(require 'dired-x)
(require 'ibuffer)
(add-hook 'emacs-startup-hook
	  (lambda ()
	    (switch-to-buffer "*scratch*")
	    (goto-char (point-max))
	    (insert "\n;; CRYO-BENCH-READY\n")))
ELEOF
# ---- python ---------------------------------------------------------------
PY=/usr/bin/python3
cat >"$W/heavy.py" <<'PYEOF'
import asyncio, email, email.mime.multipart, http.server, http.client, json, decimal
import xml.etree.ElementTree, xml.dom.minidom, sqlite3, unittest, argparse, logging
import multiprocessing, ssl, csv, urllib.request, concurrent.futures, pydoc, difflib
import tarfile, zipfile, inspect, typing, dataclasses, statistics, fractions, shutil
import subprocess, socketserver, xmlrpc.server, smtplib, imaplib, ftplib, pdb, doctest
import configparser, pickle, uuid, hashlib, datetime, calendar, pprint, textwrap
import signal, sys
def ready(*_):
    print("PY-BENCH-READY", flush=True)
signal.signal(signal.SIGWINCH, ready)
ready()
while True:
    sys.stdin.readline()
PYEOF

declare -A MED
bench_app() {	# NAME COLD_COMMAND MARKER
	local name=$1 cmd=$2 marker=$3 i img
	: >"$W/$name.cold"
	for ((i = 0; i < RUNS; i++)); do
		first_screen "$cmd" "$marker" || exit 1
		echo "$FS_T" >>"$W/$name.cold"
		stop_pane
	done
	# Frozen in a terminal of another size than the resumes: a program
	# redraws on the stub's SIGWINCH only if the size changed (emacs does).
	first_screen "$cmd" "$marker" 100x30 || exit 1
	sleep 0.5	# settled at its first screen, without child processes
	for ((i = 0; i < 100; i++)); do
		pgrep -P "$PANE_PID" >/dev/null || break
		sleep 0.1
	done
	# Two images of the same moment: uncompressed (the stub maps it straight
	# from the file) first, without --kill, then zstd (the default) killing it.
	"$B/freeze" --compress=none "$PANE_PID" -o "$W/$name.none.cryo" >"$W/$name.freeze.log" 2>&1 &&
		"$B/freeze" --kill "$PANE_PID" -o "$W/$name.zstd.cryo" >>"$W/$name.freeze.log" 2>&1 ||
		{ echo "bench-apps: freeze of $name failed: $(cat "$W/$name.freeze.log")" >&2; exit 1; }
	local codec
	for codec in zstd none; do
		img=$W/$name.$codec.cryo
		: >"$W/$name.resume.$codec"
		for ((i = 0; i < RUNS; i++)); do
			first_screen "exec '$B/launch' '$img' 2>>'$W/$name.resume.err'" "$marker" ||
				{ cat "$W/$name.resume.err" >&2; exit 1; }
			echo "$FS_T" >>"$W/$name.resume.$codec"
			stop_pane
		done
		MED[$name.resume.$codec]=$(median <"$W/$name.resume.$codec")
		MED[$name.size.$codec]=$(stat -c %s "$img")
	done
	MED[$name.cold]=$(median <"$W/$name.cold")
}

# The floor: a pane that prints the marker at once (tmux + polling).
: >"$W/floor"
for ((i = 0; i < RUNS; i++)); do
	first_screen "echo FLOOR-READY; exec sleep 60" FLOOR-READY || exit 1
	echo "$FS_T" >>"$W/floor"
	stop_pane
done
FLOOR=$(median <"$W/floor")

have_emacs=1 have_py=1
command -v emacs >/dev/null || { have_emacs=; echo "bench-apps: no emacs (tools/install-deps.sh): skipped" >&2; }
[ -x "$PY" ] || { have_py=; echo "bench-apps: no $PY: skipped" >&2; }
[ -n "$have_emacs" ] && bench_app emacs "exec '$B/launch' $(command -v emacs) -nw -Q \
	--eval '(setq native-comp-deferred-compilation nil native-comp-enable-subr-trampolines nil)' \
	-l '$W/init.el'" 'CRYO-BENCH-READY'
[ -n "$have_py" ] && bench_app python3 "exec '$B/launch' $PY '$W/heavy.py'" 'PY-BENCH-READY'

echo
echo "startup to first screen, median of $RUNS runs each (tmux 120x35, $(nproc) cores, $(uname -r))"
awk -v f="$FLOOR" 'BEGIN { printf "(floor: a pane printing the marker at once shows it after %.1f ms; included below)\n", f * 1000 }'
printf '%-10s %10s %12s %8s %10s %12s %8s %10s\n' program "cold (ms)" "zstd (ms)" ratio "zstd MiB" "none (ms)" ratio "none MiB"
for name in emacs python3; do
	[ -n "${MED[$name.cold]:-}" ] || continue
	awk -v n="$name" -v c="${MED[$name.cold]}" -v z="${MED[$name.resume.zstd]}" -v zs="${MED[$name.size.zstd]}" \
		-v u="${MED[$name.resume.none]}" -v us="${MED[$name.size.none]}" \
		'BEGIN { printf "%-10s %10.1f %12.1f %7.1fx %10.1f %12.1f %7.1fx %10.1f\n", n, c * 1000, z * 1000, c / z, zs / 1048576, u * 1000, c / u, us / 1048576 }'
done
