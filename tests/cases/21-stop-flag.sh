# freeze -S leaves the target stopped (job-control stop, state T); SIGCONT
# lets it go on unchanged.
start out counter
ORIG=$PID
ready out "$ORIG"
freeze_ok -S "$ORIG" -o "$T/app.cryo"
[ "$(pstate "$ORIG")" = T ] || fail "after freeze -S the target is in state '$(pstate "$ORIG")', not T"
kill -CONT "$ORIG"
keeps_running out "$ORIG" 3
finish "$ORIG"
