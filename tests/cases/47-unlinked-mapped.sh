# Files known only through MAP_SHARED mappings (an unlinked file and a
# memfd, every fd closed) come back as one file behind both mappings, with
# their contents (progs/unlinked.c -m).  As root the whole file is read
# through /proc/PID/map_files; unprivileged through the mappings, with a
# warning that only the mapped part is saved.
mkdir d
start out unlinked -m "$T/d"
ORIG=$PID
ready out "$ORIG"
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
if [ "$CRYO_AS" = user ]; then
	grep -q "only the mapped part" "$FERR" || fail "no warning that only the mapped part is saved"
fi
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
