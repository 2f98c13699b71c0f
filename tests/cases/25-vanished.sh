# Freezing a process that no longer exists: exit status 4, an error on
# stderr, and no output file.
start out counter
P=$PID
ready out "$P" 1
kill -KILL "$P"
wait_dead "$P"
run_freeze "$P" -o "$T/app.cryo"
[ "$FRC" = 4 ] || fail "freeze of vanished pid $P exited with $FRC, expected 4"
[ -s "$FERR" ] || fail "no error message"
[ -e "$T/app.cryo" ] && fail "an output file was left"
true
