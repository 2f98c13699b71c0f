# A process frozen while blocked in a system call with no timeout
# (rt_sigsuspend, pause, poll, rt_sigtimedwait) is blocked in the same call
# after the resume (poll may first return a spurious EINTR, which the program
# retries: tolerated, and reported as a warning), and wakes up when the test sends it SIGUSR1
# (progs/block.c).  The signal is sent only once /proc/PID/syscall shows the
# resumed process blocked in that system call again.
for mode in sigsuspend pause poll sigtimedwait; do
	out=$T/out.$mode
	start "$out" block "$mode"
	ORIG=$PID
	wait_blocked "$out" "$ORIG"
	freeze_ok --kill "$ORIG" -o "$T/$mode.cryo"
	wait_dead "$ORIG"
	grep -q "^$ORIG woken" "$out" && fail "$mode: the original woke up without a signal"
	resume "$T/$mode.cryo"
	for i in $(seq 200); do
		[ "$(cut -d' ' -f1 "/proc/$RPID/syscall" 2>/dev/null)" = "$nr" ] && break
		alive "$RPID" || fail "$mode: the resumed process died"
		sleep 0.05
	done
	[ "$(cut -d' ' -f1 "/proc/$RPID/syscall" 2>/dev/null)" = "$nr" ] ||
		fail "$mode: the resumed process is not blocked in syscall $nr: /proc/$RPID/syscall says '$(cat /proc/$RPID/syscall 2>&1)'"
	grep -q "^$RPID spurious" "$out" && warn "$mode: the resumed process saw a spurious EINTR (tolerated)"
	grep -v "^$RPID spurious" "$out" | grep -q "^$RPID " && fail "$mode: the resumed process printed before it was woken: $(grep "^$RPID " "$out" | head -n 1)"
	kill -USR1 "$RPID"
	wait_line "$out" "^$RPID woken" 20 "$RPID"
	wait_ticks "$out" "$RPID" 3
	has_fail "$out" && fail "$mode: $(grep -m1 FAIL "$out")"
	finish "$RPID"
done
