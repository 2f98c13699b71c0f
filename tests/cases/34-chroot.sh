# The image is self-contained: it resumes inside an empty chroot (only /proc
# mounted, the output file's directory and /dev/null present): no
# executable, no libraries, no loader.  Needs root (chroot, mount).
is_root || skip "needs root (chroot)"
command -v unshare >/dev/null || fail "unshare (util-linux) missing"
start out counter
ORIG=$PID
ready out "$ORIG"
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
R=$T/root
mkdir -p "$R$T" "$R/proc" "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3
cp out out.err "$R$T/"
cp "$T/app.cryo" "$R/app.cryo"
DIAG+=("$R$T/out" "$T/resume.err")
(exec "$B/launch" "$(command -v unshare)" -m sh -c "mount -t proc proc '$R/proc' && exec chroot '$R' /app.cryo" \
	</dev/null >"$T/resume.out" 2>"$T/resume.err") &
RPID=$!
track "$RPID"
wait_ticks "$R$T/out" "$RPID" 5
check_ticks "$R$T/out" "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
