# A file removed between freeze and resume: the image refuses, naming the
# file and its fd and suggesting --skip-missing; with --skip-missing it
# resumes, says what it dropped, and the program finds that fd closed.
mkdir data
start out fileflags -m "$T/data"
ORIG=$PID
ready out "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
rm data/gone.dat
DIAG+=("$T/refused.err")
timeout -k 5 30 "$B/launch" "$T/app.cryo" </dev/null >"$T/refused.out" 2>"$T/refused.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" -lt 124 ] || fail "the image resumed (or died: $rc) although gone.dat is missing"
grep "gone.dat" "$T/refused.err" | grep -q "fd 36" || fail "the error does not name gone.dat and fd 36: $(head -c 300 "$T/refused.err")"
grep -q -- "--skip-missing" "$T/refused.err" || fail "the error does not mention --skip-missing"
resume "$T/app.cryo" --skip-missing
wait_line out "^$RPID files ok" 20 "$RPID"
grep "gone.dat" "$RERR" | grep -q "fd 36" || fail "--skip-missing did not say it dropped fd 36 (gone.dat)"
n=$(count_ticks out "$RPID")
wait_ticks out "$RPID" $((n + 3))
finish "$RPID"
