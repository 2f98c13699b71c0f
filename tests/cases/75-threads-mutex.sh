# A thread holds a normal and a robust mutex across the freeze; after the
# resume it unlocks both and the main thread locks them (progs/threads.c
# mutex).  A robust mutex records its owner's TID, which changed: the stub
# rewrites the owner TID of every lock on each thread's robust list.
basic_cycle out threads mutex
wait_line out "^$RPID mutexes ok" 20 "$RPID"
keeps_running out "$RPID" 2
finish "$RPID"
