/* allkinds: one process holding every kind supported so far at once:
 * handlers (or SIG_IGN) on all 64 signals with their flags and masks, a
 * blocked mask, pending signals (thread: SIGUSR2 by tgkill; process:
 * SIGRTMIN+5 by sigqueue), a sigaltstack, process attributes and
 * alarm(), POSIX timers, locks, file status flags and devices (kinds.h).
 * usage: allkinds [-n] DIR   (-n: also non-dumpable, root only) */
#include "common.h"
#include "kinds.h"

static uint8_t altstack[64 << 10];

static void check_pending(void)
{
	sigset_t p;
	sigpending(&p);
	if (!sigismember(&p, SIGUSR2) || !sigismember(&p, SIGRTMIN + 5))
		fail("SIGUSR2 or SIGRTMIN+5 is no longer pending");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	t_init();
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	if (sigaltstack(&ss, NULL))
		fail("sigaltstack: %s", strerror(errno));
	const int skip[] = { SIGRTMIN + 1, SIGRTMIN + 2, SIGALRM };
	k_signals_setup(skip, 3);
	sigset_t blk;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigaddset(&blk, SIGRTMIN + 5);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
	sigqueue(getpid(), SIGRTMIN + 5, (union sigval){ .sival_int = 4242 });
	k_attrs_setup(argc > 2 && !strcmp(argv[1], "-n"));
	k_timers_setup();
	k_locks_setup(argv[argc - 1]);
	k_files_setup(argv[argc - 1], 0);
	t_state_init();
	t_sleep_ms(200);
	k_locks_check();
	say("ready");
	for (;;) {
		t_state_check();
		check_pending();
		k_attrs_check();
		k_timers_check();
		/* /proc reads open a descriptor: not while the freezer may come */
		if (!t_is_orig())
			k_locks_check();
		k_files_check(!t_is_orig());
		stack_t cur;
		if (sigaltstack(NULL, &cur) || cur.ss_sp != altstack || cur.ss_size != sizeof(altstack))
			fail("sigaltstack changed");
		if (t_moved())
			say("all ok");
		t_tick();
		t_sleep_ms(200);
	}
}
