# A 256 MiB heap, half pseudo-random and half zero (plus 16 MiB never
# touched): every byte checked after the resume (progs/heap.c), and the
# zero half must not be stored as data (the image stays well under 256 MiB).
basic_cycle out heap 256
finish "$RPID"
size=$(stat -c %s "$IMG")
note "image size $size bytes"
[ "$size" -lt $((200 << 20)) ] || fail "image is $size bytes: zero pages seem stored as data"
