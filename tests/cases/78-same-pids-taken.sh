# --same-pids when the pid is taken: resumed once with --same-pids (still
# running), a second ./app.cryo --same-pids as root in the same pid
# namespace refuses with a clear message and exit status 1 and the first
# copy is untouched.  As the user each resume has a pid namespace of its
# own: the second one gets the same pid too.
need_userns
sp_wait_child() {	# RPID PID: sets C
	local i
	for ((i = 0; i < 400; i++)); do
		C=$(sp_child "$1" "$2") && grep -q "^Threads:[[:space:]]*2$" "/proc/$C/status" && return 0
		alive "$1" || fail "the resume ended (status $(wait "$1"; echo $?)): $(head -c 400 "$RERR")"
		sleep 0.05
	done
	fail "no child of $1 with pid $2 and 2 threads"
}

start out samepids
ORIG=$PID
ready out "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo" --same-pids
FIRST=$RPID
sp_wait_child "$FIRST" "$ORIG"
C1=$C
track "$C1"
n=$(grep -c "^$ORIG ids .* same$" out)
if is_root; then
	DIAG+=("$T/taken.err")
	timeout -k 5 30 "$B/launch" "$T/app.cryo" --same-pids </dev/null >"$T/taken.out" 2>"$T/taken.err"
	rc=$?
	[ "$rc" = 1 ] || fail "a second --same-pids resume with pid $ORIG taken ended with $rc, not 1"
	grep -q "pid $ORIG is in use" "$T/taken.err" || fail "no clear message: $(head -c 300 "$T/taken.err")"
	timeout -k 5 30 "$B/launch" "$T/app.cryo" --same-pids --check </dev/null >"$T/check.out" 2>>"$T/taken.err"
	[ $? = 1 ] || fail "--check --same-pids with pid $ORIG taken did not exit 1"
else
	resume "$T/app.cryo" --same-pids
	sp_wait_child "$RPID" "$ORIG"
	track "$C"
	[ "$C" != "$C1" ] || fail "the second copy is the first one"
	finish "$RPID"
fi
# The first copy goes on.
for ((i = 0; i < 200; i++)); do
	[ "$(grep -c "^$ORIG ids .* same$" out)" -ge $((n + 3)) ] && break
	sleep 0.05
done
[ "$(grep -c "^$ORIG ids .* same$" out)" -ge $((n + 3)) ] || fail "the first copy stopped"
has_fail out && fail "a target failed: $(grep -m1 '^[0-9]* FAIL' out)"
alive "$C1" || fail "the first copy died"
finish "$FIRST"
