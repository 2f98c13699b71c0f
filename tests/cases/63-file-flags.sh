# Status flags O_APPEND, O_NONBLOCK, O_SYNC, O_NOATIME and O_DIRECT come
# back (F_GETFL equal), and a directory, /dev/null, /dev/zero and
# /dev/urandom work as before (progs/fileflags.c).
mkdir data
basic_cycle out fileflags "$T/data"
wait_line out "^$RPID files ok" 20 "$RPID"
n=$(count_ticks out "$RPID")
wait_ticks out "$RPID" $((n + 3))
finish "$RPID"
