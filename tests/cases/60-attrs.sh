# Process attributes come back (progs/attrs.c checks them every tick):
# nice, scheduling policy, personality, no_new_privs, the parent death
# signal, the child subreaper bit, a pending alarm(), and (as root, who may
# trace such a process) dumpable 0.
if is_root; then basic_cycle out attrs -n; else basic_cycle out attrs; fi
wait_line out "^$RPID attrs ok" 20 "$RPID"
grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$RPID/status" || fail "NoNewPrivs is not 1 from outside"
n=$(count_ticks out "$RPID")
wait_ticks out "$RPID" $((n + 3))
has_fail out && fail "$(grep -m1 FAIL out)"
finish "$RPID"
