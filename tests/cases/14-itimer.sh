# Interval timers: ITIMER_REAL (50 ms, which drives every tick: without it
# the resumed process would never tick), ITIMER_VIRTUAL and ITIMER_PROF keep
# their intervals and remaining values (progs/itimer.c).  Then the same
# frozen at the moment ITIMER_REAL has expired with its SIGALRM blocked and
# pending (getitimer reads value 0 until the signal is taken): it must come
# back armed, with the SIGALRM pending (itimer -e).
basic_cycle out itimer
wait_ticks out "$RPID" 10
finish "$RPID"
basic_cycle out.expired itimer -e
wait_ticks out.expired "$RPID" 10
finish "$RPID"
