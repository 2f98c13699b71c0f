# A process whose main thread has left (pthread_exit) while another thread
# runs on is refused: exit status 3, a message saying why, no file left, and
# the process goes on (progs/threads.c mainexit).  Its main thread is a
# zombie, which the usual helpers take for a dead process: own waits here.
start out threads mainexit
P=$PID
ticks_at_least() {
	local i
	for i in $(seq 200); do
		[ "$(count_ticks out "$P")" -ge "$1" ] && return 0
		has_fail out && fail "$(grep -m1 FAIL out)"
		sleep 0.05
	done
	fail "process $P printed $(count_ticks out "$P") ticks, expected $1"
}
ticks_at_least 3
mkdir img
run_freeze --kill "$P" -o "$T/img/app.cryo"
[ "$FRC" = 3 ] || fail "freeze exited with $FRC, expected 3 (refused)"
grep -q "main thread" "$FERR" || fail "the message does not say why: $(head -c 300 "$FERR")"
[ -z "$(ls -A img)" ] || fail "files left behind: $(ls -A img)"
ticks_at_least $(($(count_ticks out "$P") + 3))
check_consecutive out
kill -KILL "$P"
