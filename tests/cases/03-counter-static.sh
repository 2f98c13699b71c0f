# The same with a statically linked executable (-static: TLS set up by the
# static libc, no dynamic loader, no shared libraries).
basic_cycle out counter-static
finish "$RPID"
