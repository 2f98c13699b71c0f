# One image resumed twice side by side (with --compress=none, the codec whose
# data could be mapped straight from the file): two independent processes,
# both going on from the same point, each finding only its own pid in the
# memory it stamps (counter), and the image file unchanged.
start out counter
ORIG=$PID
ready out "$ORIG"
t0=$(last_tick out "$ORIG")
freeze_ok --kill --compress=none "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
sum0=$(cksum <"$T/app.cryo")
resume "$T/app.cryo"
R1=$RPID
resume "$T/app.cryo"
R2=$RPID
wait_ticks out "$R1" 6
wait_ticks out "$R2" 6
check_ticks out "$ORIG" "$R1" "$t0" 6
check_ticks out "$ORIG" "$R2" "$t0" 6
f1=$(grep -m1 "^$R1 tick" out)
f2=$(grep -m1 "^$R2 tick" out)
[ "${f1##* }" = "${f2##* }" ] || fail "the two copies began at different ticks: ${f1##* } and ${f2##* }"
finish "$R1"
finish "$R2"
[ "$(cksum <"$T/app.cryo")" = "$sum0" ] || fail "the image file changed while resumed copies ran"
