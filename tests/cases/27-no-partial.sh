# A freeze that fails leaves no file, partial or temporary, and with --kill
# does not kill: the output cannot be written (file size limit, so the write
# fails with EFBIG), or its directory does not exist.  The target goes on.
start out counter
P=$PID
ready out "$P"
mkdir img
NFREEZE=$((NFREEZE + 1))
FERR=$T/freeze.$NFREEZE.err
DIAG+=("$FERR")
(ulimit -f 64 && trap '' XFSZ && exec timeout -k 5 60 "$FREEZE" --kill "$P" -o "$T/img/app.cryo") 2>"$FERR" >/dev/null
FRC=$?
[ "$FRC" = 1 ] || fail "freeze with a 64 KiB file size limit exited with $FRC, expected 1"
[ -s "$FERR" ] || fail "no error message"
[ -z "$(ls -A img)" ] || fail "files left behind: $(ls -A img)"
keeps_running out "$P" 3
run_freeze --kill "$P" -o "$T/nodir/app.cryo"
[ "$FRC" = 1 ] || fail "freeze into a missing directory exited with $FRC, expected 1"
[ -e "$T/nodir" ] && fail "the missing directory was created"
keeps_running out "$P" 3
finish "$P"
