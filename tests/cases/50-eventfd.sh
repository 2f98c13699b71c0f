# eventfds come back with their counter, EFD_SEMAPHORE, O_NONBLOCK and
# FD_CLOEXEC: the resumed program reads exactly the count it left, and the
# semaphore one gives 1 three times (progs/evfds.c e).
basic_cycle out evfds e
wait_line out "^$RPID resumed" 10 "$RPID"
keeps_running out "$RPID" 3
finish "$RPID"
