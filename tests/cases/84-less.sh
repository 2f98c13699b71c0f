# less on a file (issue 4): resumed in a bigger window it redraws the page at
# the new height, scrolls on a key, and q leaves a sane terminal.  less reads
# its keys from a separate open of /dev/tty.
command -v less >/dev/null || skip "less is not installed (run tools/install-deps.sh)"
tmux_init
seq -f 'line %g' 1 300 >"$T/text"
tmux_session orig 80 24 "cd $T && exec env LESSHISTFILE=- LESS= $B/launch $(command -v less) text"
ORIG=$PANE_PID
wait_for_screen orig '^line 23$' 30 "$ORIG"
screen orig | grep -q '^line 24$' && fail "less showed more than 23 lines in 24 rows"
freeze_ok --kill "$ORIG" -o "$T/less.cryo"
wait_pane_dead orig

tm_resume new 100 30 "$T/less.cryo"
# Redrawn at 30 rows: 29 lines of text.
wait_for_screen new '^line 29$' 20 "$RPID"
tm send-keys -t new Space
wait_for_screen new '^line 58$' 20 "$RPID"
tm send-keys -t new q
wait_dead "$RPID" 20
wait_sane new
true
