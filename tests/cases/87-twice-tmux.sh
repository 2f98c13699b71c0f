# One image resumed twice at once in two tmux windows (issue 4): two
# independent programs (vim -u NONE -N), each with its own terminal, size
# and text.
command -v vim >/dev/null || skip "vim is not installed (run tools/install-deps.sh)"
tmux_init
tmux_session orig 80 24 "cd $T && exec $B/launch $(command -v vim) -u NONE -N"
ORIG=$PANE_PID
wait_for_screen orig '^~' 30 "$ORIG"
tm send-keys -t orig 'ishared '
wait_for_screen orig '^shared' 20 "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/vim.cryo"
wait_pane_dead orig

tm_resume one 90 26 "$T/vim.cryo"
R1=$RPID
tm_resume two 110 32 "$T/vim.cryo"
R2=$RPID
[ "$R1" != "$R2" ] || fail "both resumes have pid $R1"
wait_for_screen one '^shared' 20 "$R1"
wait_for_screen two '^shared' 20 "$R2"
tm send-keys -t one 'first window' Escape
tm send-keys -t two 'second window' Escape
wait_for_screen one '^shared first window$' 20 "$R1"
wait_for_screen two '^shared second window$' 20 "$R2"
screen one | grep -q 'second' && fail "window one shows the text typed in window two"
screen two | grep -q 'first' && fail "window two shows the text typed in window one"
tm send-keys -t one ":echo &columns . 'x' . &lines" Enter
tm send-keys -t two ":echo &columns . 'x' . &lines" Enter
wait_for_screen one '^90x26' 20 "$R1"
wait_for_screen two '^110x32' 20 "$R2"
tm send-keys -t one ':w! one.txt' Enter ':q!' Enter
tm send-keys -t two ':w! two.txt' Enter ':q!' Enter
wait_dead "$R1" 20
wait_dead "$R2" 20
wait_sane one
wait_sane two
[ "$(cat "$T/one.txt")" = "shared first window" ] || fail "one.txt holds '$(cat "$T/one.txt")'"
[ "$(cat "$T/two.txt")" = "shared second window" ] || fail "two.txt holds '$(cat "$T/two.txt")'"
true
