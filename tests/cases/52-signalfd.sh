# A signalfd comes back with its mask and flags: signals sent after the
# resume are read from it (progs/evfds.c s).
basic_cycle out evfds s
wait_line out "^$RPID resumed" 10 "$RPID"
keeps_running out "$RPID" 3
finish "$RPID"
