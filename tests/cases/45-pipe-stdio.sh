# fds 0-2 on a pipe whose other end is another process (a shell pipeline)
# take the resuming shell's own fds: `producer | ./app.cryo` feeds the
# resumed process (progs/pipes.c stdin).
{ echo before; sleep 2; } | exec "$B/launch" "$B/pipes" stdin >>out 2>>out.err &
ORIG=$!
track "$ORIG"
DIAG+=(out out.err)
wait_line out "^$ORIG got before" 30 "$ORIG"
ready out "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
{ echo after; sleep 2; } | exec "$B/launch" "$T/app.cryo" >>out 2>>resume.err &
RPID=$!
track "$RPID"
DIAG+=(resume.err)
wait_line out "^$RPID got after" 30 "$RPID"
grep -q "^$RPID got before" out && fail "the resumed process read the original's input again"
finish "$RPID"
