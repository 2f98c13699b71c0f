# Job control around a resumed program, in the foreground of an interactive
# bash (issue 4.3): `./app.cryo` typed at the prompt runs in the shell's
# foreground process group with its raw mode back; Ctrl-C reaches its
# handler; Ctrl-Z stops it and gives the shell its terminal back, cooked;
# `fg` continues it (it reapplies raw mode on SIGCONT, as full-screen
# programs do); on exit the terminal is sane and the shell answers.
tmux_init
DIAG+=("$T/log" "$T/orig.err")
tmux_session orig 80 24 "exec '$B/launch' '$B/rawjob' -r '$T/log' 2>'$T/orig.err'"
P=$PANE_PID
wait_line "$T/log" "^$P ready" 30 "$P"
freeze_ok --kill "$P" -o "$T/app.cryo"
wait_dead "$P"

tmux_shell sh 100 30
SH=$PANE_PID TTY=$PANE_TTY
tmux_type sh "'$T/app.cryo'"
# The resumed program: the shell's child, once raw mode is back on the tty.
R=
for i in $(seq 200); do
	R=$(cat /proc/"$SH"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1)
	[ -n "$R" ] && [ "$(tty_mode "$TTY")" = raw ] && break
	sleep 0.05
done
[ -n "$R" ] || fail "no process started from the shell"
track "$R"
[ "$(tty_mode "$TTY")" = raw ] || fail "the resumed program's raw mode is not on the terminal"
note "shell $SH on $TTY, resumed pid $R"

tm send-keys -t sh a
wait_line "$T/log" "^$R key 61 " 20 "$R"
grep -q "^$R key 61 icanon=0 echo=0 pgrp=$R fg=$R\$" "$T/log" ||
	fail "not raw, or not the foreground process group: $(grep "^$R key 61" "$T/log")"

tm send-keys -t sh C-c
wait_line "$T/log" "^$R int" 10 "$R"

tm send-keys -t sh C-z
wait_state "$R" T
tmux_wait sh 'Stopped'
tmux_wait sh '^\$ ?$'
shell_tty_cooked sh

tmux_type sh fg
wait_line "$T/log" "^$R cont" 10 "$R"
wait_state "$R" S
[ "$(tty_mode "$TTY")" = raw ] || fail "after fg the program did not get its raw mode back"
tm send-keys -t sh b
wait_line "$T/log" "^$R key 62 icanon=0 echo=0 pgrp=$R fg=$R\$" 10 "$R"

tm send-keys -t sh q
wait_line "$T/log" "^$R quit" 10
for i in $(seq 100); do alive "$R" || break; sleep 0.05; done
alive "$R" && fail "the program did not exit on q"
tmux_wait sh '^\$ ?$'
shell_tty_cooked sh
tm kill-server 2>/dev/null
true
