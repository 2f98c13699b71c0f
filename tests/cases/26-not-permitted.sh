# Freezing a process one may not trace (a root-owned process, frozen by an
# unprivileged user): exit status 5, an explanation on stderr, no output
# file, and the process goes on unharmed (not stopped, ticking).
if is_root; then
	start out counter
	P=$PID
	ready out "$P"
	mkdir drop
	chmod 1777 drop
	DIAG+=("$T/drop.err")
	timeout -k 5 60 setpriv --reuid="${CRYO_TEST_USER:-cryotest}" --regid="${CRYO_TEST_USER:-cryotest}" --clear-groups \
		"$FREEZE" "$P" -o "$T/drop/app.cryo" >/dev/null 2>"$T/drop.err"
	rc=$?
	[ "$rc" = 5 ] || fail "freeze of a root process by ${CRYO_TEST_USER:-cryotest} exited with $rc, expected 5"
	[ -s "$T/drop.err" ] || fail "no error message"
	[ -z "$(ls -A drop)" ] || fail "files left behind: $(ls -A drop)"
	keeps_running out "$P" 3
	finish "$P"
elif [ -n "${ROOT_TICKER:-}" ]; then
	DIAG+=("$ROOT_TICKER_OUT")
	run_freeze "$ROOT_TICKER" -o "$T/app.cryo"
	[ "$FRC" = 5 ] || fail "freeze of root-owned pid $ROOT_TICKER exited with $FRC, expected 5"
	[ -s "$FERR" ] || fail "no error message"
	[ -e "$T/app.cryo" ] && fail "an output file was left"
	keeps_running "$ROOT_TICKER_OUT" "$ROOT_TICKER" 3
else
	[ "$(stat -c %u /proc/1)" != "$(id -u)" ] || skip "no process of another user to try"
	run_freeze 1 -o "$T/app.cryo"
	[ "$FRC" = 5 ] || fail "freeze of pid 1 exited with $FRC, expected 5"
	[ -e "$T/app.cryo" ] && fail "an output file was left"
	[ -d /proc/1 ] || fail "pid 1 is gone"
fi
