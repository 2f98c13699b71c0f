# POSIX timers come back with the same ids (there is a gap before them),
# clocks, notification (signal, none, thread id), sigev_value, interval and
# remaining time; the periodic ones keep firing (progs/ptimers.c checks
# each between two ticks).  /proc/PID/timers lists the same ids.
basic_cycle out ptimers
wait_line out "^$RPID timers ok" 20 "$RPID"
ids=$(sed -n "s/^$ORIG ready ids //p" out)
got=$(awk '/^ID:/ { print $2 }' "/proc/$RPID/timers" | sort -n | tr '\n' ' ')
[ "$got" = "$ids " ] || fail "the resumed process has timer ids [$got], expected [$ids ]"
n=$(count_ticks out "$RPID")
wait_ticks out "$RPID" $((n + 3))
has_fail out && fail "$(grep -m1 FAIL out)"
finish "$RPID"

# A glibc SIGEV_THREAD timer signals a helper thread: refused, naming the
# timer, and the process goes on unharmed.
start out2 ptimers -t
P=$PID
ready out2 "$P"
run_freeze --kill "$P" -o "$T/refused.cryo"
[ "$FRC" = 3 ] || fail "freeze of a process with a SIGEV_THREAD timer exited with $FRC, expected 3"
grep -q "POSIX timer" "$FERR" || fail "the refusal does not name the POSIX timer: $(head -c 300 "$FERR")"
[ -e "$T/refused.cryo" ] && fail "an image was written"
keeps_running out2 "$P" 3
finish "$P"
