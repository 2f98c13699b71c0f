# /proc/self/cmdline, /proc/self/environ and the process name (PR_SET_NAME)
# of the resumed process are those of the original, not of ./app.cryo: the
# target compares them byte for byte every tick (counter -c).
export CRYO_MARK=frozen-and-thawed
basic_cycle out counter -c alpha "beta gamma" "" "d=e"
finish "$RPID"
args=$(tr '\0' ' ' <"/proc/self/cmdline")	# the check itself runs in the target
