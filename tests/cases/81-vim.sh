# vim -u NONE -N (issue 4), as 80-emacs.sh: redrawn at the new size, typing
# continues, :wq exits and leaves the terminal sane.  vim has a glibc
# SIGEV_THREAD timer (a helper thread it signals): the thread and the timer
# come back together.
command -v vim >/dev/null || skip "vim is not installed (run tools/install-deps.sh)"
tmux_init
tmux_session orig 80 24 "cd $T && exec $B/launch $(command -v vim) -u NONE -N notes.txt"
ORIG=$PANE_PID
wait_for_screen orig '^~' 30 "$ORIG"
tm send-keys -t orig 'ityped before the freeze'
wait_for_screen orig '^typed before the freeze' 20 "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/vim.cryo"
wait_pane_dead orig

tm_resume new 100 30 "$T/vim.cryo"
wait_for_screen new '^typed before the freeze' 20 "$RPID"
wait_for_screen new '^-- INSERT --' 20 "$RPID"
tm send-keys -t new ' and after' Escape
wait_for_screen new '^typed before the freeze and after' 20 "$RPID"
tm send-keys -t new ":echo &columns . 'x' . &lines" Enter
wait_for_screen new '^100x30' 20 "$RPID"
n=$(screen new | wc -l)
[ "$n" = 30 ] || fail "the screen has $n rows"
tm send-keys -t new ':wq' Enter
wait_dead "$RPID" 20
wait_sane new
[ "$(cat "$T/notes.txt")" = "typed before the freeze and after" ] ||
	fail "notes.txt holds '$(cat "$T/notes.txt")'"
true
