/* block: a process frozen while sleeping or blocked in a system call.
 *
 * usage: block sleep
 *   Ticks after sleeps of 200 ms, rotating nanosleep (restarted with the
 *   remainder on EINTR), relative clock_nanosleep(CLOCK_MONOTONIC) and
 *   absolute clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME).  Each sleep must
 *   last at least what was asked (a lower bound: it cannot be flaky).  A
 *   SIGUSR1 handler without SA_RESTART lets a test interrupt the sleeps.
 *
 * usage: block sigsuspend|pause|poll|sigtimedwait
 *   Prints "waiting NR" (NR: the system call it is about to block in, as
 *   /proc/PID/syscall shows it), blocks there until SIGUSR1 arrives, checks
 *   it was SIGUSR1 that woke it, prints "woken", then ticks every 50 ms.
 *   The test sends SIGUSR1 only once /proc/PID/syscall shows the resumed
 *   process blocked in NR again.
 */
#include "common.h"
#include <poll.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1++; }

static void sleep_loop(void)
{
	const long ms = 200;
	for (;;) {
		int kind = (int)(t_ticks % 3);
		double t0 = t_now(CLOCK_MONOTONIC);
		struct timespec ts = { 0, ms * 1000000L }, rem;
		if (kind == 0) {
			while (nanosleep(&ts, &rem) != 0) {
				if (errno != EINTR)
					fail("nanosleep: %s", strerror(errno));
				ts = rem;
			}
		} else if (kind == 1) {
			int e;
			while ((e = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &rem)) != 0) {
				if (e != EINTR)
					fail("clock_nanosleep: %s", strerror(e));
				ts = rem;
			}
		} else {
			struct timespec dl;
			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_nsec += ms * 1000000L;
			if (dl.tv_nsec >= 1000000000L)
				dl.tv_sec++, dl.tv_nsec -= 1000000000L;
			int e;
			while ((e = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &dl, NULL)) != 0)
				if (e != EINTR)
					fail("clock_nanosleep(TIMER_ABSTIME): %s", strerror(e));
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			if (now.tv_sec < dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec < dl.tv_nsec))
				fail("absolute sleep returned before its deadline");
		}
		double el = t_now(CLOCK_MONOTONIC) - t0;
		if (el < (double)ms / 1000 - 1e-6)
			fail("sleep kind %d lasted %.6f s, asked %.3f s", kind, el, (double)ms / 1000);
		t_tick();
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "sleep";
	t_init();
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	if (strcmp(mode, "sleep") == 0) {
		say("ready");
		sleep_loop();
	}

	sigset_t usr1, empty;
	sigemptyset(&usr1);
	sigemptyset(&empty);
	sigaddset(&usr1, SIGUSR1);
	long r, nr;
	if (strcmp(mode, "sigsuspend") == 0) {
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		nr = SYS_rt_sigsuspend;
		say("ready");
		say("waiting %ld", nr);
		r = syscall(SYS_rt_sigsuspend, &empty, 8);
		if (r != -1 || errno != EINTR || got_usr1 != 1)
			fail("rt_sigsuspend returned %ld errno %d, SIGUSR1 seen %d times", r, errno, (int)got_usr1);
	} else if (strcmp(mode, "pause") == 0) {
		nr = SYS_pause;
		say("ready");
		say("waiting %ld", nr);
		r = syscall(SYS_pause);
		if (r != -1 || errno != EINTR || got_usr1 != 1)
			fail("pause returned %ld errno %d, SIGUSR1 seen %d times", r, errno, (int)got_usr1);
	} else if (strcmp(mode, "poll") == 0) {
		nr = SYS_poll;
		say("ready");
		say("waiting %ld", nr);
		/* A poll interrupted by a freeze returns -ERESTART_RESTARTBLOCK to
		 * the tracer; a resumed copy may see that as EINTR without any
		 * signal (CRIU does the same).  Careful programs retry: so do we,
		 * but say so, for the test to report. */
		while ((r = syscall(SYS_poll, NULL, 0, -1)) == -1 && errno == EINTR && !got_usr1)
			say("spurious EINTR from poll");
		if (r != -1 || errno != EINTR || got_usr1 != 1)
			fail("poll returned %ld errno %d, SIGUSR1 seen %d times", r, errno, (int)got_usr1);
	} else if (strcmp(mode, "sigtimedwait") == 0) {
		/* A ptrace stop interrupts rt_sigtimedwait with EINTR (a kernel
		 * property): like any careful program, wait again. */
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		nr = SYS_rt_sigtimedwait;
		say("ready");
		say("waiting %ld", nr);
		struct timespec hour = { 3600, 0 };
		siginfo_t si;
		while ((r = syscall(SYS_rt_sigtimedwait, &usr1, &si, &hour, 8)) == -1 && errno == EINTR)
			;
		if (r != SIGUSR1 || si.si_signo != SIGUSR1)
			fail("rt_sigtimedwait returned %ld (errno %d)", r, errno);
	} else {
		fail("unknown mode %s", mode);
	}
	say("woken");
	for (;;) {
		t_tick();
		t_sleep_ms(50);
	}
}
