# The same with a non-PIE executable (fixed addresses, -no-pie).
basic_cycle out counter-nopie
finish "$RPID"
