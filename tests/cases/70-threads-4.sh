# Four threads taking turns under one mutex and a condition variable, with a
# barrier (progs/threads.c work): a freeze without --kill leaves every thread
# running as before; frozen with --kill and resumed, every worker makes
# progress, the shared totals agree, each thread's TLS is its own and glibc's
# cached TID (at the clear_child_tid address) equals gettid() in every thread.
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
finish "$RPID"
