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
