# 64 threads under one mutex, a condition variable and a barrier
# (progs/threads.c work 64): frozen with --kill and resumed, all 65 threads
# are back and every worker makes progress with consistent totals.
basic_cycle out threads work 64
[ "$(ls "/proc/$RPID/task" | wc -l)" = 65 ] || fail "the resumed process has $(ls "/proc/$RPID/task" | wc -l) threads, expected 65"
finish "$RPID"
