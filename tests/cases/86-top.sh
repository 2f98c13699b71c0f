# top (issue 4): resumed in a new window it keeps refreshing (the clock in its
# first line moves) at the new size, and q quits leaving a sane terminal.
command -v top >/dev/null || skip "top is not installed (run tools/install-deps.sh)"
tmux_init
tmux_session orig 80 24 "cd $T && exec $B/launch $(command -v top) -d 0.5"
ORIG=$PANE_PID
wait_for_screen orig '^top - ' 30 "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/top.cryo"
wait_pane_dead orig

tm_resume new 100 30 "$T/top.cryo"
wait_for_screen new '^top - ' 20 "$RPID"
first=$(screen new | grep -m1 '^top - ')
for i in $(seq 100); do
	now=$(screen new | grep -m1 '^top - ')
	[ -n "$now" ] && [ "$now" != "$first" ] && break
	alive "$RPID" || fail "top died after the resume"
	sleep 0.1
done
[ "$now" != "$first" ] || fail "top stopped refreshing: '$first'"
# Redrawn at the new size: the task list reaches the last of the 30 rows.
n=$(screen new | wc -l)
[ "$n" = 30 ] || fail "the screen has $n rows"
tm send-keys -t new q
wait_dead "$RPID" 20
wait_sane new
true
