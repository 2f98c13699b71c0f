# The program break: the resumed process grows it with sbrk() from exactly
# where it was, /proc/self/maps shows [heap] up to the break, and malloc'd
# blocks (main arena, in the brk heap) are intact (progs/brk.c).
basic_cycle out brk
wait_ticks out "$RPID" 12
finish "$RPID"
