# The same with a static PIE executable (-static-pie).
basic_cycle out counter-static-pie
finish "$RPID"
