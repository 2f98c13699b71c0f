# A process blocked in read() on a pipe, or on a FIFO, is blocked in read()
# again after the resume, and returns the byte its own SIGUSR1 handler
# writes into it after the resume (progs/pipes.c block [DIR]).
mkdir d
for mode in pipe fifo; do
	out=$T/out.$mode
	if [ $mode = fifo ]; then start "$out" pipes block "$T/d"; else start "$out" pipes block; fi
	ORIG=$PID
	wait_blocked "$out" "$ORIG"
	freeze_ok --kill "$ORIG" -o "$T/$mode.cryo"
	wait_dead "$ORIG"
	resume "$T/$mode.cryo"
	for i in $(seq 200); do
		[ "$(cut -d' ' -f1 "/proc/$RPID/syscall" 2>/dev/null)" = "$nr" ] && break
		alive "$RPID" || fail "$mode: the resumed process died"
		sleep 0.05
	done
	[ "$(cut -d' ' -f1 "/proc/$RPID/syscall" 2>/dev/null)" = "$nr" ] ||
		fail "$mode: the resumed process is not blocked in read: /proc/$RPID/syscall says '$(cat /proc/$RPID/syscall 2>&1)'"
	grep -q "^$RPID " "$out" && fail "$mode: the resumed process printed before it was woken: $(grep "^$RPID " "$out" | head -n 1)"
	kill -USR1 "$RPID"
	wait_line "$out" "^$RPID woken" 20 "$RPID"
	wait_ticks "$out" "$RPID" 3
	finish "$RPID"
done
