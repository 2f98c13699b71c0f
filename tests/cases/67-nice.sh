# A nice value lower than the resumer's: root puts it back; an unprivileged
# user cannot lower it, and the image says so (a warning) and runs anyway.
start out counter
ORIG=$PID
ready out "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
want=$(nice)
(exec nice -n 5 "$B/launch" "$T/app.cryo" </dev/null >>"$T/resume.out" 2>>"$T/resume.err") &
RPID=$!
track "$RPID"
DIAG+=("$T/resume.err")
wait_ticks out "$RPID" 3
s=$(cat "/proc/$RPID/stat")
s=${s##*) }
set -- $s
got=${17}
if is_root; then
	[ "$got" = "$want" ] || fail "nice is $got after the resume, expected $want"
else
	grep -q "nice" "$T/resume.err" || fail "no warning that nice could not be lowered (it is $got, was $want)"
fi
finish "$RPID"
