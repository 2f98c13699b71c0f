/* chrooted: a process that chroot()ed into DIR (root only) and ticks.
 * usage: chrooted DIR */
#include "common.h"

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	t_init();
	if (chroot(argv[1]) || chdir("/"))
		fail("chroot %s: %s", argv[1], strerror(errno));
	struct stat st;
	if (stat("/inside", &st))
		fail("/inside is not there after chroot");
	say("ready");
	for (;;) {
		if (stat("/inside", &st))
			fail("/inside is not there: the root changed");
		if (t_moved())
			say("root ok");
		t_tick();
		t_sleep_ms(100);
	}
}
