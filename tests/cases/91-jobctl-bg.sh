# A raw-mode program resumed in the background (`./app.cryo &`, issue 4.3)
# behaves as a background job: the stub does not touch the terminal's
# settings (the shell keeps its terminal, cooked), the program's read of the
# terminal stops it with SIGTTIN, the shell answers meanwhile, and `fg`
# continues it in the foreground.  A program that reapplies its mode on
# SIGCONT (as emacs, vim, less do) is raw again; one that does not reads
# cooked, exactly as it would after Ctrl-Z and fg in bash without cryo, and
# Ctrl-C kills it (default action) leaving the terminal sane.  With TOSTOP
# set, a background program writing to the terminal stops with SIGTTOU.
tmux_init
# (tmux starts panes with SIGTTIN and SIGTTOU ignored, a shell does not:
# the originals get the default actions a shell would give them.)
DIAG+=("$T/log" "$T/ticks.err")
tmux_session o1 80 24 "exec env --default-signal=TTIN,TTOU '$B/launch' '$B/rawjob' -r '$T/log'"
P1=$PANE_PID
tmux_session o2 80 24 "exec env --default-signal=TTIN,TTOU '$B/launch' '$B/rawjob' -d '$T/log'"
P2=$PANE_PID
tmux_session o3 80 24 "exec env --default-signal=TTIN,TTOU '$B/launch' '$B/counter' -i 20 2>'$T/ticks.err'"
P3=$PANE_PID
wait_line "$T/log" "^$P1 ready" 30 "$P1"
wait_line "$T/log" "^$P2 ready" 30 "$P2"
tmux_wait o3 "^$P3 tick 3"
freeze_ok --kill "$P1" -o "$T/reapply.cryo"
freeze_ok --kill "$P2" -o "$T/plain.cryo"
freeze_ok --kill "$P3" -o "$T/ticks.cryo"

tmux_shell sh 100 30
TTY=$PANE_TTY

# 1. reapplies raw mode on SIGCONT
tmux_type sh "'$T/reapply.cryo' & echo \$! >'$T/bg1'"
wait_line "$T/bg1" '^[0-9]+$' 10
R=$(cat "$T/bg1")
track "$R"
wait_state "$R" T
note "background resume $R stopped (SIGTTIN)"
tmux_type sh jobs
tmux_wait sh 'Stopped'
shell_tty_cooked sh
tmux_type sh fg
wait_line "$T/log" "^$R cont" 10 "$R"
wait_state "$R" S
[ "$(tty_mode "$TTY")" = raw ] || fail "after fg the program did not get its raw mode back"
tm send-keys -t sh c
wait_line "$T/log" "^$R key 63 icanon=0 echo=0 pgrp=$R fg=$R\$" 10 "$R"
tm send-keys -t sh q
wait_line "$T/log" "^$R quit" 10
tmux_wait sh '^\$ ?$'
shell_tty_cooked sh

# 2. does not reapply: cooked after fg, as without cryo; Ctrl-C kills it
tmux_type sh "'$T/plain.cryo' & echo \$! >'$T/bg2'"
wait_line "$T/bg2" '^[0-9]+$' 10
R=$(cat "$T/bg2")
track "$R"
wait_state "$R" T
shell_tty_cooked sh
tmux_type sh fg
wait_state "$R" S
[ "$(tty_mode "$TTY")" = cooked ] || fail "the stub set raw mode for a program continued by fg"
tm send-keys -t sh x Enter
wait_line "$T/log" "^$R key 78 icanon=1 echo=1 pgrp=$R fg=$R\$" 10 "$R"
tm send-keys -t sh C-c
for i in $(seq 100); do alive "$R" || break; sleep 0.05; done
alive "$R" && fail "Ctrl-C did not kill the program"
tmux_wait sh '^\$ ?$'
shell_tty_cooked sh

# 3. TOSTOP: writing to the terminal from the background stops it
tmux_type sh "stty tostop; '$T/ticks.cryo' & echo \$! >'$T/bg3'"
wait_line "$T/bg3" '^[0-9]+$' 10
R=$(cat "$T/bg3")
track "$R"
wait_state "$R" T
tmux_type sh "stty -tostop; kill -9 $R"
for i in $(seq 100); do alive "$R" || break; sleep 0.05; done
alive "$R" && fail "the background program could not be killed"
shell_tty_cooked sh
tm kill-server 2>/dev/null
true
