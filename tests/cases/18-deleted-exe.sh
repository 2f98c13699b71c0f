# The executable was deleted after the program started: the image carries
# its contents and resumes anyway.
cp "$B/counter" "$T/exe-copy"
start out "$T/exe-copy"
ORIG=$PID
ready out "$ORIG"
rm "$T/exe-copy"
wait_ticks out "$ORIG" $(($(count_ticks out "$ORIG") + 1))	# it ticks on with its file deleted
t0=$(last_tick out "$ORIG")
freeze_ok --kill "$ORIG" -o "$T/app.cryo"
wait_dead "$ORIG"
resume "$T/app.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$ORIG" "$RPID" "$t0" 5
finish "$RPID"
