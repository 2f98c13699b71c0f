# Locks come back (progs/locks.c): a POSIX write lock on bytes 10-19 and a
# read lock from 100 to EOF, a flock() lock, an OFD lock.  Another process
# sees them held by the resumed process.  Then, with the flock() lock (then
# a POSIX lock) taken by someone else meanwhile, the image refuses to
# resume, naming the file (and the holder's pid for a POSIX lock).
mkdir data
start out locks "$T/data"
ORIG=$PID
ready out "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo"
wait_line out "^$RPID locks ok" 20 "$RPID"
got=$("$B/lockcheck" -p data/lock.posix 15 1) || fail "lockcheck failed"
[ "$got" = "$RPID W" ] || fail "POSIX lock on bytes 10-19: '$got', expected '$RPID W'"
got=$("$B/lockcheck" -p data/lock.posix 200 1)
[ "$got" = "$RPID R" ] || fail "POSIX read lock from 100: '$got', expected '$RPID R'"
got=$("$B/lockcheck" -p data/lock.posix 50 1)
[ "$got" = "free" ] || fail "bytes 50 of lock.posix: '$got', expected free"
got=$("$B/lockcheck" -f data/lock.flock)
[ "$got" = "busy" ] || fail "the flock() lock is not held: $got"
got=$("$B/lockcheck" -o data/lock.ofd 2 1)
[ "$got" = "-1 W" ] || fail "the OFD lock: '$got', expected '-1 W'"
finish "$RPID"
wait_dead "$RPID"

start holder.out lockcheck -H "$T/data/lock.flock"
wait_line holder.out "held" 10 "$PID"
DIAG+=("$T/resume.err")
timeout -k 5 30 "$B/launch" "$T/app.cryo" </dev/null >"$T/resume.out" 2>"$T/resume.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" -lt 124 ] || fail "the image resumed (or died: $rc) although lock.flock is held by another process"
grep -q "lock.flock" "$T/resume.err" || fail "the error does not name lock.flock: $(head -c 300 "$T/resume.err")"
finish "$PID"

# The same with a POSIX lock on bytes 15-15 of lock.posix.
start holder2.out lockcheck -P "$T/data/lock.posix" 15 1
wait_line holder2.out "held" 10 "$PID"
DIAG+=("$T/resume2.err")
timeout -k 5 30 "$B/launch" "$T/app.cryo" </dev/null >"$T/resume2.out" 2>"$T/resume2.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" -lt 124 ] || fail "the image resumed (or died: $rc) although lock.posix is locked by another process"
grep -q "lock.posix" "$T/resume2.err" || fail "the error does not name lock.posix: $(head -c 300 "$T/resume2.err")"
grep -q "process $PID" "$T/resume2.err" || fail "the error does not name the holder $PID: $(head -c 300 "$T/resume2.err")"
true
