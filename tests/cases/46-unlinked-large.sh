# A sparse unlinked file of 5 GiB: 64-bit size and offset, data at 4.5 GiB
# (progs/unlinked.c -l).  The default --max-unlinked (1G) refuses it,
# naming the fd and the size; --max-unlinked=8G saves it, holes and all.
mkdir d
start out unlinked -l "$T/d"
ORIG=$PID
ready out "$ORIG"
run_freeze "$ORIG" -o "$T/refused.cryo"
[ "$FRC" = 3 ] || fail "default --max-unlinked: freeze exited with $FRC, expected 3"
grep -q "fd 20 .*5368709127 bytes" "$FERR" || fail "the refusal does not name fd 20 and its size: $(head -c 300 "$FERR")"
t0=$(last_tick out "$ORIG")
freeze_ok --max-unlinked=8G --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
sz=$(stat -c %s "$T/app.cryo")
[ "$sz" -lt $((64 << 20)) ] || fail "the image is $sz bytes: the holes were stored"
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
