# Values held in rbx, r12-r15 and all sixteen ymm registers (both halves),
# MXCSR and the x87 control word survive the freeze, whether it caught the
# target in a busy loop or inside a raw nanosleep syscall (progs/regs.c).
start out regs
wait_line out "^$PID (ready|SKIP)" 30 "$PID"
grep -q "^$PID SKIP" out && skip "$(grep -m1 SKIP out)"
ready out "$PID"
ORIG=$PID
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo"
wait_ticks out "$RPID" 8
check_ticks out "$ORIG" "$RPID" "$t0" 8
finish "$RPID"
