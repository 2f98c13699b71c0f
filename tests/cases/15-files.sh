# Open files come back at their fd numbers with access modes, O_APPEND,
# O_NONBLOCK, FD_CLOEXEC and offsets; a directory fd and /dev/null too; the
# cwd and umask; and no other fd appears (progs/files.c).  Between freeze and
# resume the test appends a line to the O_APPEND log: the resumed process must
# write after it, not over it.
mkdir data
start out files "$T/data"
ORIG=$PID
ready out "$ORIG"
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
echo "EXTERNAL line written between freeze and resume" >>data/append.log
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
DIAG+=("$T/data/append.log")
msg=$(awk -v o="$ORIG" -v r="$RPID" '
	/^EXTERNAL/ { ext = NR; if (prev != o) { print "the line before EXTERNAL is not from the original"; exit 1 } next }
	{ split($0, f, " "); who = f[4] }
	ext && NR == ext + 1 && who != r { print "the line after EXTERNAL is not from the resumed process: " $0; exit 1 }
	!ext && who != o { print "a line before EXTERNAL is not from the original: " $0; exit 1 }
	{ prev = who }
	END { if (!ext) { print "the EXTERNAL line was overwritten"; exit 1 } if (NR < ext + 5) { print "fewer than 5 lines after EXTERNAL"; exit 1 } }' data/append.log) ||
	fail "append.log: $msg"
