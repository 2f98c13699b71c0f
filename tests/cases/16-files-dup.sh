# Two fds sharing one open file description (dup) still share it after the
# resume: reading through one moves the other's offset (progs/files.c -d).
mkdir data
basic_cycle out files -d "$T/data"
finish "$RPID"
