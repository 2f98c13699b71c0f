# Without --kill the original goes on unchanged: it keeps ticking with its
# registers (regs), memory, handlers, mask and exact /proc/self/maps intact
# (no scratch page left behind), and the image resumes beside it.
for p in counter regs; do
	out=$T/out.$p
	start "$out" "$p"
	ORIG=$PID
	wait_line "$out" "^$ORIG (ready|SKIP)" 30 "$ORIG"
	if grep -q "^$ORIG SKIP" "$out"; then
		note "regs skipped: $(grep -m1 SKIP "$out")"
		continue
	fi
	ready "$out" "$ORIG"
	t0=$(last_tick "$out" "$ORIG")
	freeze_ok "$ORIG" -o "$T/$p.cryo"
	keeps_running "$out" "$ORIG" 8
	resume "$T/$p.cryo"
	wait_ticks "$out" "$RPID" 5
	check_ticks "$out" "$ORIG" "$RPID" "$t0" 5
	keeps_running "$out" "$ORIG" 3
	finish "$ORIG"
	finish "$RPID"
done
