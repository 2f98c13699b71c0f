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

# The same image where prctl(PR_TIMER_CREATE_RESTORE_IDS) fails, as on
# kernels before 6.17: the create/delete fallback gives the same ids.
RESUME_WRAP=$B/no-restore-ids resume "$IMG"
wait_line out "^$RPID timers ok" 20 "$RPID"
got=$(awk '/^ID:/ { print $2 }' "/proc/$RPID/timers" | sort -n | tr '\n' ' ')
[ "$got" = "$ids " ] || fail "without the prctl, the resumed process has timer ids [$got], expected [$ids ]"
n=$(count_ticks out "$RPID")
wait_ticks out "$RPID" $((n + 3))
has_fail out && fail "$(grep -m1 FAIL out)"
finish "$RPID"

# A glibc SIGEV_THREAD timer signals a helper thread (SIGEV_THREAD_ID): the
# timer comes back aimed at that thread's new tid, and its function keeps
# running after the resume.
start out2 ptimers -t
P=$PID
ready out2 "$P"
freeze_ok --kill "$P" -o "$T/thread.cryo"
wait_dead "$P"
resume "$T/thread.cryo"
wait_line out2 "^$RPID timers ok" 20 "$RPID"
wait_line out2 "^$RPID thread timer" 20 "$RPID"
first=$(grep "^$RPID thread timer" out2 | head -n 1 | awk '{ print $4 }')
for i in $(seq 100); do
	last=$(grep "^$RPID thread timer" out2 | tail -n 1 | awk '{ print $4 }')
	[ "$last" -ge $((first + 4)) ] && break
	alive "$RPID" || fail "the resumed process died"
	sleep 0.05
done
[ "$last" -ge $((first + 4)) ] || fail "the SIGEV_THREAD timer stopped after the resume: count $first, then $last"
has_fail out2 && fail "$(grep -m1 FAIL out2)"
finish "$RPID"
