# bash --norc -i (issue 4), frozen idle at its prompt (no children: process
# trees are not supported yet): a shell variable and the history survive the
# resume in a new window, and `exit` leaves a sane terminal.
# Not tested: job control inside the resumed bash (`sleep 100`, Ctrl-Z, fg).
# bash keeps its process group id (its old pid) in a variable and gives the
# terminal back to it after every foreground job; the resumed process has
# another pid, so that tcsetpgrp fails, bash is left in the background and
# its next read of the terminal fails (EIO): it exits.  Needs the same pids
# (issue 5).
command -v bash >/dev/null || skip "bash is not installed"
tmux_init
tmux_session orig 80 24 "cd $T && exec env -i HOME='$T' TERM='$TERM' PATH='$PATH' PS1='$ ' \
	HISTFILE='$T/history' $B/launch $(command -v bash) --norc --noprofile -i"
ORIG=$PANE_PID
wait_for_screen orig '^\$$' 30 "$ORIG"
tmux_type orig 'V=kept-across; echo first-$V'
wait_for_screen orig '^first-kept-across$' 20 "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/bash.cryo"
wait_pane_dead orig

tm_resume new 100 30 "$T/bash.cryo"
tmux_type new 'echo after-$V $COLUMNS'
wait_for_screen new '^after-kept-across 100$' 20 "$RPID"
tmux_type new 'history 5'	# a builtin: see above
wait_for_screen new '^ +[0-9]+ +V=kept-across; echo first-\$V$' 20 "$RPID"
# Up three times: the line typed before the freeze, from the history.
tm send-keys -t new Up Up Up Enter
wait_for_screen new '^first-kept-across$' 20 "$RPID"
tmux_type new 'exit'
wait_dead "$RPID" 20
wait_sane new
true
