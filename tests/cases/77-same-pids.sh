# ./app.cryo --same-pids (progs/samepids.c): the resumed program has its old
# pid and its worker thread its old tid -- as root through clone3 set_tid in
# this pid namespace, as the user in new user+pid+mount namespaces -- with a
# /proc/self of its own, pthread_kill and glibc's cached TIDs working.  The
# process that ran the image stays as its parent: a SIGTERM sent to it
# reaches the program and it dies of it too; a SIGUSR2 makes the program
# exit 42, and so does the resume.  Without the option the pids
# differ and the program works the same.
need_userns
# sp_wait_ids FILE PID N: until PID printed N "ids" lines in FILE
sp_wait_ids() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(grep -c "^$2 ids " "$1")" -ge "$3" ] && return 0
		has_fail "$1" && fail "a target failed: $(grep -m1 '^[0-9]* FAIL' "$1")"
		alive "$RPID" || fail "the resume ended (status $(wait "$RPID"; echo $?)): $(head -c 400 "$RERR")"
		sleep 0.05
	done
	fail "timed out: $2 printed $(grep -c "^$2 ids " "$1") ids lines, expected $3"
}

start out samepids
ORIG=$PID
ready out "$ORIG"
TID0=$(grep -m1 "^$ORIG ready" out | sed 's/.*tid=//')
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
n0=$(grep -c "^$ORIG ids " out)

resume "$T/app.cryo" --same-pids
sp_wait_ids out "$ORIG" $((n0 + 5))
tail -n +1 out | grep "^$ORIG ids " | tail -n +$((n0 + 1)) | grep -v ' same$' | head -n 3 | grep . &&
	fail "after --same-pids the pid or tid differ (lines above)"
C=$(sp_child "$RPID" "$ORIG") || fail "no child of the resume ($RPID) has pid $ORIG"
track "$C"
grep -q "^Threads:[[:space:]]*2$" "/proc/$C/status" || fail "the program does not have 2 threads"
if is_root; then
	[ "$C" = "$ORIG" ] || fail "as root the program is $C, not $ORIG, in this pid namespace"
	[ -d "/proc/$ORIG/task/$TID0" ] || fail "thread $TID0 is not back"
else
	[ "$(stat -c %u "/proc/$C")" = "$(id -u)" ] || fail "the program does not run as $(id -u)"
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$C/status")" = "$(id -u)" ] || fail "uid changed"
	grep -q "^CapEff:[[:space:]]*0*$" "/proc/$C/status" || fail "the program kept capabilities: $(grep CapEff "/proc/$C/status")"
fi
kill -TERM "$RPID"
wait_dead "$RPID"
[ "$DEAD_RC" = 143 ] || fail "after SIGTERM to the resume, it ended with status $DEAD_RC, not 143"
sleep 0.3
[ -d "/proc/$C" ] && [ "$(pstate "$C")" != Z ] && fail "the program $C outlived its parent"

# A signal sent to the resume is forwarded; the program's exit status is its.
resume "$T/app.cryo" --same-pids
sp_wait_ids out "$ORIG" $(($(grep -c "^$ORIG ids " out) + 2))
C=$(sp_child "$RPID" "$ORIG") || fail "no child of the resume ($RPID) has pid $ORIG"
track "$C"
kill -USR2 "$RPID"
wait_dead "$RPID"
[ "$DEAD_RC" = 42 ] || fail "the program exited 42 on SIGUSR2, the resume with $DEAD_RC"

# Without --same-pids: new pid and tid, and it works.
n1=$(grep -c " ids " out)
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
grep "^$RPID ids " out | grep -v ' diff$' | head -n 3 | grep . &&
	fail "without --same-pids the pid or tid did not change (lines above)"
finish "$RPID"
