/* locks: POSIX record locks, a flock() lock and an OFD lock on files in
 * DIR (fds 20-22, kinds.h) are held again after a resume: each tick reads
 * them back from /proc/self/fdinfo; the test checks them from outside.
 * usage: locks DIR */
#include "common.h"
#include "kinds.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	t_init();
	k_locks_setup(argv[1]);
	t_state_init();
	k_locks_check();
	say("ready");
	for (;;) {
		t_state_check();
		/* /proc reads open a descriptor: not while the freezer may come */
		if (!t_is_orig())
			k_locks_check();
		if (t_moved())
			say("locks ok");
		t_tick();
		t_sleep_ms(100);
	}
}
