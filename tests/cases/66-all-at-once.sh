# One process holding every kind supported so far (progs/allkinds.c):
# handlers on all 64 signals, blocked and pending signals (thread and
# process), a sigaltstack, process attributes, alarm(), POSIX timers,
# POSIX/flock/OFD locks, file status flags and devices, and a pipe with
# unread data, an eventfd, a memfd, an unlinked file, a signalfd, an epoll
# and a timerfd.  All come back.
mkdir data
if is_root; then basic_cycle out allkinds -n "$T/data"; else basic_cycle out allkinds "$T/data"; fi
wait_line out "^$RPID all ok" 20 "$RPID"
got=$("$B/lockcheck" -f data/lock.flock)
[ "$got" = "busy" ] || fail "the flock() lock is not held: $got"
got=$("$B/lockcheck" -p data/lock.posix 15 1)
[ "$got" = "$RPID W" ] || fail "POSIX lock on bytes 10-19: '$got', expected '$RPID W'"
n=$(count_ticks out "$RPID")
wait_ticks out "$RPID" $((n + 3))
has_fail out && fail "$(grep -m1 FAIL out)"
finish "$RPID"
