# Helpers for the test cases (tests/cases/*.sh), sourced by tests/case.sh.
#
# Environment (set by tests/run.sh):
#   B        directory holding freeze, cryo-info and the test programs
#   T        this test's own empty directory (the current directory)
#   CRYO_AS  root | user (unprivileged, run by root's runner) | self
#
# A target is started with `start OUT PROG ARGS...`: stdin /dev/null,
# stdout appended (O_APPEND) to OUT, stderr to OUT.err, only fds 0-2 open.
# Every line a target writes is "PID text" (see tests/progs/common.h), so the
# original and any resumed copies share OUT and are told apart by pid.
# Every process a test starts is recorded in $T/.pids; the cleanup kills
# those (and only those) still alive.  Every wait has a timeout.

FREEZE=$B/freeze
INFO=$B/cryo-info
DIAG=()		# files whose tails are shown when the test fails
NFREEZE=0
NRESUME=0

note() { echo "# $*" >&2; }
# warn: a tolerated deviation, shown under the PASS line.
warn() { echo "WARN: $*" >&2; }

lib_diag() {
	local f seen=" "
	for f in "${DIAG[@]}"; do
		case $seen in *" $f "*) continue ;; esac
		seen="$seen$f "
		[ -s "$f" ] || continue
		echo "--- ${f#"$T"/} (last lines)" >&2
		tail -n 12 "$f" | cut -c1-300 | sed 's/^/    /' >&2
	done
}

fail() {
	echo "FAIL: $*" >&2
	lib_diag
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# Field 22 of /proc/PID/stat (start time): tells a pid from a reused one.
starttime() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	set -- $s
	echo "${20}"
}

track() {
	local st
	st=$(starttime "$1") && echo "$1 $st" >>"$T/.pids"
	return 0
}

# One-letter process state (R S D T t Z ...), empty if gone.
pstate() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	s=${s##*) }
	echo "${s%% *}"
}

alive() {
	case $(pstate "$1") in "" | Z | X) return 1 ;; *) return 0 ;; esac
}

lib_cleanup() {
	local pid st
	[ -S "$T/tmux.sock" ] && timeout 5 tmux -S "$T/tmux.sock" kill-server 2>/dev/null
	[ -f "$T/.pids" ] || return 0
	while read -r pid st; do
		if [ "$(starttime "$pid")" = "$st" ]; then
			kill -KILL "$pid" 2>/dev/null
		fi
	done <"$T/.pids"
	wait 2>/dev/null
	return 0
}

