# memfds come back with their name, contents, size, seals and offsets, and
# a MAP_SHARED mapping of one is shared with its fds again (progs/memfd.c).
basic_cycle out memfd
finish "$RPID"
