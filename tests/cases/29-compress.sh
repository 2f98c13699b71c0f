# Each codec (--compress=none, zlib, zstd) gives an image that cryo-info
# verifies and that resumes a 32 MiB half-random heap intact (progs/heap.c).
start out heap 32
ORIG=$PID
ready out "$ORIG" 2
declare -A t0
for c in none zlib zstd; do
	t0[$c]=$(last_tick out "$ORIG")
	freeze_ok --compress=$c "$ORIG" -o "$T/$c.cryo"
	"$INFO" --verify "$T/$c.cryo" >"$T/info.$c" 2>&1 || fail "cryo-info --verify rejects the $c image: $(head -c 300 "$T/info.$c")"
	note "$c: $(stat -c %s "$T/$c.cryo") bytes"
done
finish "$ORIG"
for c in none zlib zstd; do
	resume "$T/$c.cryo"
	wait_ticks out "$RPID" 3
	check_ticks out "$ORIG" "$RPID" "${t0[$c]}" 3
	finish "$RPID"
done
