# A resumed process is frozen again and its image resumed: the second
# generation goes on from where the first was, with the original command
# line (counter -c).
export CRYO_MARK=generations
basic_cycle out counter -c gen
R1=$RPID
t1=$(last_tick out "$R1")
freeze_ok --kill "$R1" -o "$T/gen2.cryo"
wait_dead "$R1"
[ "$DEAD_RC" = 137 ] || fail "freeze --kill: the first generation ended with status $DEAD_RC"
resume "$T/gen2.cryo"
wait_ticks out "$RPID" 5
check_ticks out "$R1" "$RPID" "$t1" 5
finish "$RPID"
