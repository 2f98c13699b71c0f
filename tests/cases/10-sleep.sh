# A process frozen in nanosleep / clock_nanosleep (relative and absolute)
# sleeps on after the resume, restarting with the remainder after EINTR, and
# each sleep still lasts at least what it asked for (progs/block.c sleep).
# After the resume the test interrupts the sleeps a few times with SIGUSR1.
start out block sleep
ORIG=$PID
ready out "$ORIG" 2
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo"
wait_ticks out "$RPID" 2
for i in 1 2 3; do
	kill -USR1 "$RPID"
	sleep 0.07
done
wait_ticks out "$RPID" 6
check_ticks out "$ORIG" "$RPID" "$t0" 6
finish "$RPID"
