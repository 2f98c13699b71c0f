# freeze -o - streams the image to stdout: piped into a file it resumes, and
# no file appears in the working directory.
start out counter
ORIG=$PID
ready out "$ORIG"
t0=$(last_tick out "$ORIG")
mkdir cwd
DIAG+=("$T/freeze.err")
(cd cwd && timeout -k 5 60 "$FREEZE" --kill "$ORIG" -o - 2>"$T/freeze.err" | cat >"$T/piped.cryo"; exit "${PIPESTATUS[0]}")
rc=$?
[ "$rc" = 0 ] || fail "freeze -o - | cat exited with $rc"
[ -z "$(ls -A cwd)" ] || fail "files left in the working directory: $(ls -A cwd)"
wait_dead "$ORIG"
chmod 700 "$T/piped.cryo"
resume "$T/piped.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
