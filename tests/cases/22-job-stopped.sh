# A target already stopped by job control (SIGSTOP) is still stopped after
# a freeze without --kill, and goes on unchanged after SIGCONT.
start out counter
ORIG=$PID
ready out "$ORIG"
kill -STOP "$ORIG"
for i in $(seq 100); do [ "$(pstate "$ORIG")" = T ] && break; sleep 0.05; done
[ "$(pstate "$ORIG")" = T ] || fail "SIGSTOP did not stop the target"
freeze_ok "$ORIG" -o "$T/app.cryo"
[ "$(pstate "$ORIG")" = T ] || fail "after the freeze the job-stopped target is in state '$(pstate "$ORIG")', not T"
kill -CONT "$ORIG"
keeps_running out "$ORIG" 3
finish "$ORIG"
