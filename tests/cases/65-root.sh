# A process that chroot()ed: its root comes back (root only, as chroot
# needs privilege); resumed by an unprivileged user, the image refuses
# clearly, before changing anything.
is_root || skip "needs root (chroot)"
mkdir -p jail
touch jail/inside
start out chrooted "$T/jail"
ORIG=$PID
ready out "$ORIG"
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo"
wait_line out "^$RPID root ok" 20 "$RPID"
[ "$(readlink "/proc/$RPID/root")" = "$T/jail" ] || fail "root is $(readlink "/proc/$RPID/root"), expected $T/jail"
finish "$RPID"
chmod 755 "$T/app.cryo"
chmod o+w out out.err
DIAG+=("$T/user.err")
timeout -k 5 30 setpriv --reuid="${CRYO_TEST_USER:-cryotest}" --regid="${CRYO_TEST_USER:-cryotest}" --clear-groups \
	"$B/launch" "$T/app.cryo" </dev/null >/dev/null 2>"$T/user.err"
rc=$?
[ "$rc" != 0 ] && [ "$rc" -lt 124 ] || fail "an unprivileged resume of a chroot()ed process ended with $rc"
grep -q "jail" "$T/user.err" || fail "the refusal does not name the root: $(head -c 300 "$T/user.err")"
true
