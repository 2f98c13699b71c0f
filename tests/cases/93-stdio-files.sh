# A program whose stdin and stdout are files and whose stderr is a terminal
# (`python3 script.py <in >log`, issue 4.6): the resumed copy, run in a new
# terminal, goes on reading its input file and appending to its log where
# it was, while its stderr is the new terminal.
PY=/usr/bin/python3
[ -x "$PY" ] || skip "no $PY"
tmux_init
seq 1 100000 >"$T/in"
cat >"$T/script.py" <<'PYEOF'
import os, sys, time
n = 0
while True:
    line = sys.stdin.readline()
    n += 1
    if int(line) != n:
        print(f"{os.getpid()} FAIL: read {line.strip()} at tick {n}", flush=True)
        sys.exit(1)
    print(f"{os.getpid()} stderr {os.ttyname(2)}\n{os.getpid()} tick {n}", flush=True)
    sys.stderr.write(f"err {n}\n")
    sys.stderr.flush()
    time.sleep(0.02)
PYEOF
DIAG+=("$T/log")
tmux_session orig 80 24 "exec env --default-signal=TTIN,TTOU '$B/launch' $PY '$T/script.py' <'$T/in' >>'$T/log'"
P=$PANE_PID OTTY=$PANE_TTY
wait_ticks "$T/log" "$P" 5
freeze_ok --kill "$P" -o "$T/app.cryo"
wait_dead "$P" 2>/dev/null || true
t0=$(last_tick "$T/log" "$P")

tmux_session new 100 30 "exec '$B/launch' '$T/app.cryo' 2>'$T/resume.err'"
R=$PANE_PID NTTY=$PANE_TTY
DIAG+=("$T/resume.err")
note "original $P on $OTTY (last tick $t0), resumed $R on $NTTY"
wait_ticks "$T/log" "$R" 10
check_ticks "$T/log" "$P" "$R" "$t0" 10
grep -q "^$R stderr $NTTY\$" "$T/log" || fail "stderr is not the new terminal: $(grep -m1 "^$R stderr" "$T/log")"
[ "$(readlink /proc/"$R"/fd/0)" = "$T/in" ] || fail "stdin is $(readlink /proc/"$R"/fd/0), not the input file"
[ "$(readlink /proc/"$R"/fd/1)" = "$T/log" ] || fail "stdout is $(readlink /proc/"$R"/fd/1), not the log"
[ "$(readlink /proc/"$R"/fd/2)" = "$NTTY" ] || fail "stderr is $(readlink /proc/"$R"/fd/2), not $NTTY"
tmux_wait new "^err $((t0 + 5))\$"
finish "$R"
tm kill-server 2>/dev/null
true
