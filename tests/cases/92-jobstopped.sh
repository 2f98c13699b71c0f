# A program frozen while stopped by Ctrl-Z (issue 4.4) resumes running by
# default and says so on stderr; with --stopped it resumes stopped (the
# shell sees a stopped job, `fg` continues it) and says that.
tmux_init
DIAG+=("$T/out")
tmux_shell sh 100 30
SH=$PANE_PID
tmux_type sh "'$B/counter' -i 20 >>'$T/out'"
P=
for i in $(seq 100); do
	P=$(cat /proc/"$SH"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1)
	[ -n "$P" ] && break
	sleep 0.05
done
[ -n "$P" ] || fail "the counter did not start"
track "$P"
wait_ticks "$T/out" "$P" 3
tm send-keys -t sh C-z
wait_state "$P" T
tmux_wait sh 'Stopped'
freeze_ok --kill "$P" -o "$T/app.cryo"
grep -q 'stopped by job control' "$FERR" || note "freeze did not mention the job-control stop"
for i in $(seq 100); do alive "$P" || break; sleep 0.05; done
alive "$P" && fail "freeze --kill left the original alive"

# Default: running, with a notice.
tmux_type sh "'$T/app.cryo'"
tmux_wait sh 'resumed running'
R=$(cat /proc/"$SH"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1)
[ -n "$R" ] || fail "no resumed process"
track "$R"
wait_ticks "$T/out" "$R" 5
check_consecutive "$T/out"
tm send-keys -t sh C-c
for i in $(seq 100); do alive "$R" || break; sleep 0.05; done
alive "$R" && fail "Ctrl-C did not end the resumed counter"
tmux_wait sh '^\$ ?$'

# --stopped: a stopped job until fg.
tmux_type sh "'$T/app.cryo' --stopped"
tmux_wait sh 'resumed stopped'
tmux_wait sh 'Stopped'
R=$(cat /proc/"$SH"/task/*/children 2>/dev/null | tr -s ' ' '\n' | grep . | head -n 1)
[ -n "$R" ] || fail "no resumed process"
track "$R"
wait_state "$R" T
sleep 0.3
[ "$(count_ticks "$T/out" "$R")" = 0 ] || fail "--stopped: the program ran before fg"
tmux_type sh fg
wait_ticks "$T/out" "$R" 5
check_consecutive "$T/out"
tm send-keys -t sh C-c
for i in $(seq 100); do alive "$R" || break; sleep 0.05; done
alive "$R" && fail "Ctrl-C did not end the resumed counter"
tm kill-server 2>/dev/null
true
