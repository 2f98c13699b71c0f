# A dynamically linked PIE program (the usual build) frozen with --kill and
# resumed: it goes on counting from where it was, with its TLS, registers and
# signal state intact (tests/progs/counter.c).
basic_cycle out counter
finish "$RPID"
