# Interval timers: ITIMER_REAL (50 ms, which drives every tick: without it
# the resumed process would never tick), ITIMER_VIRTUAL and ITIMER_PROF keep
# their intervals and remaining values (progs/itimer.c).
basic_cycle out itimer
wait_ticks out "$RPID" 10
finish "$RPID"
