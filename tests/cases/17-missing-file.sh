# A file the process had open is gone at resume time: the image refuses to
# resume with an error that names the file (exit status not 0, no signal),
# and the program does not run.
mkdir data
start out files "$T/data"
ORIG=$PID
ready out "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
rm data/data.bin
DIAG+=("$T/resume.err")
timeout -k 5 30 "$B/launch" "$T/app.cryo" </dev/null >"$T/resume.out" 2>"$T/resume.err"
rc=$?
[ "$rc" != 0 ] || fail "the image resumed although data.bin is missing"
[ "$rc" -lt 124 ] || fail "the image ended with status $rc (timeout or signal)"
grep -q "data.bin" "$T/resume.err" || fail "the error does not name data.bin: $(head -c 300 "$T/resume.err")"
grep -v "^$ORIG " out | grep -q . && fail "the program ran: $(grep -v "^$ORIG " out | head -n 1)"
true
