# A FIFO comes back by path with its unread bytes, capacity and flags
# (progs/fifo.c); removed before the resume, it is made again (mkfifo,
# same mode); opening never blocks.
mkdir d
start out fifo "$T/d"
ORIG=$PID
ready out "$ORIG"
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
# again from the same image, the FIFO gone
rm -f d/f
t0=$(last_tick out "$RPID")
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
[ -p d/f ] || fail "d/f was not made again as a FIFO"
finish "$RPID"