prog() { case $1 in */*) echo "$1" ;; *) echo "$B/$1" ;; esac; }

# start OUT PROG [ARGS...]: sets PID.
start() {
	local out=$1 p
	shift
	p=$(prog "$1")
	shift
	(exec "$B/launch" "$p" "$@" </dev/null >>"$out" 2>>"$out.err") &
	PID=$!
	track "$PID"
	DIAG+=("$out" "$out.err")
}

# resume IMG [ARGS...]: run the image in the background; sets RPID (the
# resumed program's pid) and RERR (its stderr file).
resume() {
	local img=$1
	shift
	NRESUME=$((NRESUME + 1))
	RERR=$T/resume.$NRESUME.err
	# RESUME_WRAP: a command to run the image under (e.g. no-restore-ids)
	(exec ${RESUME_WRAP:-} "$B/launch" "$img" "$@" </dev/null >>"$T/resume.$NRESUME.out" 2>>"$RERR") &
	RPID=$!
	track "$RPID"
	DIAG+=("$T/resume.$NRESUME.out" "$RERR")
}

# run_freeze ARGS...: bin/freeze with a timeout; sets FRC (exit status) and
# FERR (its stderr file).
run_freeze() {
	NFREEZE=$((NFREEZE + 1))
	FERR=$T/freeze.$NFREEZE.err
	timeout -k 5 120 "$FREEZE" "$@" >"$T/freeze.$NFREEZE.out" 2>"$FERR"
	FRC=$?
	DIAG+=("$FERR")
}

# freeze_ok ARGS...: run_freeze, which must succeed.
freeze_ok() {
	run_freeze "$@"
	[ "$FRC" = 0 ] || fail "freeze $* exited with $FRC: $(head -c 300 "$FERR")"
}

has_fail() { grep -q '^[0-9]* FAIL' "$1" 2>/dev/null; }

# wait_line FILE REGEX [SECONDS [PID]]: until a line of FILE matches REGEX.
# Gives up early on a FAIL line or when PID is no longer alive.
wait_line() {
	local file=$1 re=$2 secs=${3:-30} pid=${4:-} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq -- "$re" "$file" 2>/dev/null && return 0
		has_fail "$file" && fail "a target failed: $(grep -m1 '^[0-9]* FAIL' "$file")"
		if [ -n "$pid" ] && ! alive "$pid"; then
			grep -Eq -- "$re" "$file" 2>/dev/null && return 0
			has_fail "$file" && fail "a target failed: $(grep -m1 '^[0-9]* FAIL' "$file")"
			fail "process $pid died (state '$(pstate "$pid")') before printing /$re/ in ${file#"$T"/}"
		fi
		sleep 0.05
	done
	fail "timed out after ${secs}s waiting for /$re/ in ${file#"$T"/}"
}

count_ticks() { grep -c "^$2 tick " "$1" 2>/dev/null; }

last_tick() {
	local l
	l=$(grep "^$2 tick " "$1" 2>/dev/null | tail -n 1)
	echo "${l##* }"
}

# wait_ticks FILE PID N [SECONDS]: until PID has printed N ticks in FILE.
wait_ticks() {
	local file=$1 pid=$2 n=$3 secs=${4:-30} i
	for ((i = 0; i < secs * 20; i++)); do
		[ "$(count_ticks "$file" "$pid")" -ge "$n" ] && return 0
		has_fail "$file" && fail "a target failed: $(grep -m1 '^[0-9]* FAIL' "$file")"
		if ! alive "$pid"; then
			[ "$(count_ticks "$file" "$pid")" -ge "$n" ] && return 0
			has_fail "$file" && fail "a target failed: $(grep -m1 '^[0-9]* FAIL' "$file")"
			fail "process $pid died (state '$(pstate "$pid")') after $(count_ticks "$file" "$pid") ticks, expected $n"
		fi
		sleep 0.05
	done
	fail "timed out after ${secs}s: process $pid printed $(count_ticks "$file" "$pid") ticks, expected $n"
}

# wait_dead PID [SECONDS]: until PID is a zombie or gone; then reap it if it
# is our child and set DEAD_RC to its wait status.
wait_dead() {
	local pid=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		alive "$pid" || break
		sleep 0.05
	done
	alive "$pid" && fail "process $pid still alive after ${secs}s"
	wait "$pid" 2>/dev/null
	DEAD_RC=$?
}

# check_ticks FILE ORIG RPID T0 K: the run recorded in FILE is right:
#  - no FAIL line;
#  - every pid's ticks are consecutive;
#  - RPID printed at least K ticks, starting right after the freeze point:
#    after tick T0 (seen before the freeze began) and at most one past the
#    original's last tick.
check_ticks() {
	local msg
	msg=$(awk -v orig="$2" -v rp="$3" -v t0="$4" -v k="$5" '
		$2 == "FAIL:" { print "a target failed: " $0; bad = 1; exit }
		$2 == "tick" {
			p = $1; n = $3 + 0
			if (p in last) {
				if (n != last[p] + 1) { print "pid " p ": tick " n " follows tick " last[p]; bad = 1; exit }
			} else first[p] = n
			last[p] = n; cnt[p]++
		}
		END {
			if (bad) exit 1
			if (cnt[rp] < k) { print "resumed pid " rp " printed " cnt[rp] + 0 " ticks, expected " k; exit 1 }
			if (first[rp] <= t0) { print "resumed pid " rp " began at tick " first[rp] ", but tick " t0 " was printed before the freeze"; exit 1 }
			if (orig != "" && first[rp] > last[orig] + 1) { print "resumed pid " rp " began at tick " first[rp] ", the original only reached " last[orig]; exit 1 }
		}' "$1") || fail "$msg"
}

# check_consecutive FILE: no FAIL line, and every pid's ticks consecutive.
check_consecutive() {
	local msg
	msg=$(awk '
		$2 == "FAIL:" { print "a target failed: " $0; bad = 1; exit }
		$2 == "tick" {
			p = $1; n = $3 + 0
			if ((p in last) && n != last[p] + 1) { print "pid " p ": tick " n " follows tick " last[p]; bad = 1; exit }
			last[p] = n
		}
		END { exit bad }' "$1") || fail "$msg"
}

# keeps_running FILE PID [N]: PID is not stopped and prints N (default 3)
# more consecutive ticks.
keeps_running() {
	local n
	case $(pstate "$2") in
	T | t) fail "process $2 was left stopped (state $(pstate "$2"))" ;;
	"" | Z | X) fail "process $2 is gone" ;;
	esac
	n=$(count_ticks "$1" "$2")
	wait_ticks "$1" "$2" $((n + ${3:-3}))
	check_consecutive "$1"
}

# finish PID: PID must still be alive; kill it.
finish() {
	alive "$1" || fail "process $1 is no longer running (state '$(pstate "$1")')"
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# ready OUT PID [TICKS]: wait for "ready" and TICKS (default 3) ticks.
ready() {
	wait_line "$1" "^$2 ready" 60 "$2"
	wait_ticks "$1" "$2" "${3:-3}" 60
}

# basic_cycle OUT PROG [ARGS...]: start PROG, freeze it with --kill, check
# the original was killed, resume the image and check the resumed copy ticks
# on from where the original was.  Leaves ORIG, RPID (still running), IMG.
basic_cycle() {
	local out=$1
	shift
	start "$out" "$@"
	ORIG=$PID
	ready "$out" "$ORIG"
	local t0
	t0=$(last_tick "$out" "$ORIG")
	IMG=$T/app.cryo
	freeze_ok --kill "$ORIG" -o "$IMG"
	wait_dead "$ORIG"
	[ "$DEAD_RC" = 137 ] || fail "freeze --kill: the original ended with status $DEAD_RC, not by SIGKILL"
	resume "$IMG"
	wait_ticks "$out" "$RPID" 5
	check_ticks "$out" "$ORIG" "$RPID" "$t0" 5
}

is_root() { [ "$(id -u)" = 0 ]; }

# --- tmux, for real terminal programs (80-89), on top of tmux_init and
# tmux_session below.
# screen NAME: the visible text of the pane (also kept in $T/screen.NAME,
# shown when the test fails).
screen() {
	case " ${DIAG[*]} " in *" $T/screen.$1 "*) ;; *) DIAG+=("$T/screen.$1") ;; esac
	tm capture-pane -p -t "$1" | tee "$T/screen.$1"
}

# wait_for_screen NAME REGEX [SECONDS [PID]]: until the pane shows a line
# matching REGEX (grep -E).  Gives up early when PID has died.
wait_for_screen() {
	local name=$1 re=$2 secs=${3:-20} pid=${4:-} i
	for ((i = 0; i < secs * 10; i++)); do
		screen "$name" | grep -Eq -- "$re" && return 0
		if [ -n "$pid" ] && ! alive "$pid"; then
			screen "$name" | grep -Eq -- "$re" && return 0
			fail "process $pid died (state '$(pstate "$pid")') before the screen of $name showed /$re/"
		fi
		sleep 0.1
	done
	fail "timed out after ${secs}s waiting for /$re/ on the screen of $name"
}

# pane_dead NAME: the pane's program has exited (remain-on-exit keeps it).
pane_dead() { [ "$(tm display-message -p -t "$1" '#{pane_dead}')" = 1 ]; }

# wait_pane_dead NAME [SECONDS]
wait_pane_dead() {
	local i
	for ((i = 0; i < ${2:-20} * 10; i++)); do
		pane_dead "$1" && return 0
		sleep 0.1
	done
	fail "the program in $1 did not exit within ${2:-20}s"
}

# tm_resume NAME COLS ROWS IMG: run IMG in a new window the way a user does,
# from a shell; the shell writes `stty -a` to $T/stty.NAME once the image
# exits and then waits.  Sets RPID (the resumed program) and RERR.
tm_resume() {
	local name=$1 img=$4 i
	RERR=$T/resume.$name.err
	DIAG+=("$RERR")
	tmux_session "$name" "$2" "$3" "sh -c 'echo \$\$ >$T/rpid.$name; exec $B/launch $img' 2>$RERR; stty -a >$T/stty.$name; exec sleep 600"
	for ((i = 0; i < 100; i++)); do
		[ -s "$T/rpid.$name" ] && break
		sleep 0.05
	done
	RPID=$(cat "$T/rpid.$name" 2>/dev/null) || fail "no pid from the resume in $name"
	track "$RPID"
}

# wait_sane NAME: after the resumed program exited, its terminal is back in
# canonical mode with echo (what the shell saw right after).
wait_sane() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$T/stty.$1" ] && break
		sleep 0.1
	done
	[ -s "$T/stty.$1" ] || fail "the shell in $1 did not get its terminal back"
	grep -q -- '-icanon' "$T/stty.$1" && fail "terminal left without icanon: $(cat "$T/stty.$1")"
	grep -Eq -- '(^| )-echo( |$)' "$T/stty.$1" && fail "terminal left without echo: $(cat "$T/stty.$1")"
	true
}

# ---- tmux: a private server per test (tests 33, 80-99) -------------------
# tmux_init: checks tmux, sets TMUX_SOCK (the test's private server), a sane
# TERM, and HOME=$T (the unprivileged user has no home).  tm ARGS... runs a
# tmux command on that server with a timeout.  The server is tracked (and so
# killed by the cleanup) by tmux_session.
tmux_init() {
	command -v tmux >/dev/null || fail "tmux is not installed (run tools/install-deps.sh)"
	TMUX_SOCK=$T/tmux.sock
	export HOME=$T
	export TERM=${TERM:-xterm}
	[ "$TERM" = dumb ] && export TERM=xterm
	unset TMUX
	return 0
}
tm() { timeout -k 2 20 tmux -S "$TMUX_SOCK" -f /dev/null "$@"; }
# tmux_session NAME COLS ROWS COMMAND: a detached session running COMMAND
# (kept on exit: remain-on-exit); sets PANE_PID and PANE_TTY.
tmux_session() {
	tm new-session -d -s "$1" -x "$2" -y "$3" "$4" || fail "tmux new-session $1 failed"
	track "$(tm display-message -p -t "$1" '#{pid}')"
	tm set-option -g remain-on-exit on >/dev/null
	PANE_PID=$(tm display-message -p -t "$1" '#{pane_pid}')
	PANE_TTY=$(tm display-message -p -t "$1" '#{pane_tty}')
	track "$PANE_PID"
}
# tmux_shell NAME [COLS ROWS]: a session running an interactive
# `bash --norc -i` with the prompt "$ " (job control on); waits for it.
tmux_shell() {
	tmux_session "$1" "${2:-80}" "${3:-24}" \
		"exec env -i HOME='$T' TERM='$TERM' PATH='$PATH' PS1='$ ' bash --norc --noprofile -i"
	tmux_wait "$1" '^\$' 20
}
# tmux_screen NAME: the visible screen.
tmux_screen() { tm capture-pane -p -t "$1"; }
# tmux_wait NAME REGEX [SECONDS]: until a line of the screen matches.
tmux_wait() {
	local i
	for ((i = 0; i < ${3:-20} * 20; i++)); do
		tmux_screen "$1" 2>/dev/null | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	echo "--- screen of $1" >&2
	tmux_screen "$1" 2>/dev/null | grep -v '^$' | tail -n 15 | sed 's/^/    /' >&2
	fail "timed out after ${3:-20}s waiting for /$2/ on the screen of $1"
}
# tmux_type NAME TEXT: types TEXT and Enter.
tmux_type() { tm send-keys -t "$1" -l -- "$2" && tm send-keys -t "$1" Enter; }
# wait_state PID STATES [SECONDS]: until PID's state is one of STATES (e.g. T, SR).
wait_state() {
	local i s
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		s=$(pstate "$1")
		case $s in ?) case $2 in *"$s"*) return 0 ;; esac ;; esac
		sleep 0.05
	done
	fail "process $1 is in state '$(pstate "$1")', expected one of '$2' (after ${3:-10}s)"
}
# tty_mode TTY: "raw" if ICANON is off on TTY, else "cooked".
tty_mode() {
	case $(stty -a -F "$1" 2>/dev/null) in *-icanon*) echo raw ;; *) echo cooked ;; esac
}
# shell_tty_cooked NAME: asks the shell of session NAME (at its prompt) how
# the terminal is when it runs a command: fails unless canonical with echo.
# (At the prompt itself readline keeps the terminal in its own raw mode.)
SHELL_TTY_N=0
shell_tty_cooked() {
	SHELL_TTY_N=$((SHELL_TTY_N + 1))
	tmux_type "$1" "stty -a | grep -qw -e -icanon -e -echo && echo RAW\$(($SHELL_TTY_N+1000)) || echo COOKED\$(($SHELL_TTY_N+1000))"
	tmux_wait "$1" "^(RAW|COOKED)$((SHELL_TTY_N + 1000))"
	tmux_screen "$1" | grep -q "^COOKED$((SHELL_TTY_N + 1000))" || fail "commands of the shell run with the terminal raw"
}

# need_userns: skip unless this user may create user namespaces (root may).
need_userns() {
	is_root && return 0
	[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] ||
		skip "user namespaces are disabled (user.max_user_namespaces is 0)"
	[ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 1 ] ||
		skip "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone)"
	[ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null || echo 0)" = 0 ] ||
		skip "AppArmor restricts unprivileged user namespaces"
}

# sp_child RPID PID: the child of RPID that is PID in its innermost pid namespace
sp_child() {
	local c
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		grep -Eq "^NSpid:.*[[:space:]]$2\$" "/proc/$c/status" 2>/dev/null && { echo "$c"; return 0; }
	done
	return 1
}

# wait_blocked OUT PID: until PID printed "waiting NR" in OUT and
# /proc/PID/syscall shows it inside system call NR; sets nr=NR.
wait_blocked() {
	local out=$1 pid=$2 i
	wait_line "$out" "^$pid waiting " 30 "$pid"
	nr=$(awk -v p="$pid" '$1 == p && $2 == "waiting" { print $3 }' "$out")
	for i in $(seq 100); do
		[ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = "$nr" ] && break
		sleep 0.02
	done
}
