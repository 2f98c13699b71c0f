# Unlinked files, open and mapped, come back with contents, offsets, mode,
# one file behind the fds and the shared mapping, and st_nlink == 0
# (progs/unlinked.c).  The directory of one of them is gone at resume: it
# is made in $TMPDIR instead.  --max-unlinked refuses a file too large,
# naming the fd and the size.
mkdir d
start out unlinked "$T/d"
ORIG=$PID
ready out "$ORIG"
run_freeze --max-unlinked=1M "$ORIG" -o "$T/small.cryo"
[ "$FRC" = 3 ] || fail "--max-unlinked=1M: freeze exited with $FRC, expected 3"
grep -q "fd 10 .*3145851 bytes.*max-unlinked" "$FERR" || fail "the refusal does not name fd 10 and its size: $(head -c 300 "$FERR")"
[ -e "$T/small.cryo" ] && fail "a refused freeze left an image"
keeps_running out "$ORIG" 2
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
rm -rf d/sub
mkdir tmp
TMPDIR=$T/tmp resume "$T/app.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
l=$(readlink "/proc/$RPID/fd/12")
case $l in "$T/tmp/"*) ;; *) fail "fd 12 was not made in \$TMPDIR: $l" ;; esac
left=$(find d tmp -mindepth 1)
[ -z "$left" ] || fail "files left with a name: $left"
finish "$RPID"
