# The command line: usage errors exit 2 and create nothing, -h/--help and
# --version exit 0, options go in any order, -q is silent and -v is not;
# none of it disturbs the target.  ./app.cryo --help explains itself and
# does not resume the program.
start out counter
P=$PID
ready out "$P"
usage() {	# DESCRIPTION ARGS...
	local what=$1
	shift
	run_freeze "$@"
	[ "$FRC" = 2 ] || fail "$what: freeze $* exited with $FRC, expected 2"
	[ -s "$FERR" ] || fail "$what: no message on stderr"
}
usage "no arguments"
usage "unknown option" --bogus "$P" -o "$T/x.cryo"
usage "unknown codec" --compress=lz9 "$P" -o "$T/x.cryo"
usage "PID not a number" 12ab -o "$T/x.cryo"
usage "no -o" "$P"
usage "two PIDs" "$P" "$P" -o "$T/x.cryo"
[ -e "$T/x.cryo" ] && fail "a usage error created the output file"
for h in -h --help; do
	run_freeze $h
	[ "$FRC" = 0 ] || fail "freeze $h exited with $FRC"
	grep -qi usage "$T/freeze.$NFREEZE.out" || fail "freeze $h prints no usage on stdout"
done
run_freeze --version
[ "$FRC" = 0 ] && [ -s "$T/freeze.$NFREEZE.out" ] || fail "freeze --version exited with $FRC or printed nothing"
freeze_ok -q -o "$T/q.cryo" "$P"
[ -s "$FERR" ] && fail "freeze -q printed: $(head -c 200 "$FERR")"
freeze_ok "$P" --compress=zlib -v -o "$T/v.cryo"
[ -s "$FERR" ] || fail "freeze -v printed nothing on stderr"
keeps_running out "$P" 3
(exec "$B/launch" "$T/q.cryo" --help </dev/null >"$T/help.out" 2>"$T/help.err") &
H=$!
track "$H"
wait_dead "$H" 20
DIAG+=("$T/help.out" "$T/help.err")
[ "$DEAD_RC" = 0 ] || fail "./app.cryo --help exited with $DEAD_RC"
[ -s "$T/help.out" ] || [ -s "$T/help.err" ] || fail "./app.cryo --help printed nothing"
grep -q "^$H " out && fail "./app.cryo --help resumed the program"
finish "$P"
