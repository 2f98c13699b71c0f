# Corrupt and truncated images are detected before anything changes: run as
# ./app.cryo each prints exactly one line on stderr and exits with status 1
# (no signal, no hang, no core), and the program does not resume.
# cryo-info --verify accepts the good image and rejects every bad one.
start out counter
ORIG=$PID
ready out "$ORIG"
freeze_ok "$ORIG" -o "$T/good.cryo"
finish "$ORIG"
"$INFO" --verify "$T/good.cryo" >"$T/info.out" 2>&1 || fail "cryo-info --verify rejects the good image: $(head -c 300 "$T/info.out")"
read -r _ size _ data_off _ rec_off _ rec_len _ nchunks _ chunk_off _ chunk_len < <("$B/imgpoke" "$T/good.cryo" info) ||
	fail "imgpoke cannot read the good image"
[ "$chunk_len" -gt 0 ] || fail "the image has no memory chunk"
note "size $size data_off $data_off records $rec_off+$rec_len chunks $nchunks largest at $chunk_off+$chunk_len"
cp out out.before
ulimit -c 0
n=0
bad() {	# NAME: run $T/bad.cryo and check it fails cleanly
	n=$((n + 1))
	local err=$T/bad.$n.err rc
	DIAG+=("$err")
	(cd "$T" && exec timeout -k 2 15 "$B/launch" ./bad.cryo) </dev/null >"$T/bad.$n.out" 2>"$err"
	rc=$?
	[ "$rc" = 1 ] || fail "$1: the image exited with status $rc, expected 1 ($(head -c 200 "$err"))"
	[ "$(wc -l <"$err")" = 1 ] && [ "$(wc -c <"$err")" -gt 5 ] ||
		fail "$1: expected one line on stderr, got $(wc -l <"$err") lines: $(head -c 300 "$err")"
	cmp -s out out.before || fail "$1: the program resumed: $(diff out.before out | tail -n 1)"
	for c in "$T"/core*; do [ -e "$c" ] && fail "$1: a core file appeared"; done
	if "$INFO" --verify "$T/bad.cryo" >/dev/null 2>&1; then fail "$1: cryo-info --verify accepts it"; fi
	note "$1: $(cat "$err")"
}
flip() {	# NAME OFFSET
	cp "$T/good.cryo" "$T/bad.cryo"
	"$B/imgpoke" "$T/bad.cryo" flip "$2" || fail "imgpoke flip $2"
	bad "$1 (byte $2 flipped)"
}
cut_at() {	# NAME LENGTH
	head -c "$2" "$T/good.cryo" >"$T/bad.cryo"
	chmod 700 "$T/bad.cryo"
	bad "$1 (truncated to $2 bytes)"
}
flip "record area, middle" $((rec_off + rec_len / 2))
flip "record area, first header" $((rec_off + 1))
flip "memory chunk" $((chunk_off + chunk_len / 2))
flip "trailer magic" $((size - 64))
flip "trailer records offset" $((size - 64 + 24))
flip "trailer checksum" $((size - 2))
cut_at "last byte missing" $((size - 1))
cut_at "trailer missing" $((size - 64))
cut_at "cut in the record area" $((rec_off + rec_len / 2))
cut_at "cut in a memory chunk" $((chunk_off + chunk_len / 2))
cut_at "only the stub left" "$data_off"
