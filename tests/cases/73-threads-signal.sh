# pthread_kill and pthread_cancel after a resume reach the right threads
# through glibc's cached TIDs, which must be the new ones; the threads were
# blocked in nanosleep and pause at the freeze (progs/threads.c signal).
# The sleeper thread also gets back its own name, nice value, alternate
# signal stack and a SIGUSR2 pending in its own queue.
basic_cycle out threads signal
wait_line out "^$RPID signalled" 20 "$RPID"
keeps_running out "$RPID" 3
finish "$RPID"
