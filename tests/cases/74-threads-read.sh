# A thread blocked in read() on a pipe at the freeze is blocked in it again
# after the resume and gets every byte the main thread writes
# (progs/threads.c read).
basic_cycle out threads read
wait_ticks out "$RPID" 10
check_consecutive out
finish "$RPID"
