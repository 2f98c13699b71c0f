# timerfds come back on their clocks with their interval and time left: a
# 100 ms periodic one keeps pacing the ticks, a 10 ms one left unread
# before the freeze gives at least the expirations the original had
# (TFD_IOC_SET_TICKS) and then keeps firing, an absolute CLOCK_REALTIME
# deadline stays the same wall-clock time, an absolute CLOCK_MONOTONIC one
# comes back as the time it had left, an expired one-shot read after the
# resume gives 1, a CLOCK_BOOTTIME one-shot stays
# armed (progs/evfds.c t).
basic_cycle out evfds t
wait_line out "^$RPID timerfd 31 had" 10 "$RPID"
keeps_running out "$RPID" 6
finish "$RPID"
