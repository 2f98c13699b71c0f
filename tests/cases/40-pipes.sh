# Pipes with both ends in the process come back with their unread bytes
# (peeked at freeze time, not consumed: the original still has them),
# capacity, O_NONBLOCK, and as one pipe for all their fds (progs/pipes.c).
# A pipe whose peer was another process (a child killed with the
# original) comes back with its data, then EOF / EPIPE, and freeze warns.
start out pipes data
ORIG=$PID
ready out "$ORIG"
t0=$(last_tick out "$ORIG")
freeze_ok "$ORIG" -o "$T/keep.cryo"
keeps_running out "$ORIG" 3		# nothing consumed: its FIONREAD check holds
grep -q "fd 15 .*another process" "$FERR" || fail "no warning about fd 15's peer: $(head -c 300 "$FERR")"
grep -q "fd 16 .*another process" "$FERR" || fail "no warning about fd 16's peer: $(head -c 300 "$FERR")"
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
