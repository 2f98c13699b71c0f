# /proc/self/cmdline, /proc/self/environ and the process name (PR_SET_NAME)
# of the resumed process are those of the original, not of ./app.cryo: the
# target compares them byte for byte every tick (counter -c), and the test
# reads /proc/PID/cmdline and /proc/PID/comm of the resumed process too.
export CRYO_MARK=frozen-and-thawed
basic_cycle out counter -c alpha "beta gamma" "" "d=e"
want="$B/counter|-c|alpha|beta gamma||d=e|"
got=$(tr '\0' '|' <"/proc/$RPID/cmdline")
[ "$got" = "$want" ] || fail "/proc/$RPID/cmdline is '$got', expected '$want'"
[ "$(cat "/proc/$RPID/comm")" = cryo-counter ] || fail "/proc/$RPID/comm is '$(cat "/proc/$RPID/comm")'"
finish "$RPID"
