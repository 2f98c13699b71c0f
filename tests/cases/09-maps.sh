# Every kind of mapping (progs/maps.c): private and shared anonymous,
# read-only, private and shared file mappings (the shared one still writes
# through to its file), a PROT_NONE guard, run-time generated code, a sparse
# 1 GiB area, a MAP_GROWSDOWN area that keeps growing, and the main stack
# growing deeper after the resume than it ever was before.
mkdir data
basic_cycle out maps "$T/data"
wait_ticks out "$RPID" 10
finish "$RPID"
