# A raw-mode terminal program (ICANON and ECHO off, blocked in read() on its
# tty) frozen with --kill in one tmux window and resumed in a new one of
# another size: it is still raw on the NEW terminal (stty from outside, and
# its own tcgetattr), hears of the new size through SIGWINCH, and reads a
# single key sent without Enter (progs/raw.c).
command -v tmux >/dev/null || fail "tmux is not installed (run tools/install-deps.sh)"
S=$T/tmux.sock
tm() { timeout -k 2 20 tmux -S "$S" -f /dev/null "$@"; }
DIAG+=("$T/raw.log" "$T/raw.err" "$T/resume.err")
export TERM=${TERM:-xterm}
[ "$TERM" = dumb ] && export TERM=xterm
tm new-session -d -s orig -x 80 -y 24 "exec '$B/launch' '$B/raw' '$T/raw.log' 2>'$T/raw.err'" ||
	fail "tmux new-session failed"
track "$(tm display-message -p -t orig '#{pid}')"	# the tmux server
tm set-option -g remain-on-exit on >/dev/null
P=$(tm display-message -p -t orig '#{pane_pid}')
track "$P"
wait_line "$T/raw.log" "^$P ready" 30 "$P"
tm send-keys -t orig a
wait_line "$T/raw.log" "^$P key 61 .*icanon=0 echo=0" 20 "$P"
freeze_ok --kill "$P" -o "$T/app.cryo"
wait_dead "$P"

tm new-session -d -s new -x 100 -y 30 "exec '$B/launch' '$T/app.cryo' 2>'$T/resume.err'" ||
	fail "tmux new-session for the resume failed"
R=$(tm display-message -p -t new '#{pane_pid}')
track "$R"
tty=$(tm display-message -p -t new '#{pane_tty}')
note "original pid $P, resumed pid $R on $tty"
# Raw mode, seen from outside (stty), once the image has restored it.
for i in $(seq 200); do
	s=$(stty -a -F "$tty" 2>/dev/null)
	case $s in *-icanon*-echo\ *) break ;; esac
	alive "$R" || fail "the resumed process died (state '$(pstate "$R")')"
	sleep 0.05
done
case $s in *-icanon*-echo\ *) ;; *) fail "the new terminal $tty is not raw: $(echo "$s" | grep -o -- '-*icanon\|-*echo ' | tr '\n' ' ')" ;; esac
# The image sends itself SIGWINCH so that full-screen programs redraw: it
# must interrupt the read() the program is blocked in, as the kernel's own
# SIGWINCH would, without waiting for a key.
for i in $(seq 100); do
	grep -q "^$R winch" "$T/raw.log" && break
	alive "$R" || fail "the resumed process died (state '$(pstate "$R")')"
	sleep 0.05
done
tm send-keys -t new b
wait_line "$T/raw.log" "^$R key 62 " 20 "$R"
grep -q "^$R key 62 lflag=[0-7]* icanon=0 echo=0 tty=$tty\$" "$T/raw.log" ||
	fail "key read in the wrong mode or on the wrong terminal: $(grep "^$R key 62" "$T/raw.log")"
[ "$(grep -c "^$R key" "$T/raw.log")" = 1 ] || fail "expected exactly one key read after the resume"
grep -q "^$R winch" "$T/raw.log" || fail "no SIGWINCH reached the resumed program"
grep -q "^$R winch size=30x100 tty=$tty\$" "$T/raw.log" ||
	fail "SIGWINCH did not interrupt the blocked read(): $(grep "^$R winch" "$T/raw.log")"
tm kill-server 2>/dev/null
true
