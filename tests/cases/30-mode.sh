# The image is created mode 0700 (it holds all the process's memory) whatever
# the umask, and owned by the user who froze.
start out counter
P=$PID
ready out "$P" 1
for u in 000 022 077; do
	umask "$u"
	freeze_ok "$P" -o "$T/m$u.cryo"
	umask 022
	m=$(stat -c %a "$T/m$u.cryo")
	[ "$m" = 700 ] || fail "with umask $u the image has mode $m, expected 700"
	[ "$(stat -c %u "$T/m$u.cryo")" = "$(id -u)" ] || fail "the image is not owned by the user"
done
finish "$P"
