# python3 -q (issue 4), the system's: a variable defined before the freeze is
# still there after the resume in a new window; exit() leaves a sane terminal.
PY=/usr/bin/python3
[ -x "$PY" ] || skip "/usr/bin/python3 is not installed (run tools/install-deps.sh)"
tmux_init
tmux_session orig 80 24 "cd $T && exec env -u PYTHONSTARTUP $B/launch $PY -q"
ORIG=$PANE_PID
wait_for_screen orig '^>>>$' 30 "$ORIG"
tmux_type orig 'x = 6 * 7000'
tmux_type orig 'print("defined", x)'
wait_for_screen orig '^defined 42000' 20 "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/python.cryo"
wait_pane_dead orig

tm_resume new 100 30 "$T/python.cryo"
# Typing continues at the prompt python was reading at.
tmux_type new 'print("still", x + 1)'
wait_for_screen new '^still 42001' 20 "$RPID"
tmux_type new 'exit()'
wait_dead "$RPID" 20
wait_sane new
true
