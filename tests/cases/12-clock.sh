# clock_gettime (REALTIME, MONOTONIC, BOOTTIME, CPU time), gettimeofday,
# time and getcpu, which glibc runs in the vdso through pointers cached at
# startup, agree with the raw system calls after the resume, and [vdso] is
# where AT_SYSINFO_EHDR says (progs/clock.c).
basic_cycle out clock
wait_ticks out "$RPID" 10
finish "$RPID"
