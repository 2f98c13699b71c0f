# Resources not supported yet (sockets, child processes)
# are refused: exit status 3, a message naming the resource, no file left,
# and the target goes on exactly as before (its resource still works; its
# handlers, mask and /proc/self/maps unchanged: progs/holder.c), even with
# --kill.  regs -p: a refused target's registers are intact too.
for m in unix:socket tcp:socket udp:socket child:child; do
	mode=${m%%:*} word=${m#*:}
	out=$T/out.$mode
	start "$out" holder "$mode"
	P=$PID
	ready "$out" "$P" 2
	mkdir "img.$mode"
	run_freeze --kill "$P" -o "$T/img.$mode/app.cryo"
	[ "$FRC" = 3 ] || fail "$mode: freeze exited with $FRC, expected 3 (refused)"
	grep -qi "$word" "$FERR" || fail "$mode: the message does not name the $word: $(head -c 300 "$FERR")"
	[ -z "$(ls -A "img.$mode")" ] || fail "$mode: files left behind: $(ls -A "img.$mode")"
	keeps_running "$out" "$P" 3
	finish "$P"
done
start out.regs regs -p
P=$PID
wait_line out.regs "^$P (ready|SKIP)" 30 "$P"
if ! grep -q "^$P SKIP" out.regs; then
	ready out.regs "$P" 2
	run_freeze "$P" -o "$T/regs.cryo"
	[ "$FRC" = 3 ] || fail "regs -p: freeze exited with $FRC, expected 3"
	keeps_running out.regs "$P" 5
	finish "$P"
fi
