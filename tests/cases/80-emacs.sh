# emacs -nw -Q (issue 4): text typed into a buffer, freeze --kill, resume in
# a new tmux window of another size from a shell.  The screen is redrawn at
# the new size (the mode line spans the new width), typing continues, C-x C-c
# with its save prompt exits normally and the shell gets a sane terminal.
# emacs holds its terminal twice: fds 0-2 and a separate open of /dev/tty.
command -v emacs >/dev/null || skip "emacs is not installed (run tools/install-deps.sh)"
tmux_init
# Emacs 28's native compilation would run compilers as child processes in
# the background (process trees are not supported yet): off.
tmux_session orig 80 24 "cd $T && exec $B/launch $(command -v emacs) -nw -Q \
	--eval '(setq native-comp-deferred-compilation nil native-comp-enable-subr-trampolines nil)' notes.txt"
ORIG=$PANE_PID
wait_for_screen orig 'notes\.txt' 30 "$ORIG"
tm send-keys -t orig 'typed before the freeze'
wait_for_screen orig '^typed before the freeze' 20 "$ORIG"
for i in $(seq 100); do
	pgrep -P "$ORIG" >/dev/null || break
	sleep 0.1
done
freeze_ok --kill "$ORIG" -o "$T/emacs.cryo"
wait_pane_dead orig

tm_resume new 100 30 "$T/emacs.cryo"
wait_for_screen new '^typed before the freeze' 20 "$RPID"
# Redrawn at 100x30: the mode line is on row 29 and fills the width.
wait_for_screen new 'notes\.txt.*-{40}' 20 "$RPID"
row=$(screen new | grep -n 'notes\.txt' | tail -n 1)
case ${row%%:*} in 29) ;; *) fail "mode line on row ${row%%:*}, not 29 of the new 30-row window" ;; esac
row=${row#*:}
[ "${#row}" = 100 ] || fail "mode line is ${#row} columns wide, not the new 100: '$row'"
tm send-keys -t new ' and after'
wait_for_screen new '^typed before the freeze and after' 20 "$RPID"
tm send-keys -t new C-x C-c
wait_for_screen new 'Save file .*notes\.txt' 20 "$RPID"
tm send-keys -t new y
wait_dead "$RPID" 20
wait_sane new
[ "$(cat "$T/notes.txt")" = "typed before the freeze and after" ] ||
	fail "notes.txt holds '$(cat "$T/notes.txt")'"
true
