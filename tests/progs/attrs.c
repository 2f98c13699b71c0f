/* attrs: process attributes come back: nice, scheduling policy,
 * personality, no_new_privs, dumpable (with -n, root only), the parent
 * death signal, the child subreaper bit, and a pending alarm().  Every
 * tick compares them with their values at start (kinds.h).
 * usage: attrs [-n] */
#include "common.h"
#include "kinds.h"

int main(int argc, char **argv)
{
	t_init();
	k_attrs_setup(argc > 1 && !strcmp(argv[1], "-n"));
	t_state_init();
	say("ready");
	for (;;) {
		t_state_check();
		k_attrs_check();
		if (t_moved())
			say("attrs ok");
		t_tick();
		t_sleep_ms(100);
	}
}
