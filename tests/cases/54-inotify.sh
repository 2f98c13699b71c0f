# An inotify instance comes back with its watches by path and mask and the
# same watch descriptors (wd 1 and 3, with wd 2 removed before the freeze):
# events on the watched directory and file after the resume are reported
# with those wds (progs/evfds.c i).  Unprivileged, the watched paths are
# found near the working directory; as root, by file handle.
mkdir w
basic_cycle out evfds i "$T/w"
wait_line out "^$RPID resumed" 10 "$RPID"
keeps_running out "$RPID" 3
finish "$RPID"

# Events queued and not read yet cannot be saved without consuming them:
# refused, saying so.
start out.q evfds q "$T/w"
P=$PID
ready out.q "$P" 2
mkdir img.q
run_freeze --kill "$P" -o "$T/img.q/app.cryo"
[ "$FRC" = 3 ] || fail "q: freeze exited with $FRC, expected 3 (refused)"
grep -q "fd 62 .*unread events" "$FERR" || fail "q: the message does not say why: $(head -c 300 "$FERR")"
[ -z "$(ls -A img.q)" ] || fail "q: files left behind"
keeps_running out.q "$P" 3
finish "$P"

# A watched path gone at resume time: a clear error naming it, before
# anything changed (exit status 1).
mkdir w2
start out.m evfds i "$T/w2"
P=$PID
ready out.m "$P" 2
freeze_ok --kill "$P" -o "$T/m.cryo"
wait_dead "$P"
rm -rf w2
resume "$T/m.cryo"
wait_dead "$RPID"
[ "$DEAD_RC" = 1 ] || fail "resume without the watched directory: status $DEAD_RC, expected 1"
grep -q "inotify watch 1 of fd 60 on .*w2" "$RERR" || fail "the error does not name the watch: $(head -c 300 "$RERR")"

# A watch on a directory far from the working directory and the open files
# (/usr/share): root names it by its file handle and it comes back;
# unprivileged it cannot be named: refused, naming the watch.
start out.u evfds u
P=$PID
ready out.u "$P" 2
if is_root; then
	freeze_ok --kill "$P" -o "$T/u.cryo"
	wait_dead "$P"
	resume "$T/u.cryo"
	wait_ticks out.u "$RPID" 3
	has_fail out.u && fail "$(grep -m1 FAIL out.u)"
	finish "$RPID"
else
	mkdir img.u
	run_freeze --kill "$P" -o "$T/img.u/app.cryo"
	[ "$FRC" = 3 ] || fail "u: freeze exited with $FRC, expected 3 (refused)"
	grep -q "fd 64 .*watch 1 .*no path" "$FERR" || fail "u: the message does not name the watch: $(head -c 300 "$FERR")"
	keeps_running out.u "$P" 3
	finish "$P"
fi
