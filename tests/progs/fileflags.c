/* fileflags: status flags (O_APPEND, O_NONBLOCK, O_SYNC, O_NOATIME,
 * O_DIRECT), a directory, /dev/null, /dev/zero and /dev/urandom come back
 * (fds 30-35, kinds.h).  With -m, fd 36 is a file the test removes before
 * resuming with --skip-missing: it must then be closed.
 * usage: fileflags [-m] DIR */
#include "common.h"
#include "kinds.h"

int main(int argc, char **argv)
{
	int missing = argc > 2 && !strcmp(argv[1], "-m");
	if (argc < 2)
		return 2;
	t_init();
	k_files_setup(argv[argc - 1], missing);
	t_state_init();
	say("ready");
	for (;;) {
		t_state_check();
		k_files_check(!t_is_orig());
		if (t_moved())
			say("files ok");
		t_tick();
		t_sleep_ms(100);
	}
}
