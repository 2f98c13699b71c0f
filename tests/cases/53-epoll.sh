# An epoll instance comes back with every watch, its events and data, keyed
# by the same fd numbers (EPOLL_CTL_MOD by number works), nested epoll too
# (progs/evfds.c p).  A watch whose fd was closed, or closed and reused for
# another file, since EPOLL_CTL_ADD cannot come back: refused, naming it.
basic_cycle out evfds p
wait_line out "^$RPID resumed" 10 "$RPID"
keeps_running out "$RPID" 3
finish "$RPID"

for m in c:closed r:another; do
	mode=${m%%:*} word=${m#*:}
	start "out.$mode" evfds "$mode"
	P=$PID
	ready "out.$mode" "$P" 2
	mkdir "img.$mode"
	run_freeze --kill "$P" -o "$T/img.$mode/app.cryo"
	[ "$FRC" = 3 ] || fail "$mode: freeze exited with $FRC, expected 3 (refused)"
	grep -q "fd 56 .*watches fd 57.*$word" "$FERR" ||
		fail "$mode: the message does not name the watch: $(head -c 300 "$FERR")"
	[ -z "$(ls -A "img.$mode")" ] || fail "$mode: files left behind"
	keeps_running "out.$mode" "$P" 3
	finish "$P"
done
