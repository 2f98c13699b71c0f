# Signal handlers with their flags and masks, the blocked mask, pending
# signals (a standard one and two queued real-time ones with values) and the
# alternate signal stack survive; the pending signals are delivered, with
# their siginfo, once the resumed process unblocks them (progs/signals.c).
# Then a SIGUSR1 from outside runs its handler and SIGTERM stays ignored.
basic_cycle out signals
wait_line out "^$RPID delivered ok" 20 "$RPID"
kill -USR1 "$RPID"
wait_line out "^$RPID usr1 1" 20 "$RPID"
kill -TERM "$RPID"
n=$(count_ticks out "$RPID")
wait_ticks out "$RPID" $((n + 3))
has_fail out && fail "$(grep -m1 FAIL out)"
finish "$RPID"
