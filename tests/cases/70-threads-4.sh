# Four threads taking turns under one mutex and a condition variable, with a
# barrier (progs/threads.c work): a freeze without --kill leaves every thread
# running as before; frozen with --kill and resumed, every worker makes
# progress, the shared totals agree, each thread's TLS is its own and glibc's
# cached TID (at the clear_child_tid address) equals gettid() in every thread.
# The resumed copy is frozen and resumed once more (a second generation).
start out threads work 4
P=$PID
ready out "$P"
freeze_ok "$P" -o "$T/live.cryo"
keeps_running out "$P" 3
[ "$(ls "/proc/$P/task" | wc -l)" = 5 ] || fail "the original has $(ls "/proc/$P/task" | wc -l) threads, expected 5"
finish "$P"
basic_cycle out threads work 4
[ "$(ls "/proc/$RPID/task" | wc -l)" = 5 ] || fail "the resumed process has $(ls "/proc/$RPID/task" | wc -l) threads, expected 5"
# The names and the TID addresses came back (comm of every thread).
[ "$(cat /proc/$RPID/task/*/comm | sort -u)" = threads ] || fail "thread names: $(cat /proc/$RPID/task/*/comm | sort -u | tr '\n' ' ')"
GEN1=$RPID
t1=$(last_tick out "$GEN1")
freeze_ok --kill "$GEN1" -o "$T/gen2.cryo"
wait_dead "$GEN1"
resume "$T/gen2.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$GEN1" "$RPID" "$t1" 5
[ "$(ls "/proc/$RPID/task" | wc -l)" = 5 ] || fail "the second generation has $(ls "/proc/$RPID/task" | wc -l) threads, expected 5"
finish "$RPID"
