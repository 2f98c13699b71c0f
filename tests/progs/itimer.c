/* itimer: interval timers keep running across a freeze.
 *
 * ITIMER_REAL fires every 50 ms and drives the ticks: the main loop waits in
 * sigsuspend() for SIGALRM, so without a restored timer there are no more
 * ticks.  ITIMER_VIRTUAL (1000 s, interval 3 s) and ITIMER_PROF (2000 s,
 * interval 5 s) are armed with long values: every tick checks that all three
 * keep their intervals and that the remaining values are set and never grow.
 * A little CPU work each tick lets the virtual/prof timers count down.
 *
 * With -e the process is frozen while ITIMER_REAL has expired but its
 * SIGALRM, blocked, is still pending (getitimer reads value 0, interval
 * 50 ms): the resumed process must get that SIGALRM and then an alarm every
 * 50 ms as before.
 *
 * usage: itimer [-e]
 */
#include "common.h"

static volatile sig_atomic_t alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }

static double tv_d(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

int main(int argc, char **argv)
{
	int expired = argc > 1 && strcmp(argv[1], "-e") == 0;
	t_init();
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	sigset_t alrm, waitmask;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, &waitmask);
	sigdelset(&waitmask, SIGALRM);

	const double ival[3] = { 0.05, 3, 5 }, val0[3] = { expired ? 0.01 : 0.05, 1000, 2000 };
	const int which[3] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };
	const char *names[3] = { "REAL", "VIRTUAL", "PROF" };
	for (int i = 2; i >= 0; i--) {
		struct itimerval it = {
			.it_interval = { (time_t)ival[i], (suseconds_t)((ival[i] - (long)ival[i]) * 1e6) },
			.it_value = { (time_t)val0[i], (suseconds_t)((val0[i] - (long)val0[i]) * 1e6) },
		};
		if (setitimer(which[i], &it, NULL) != 0)
			fail("setitimer(%s): %s", names[i], strerror(errno));
	}
	double prev[3] = { 0, 1e9, 1e9 };
	volatile uint64_t work = 1;
	if (expired) {
		/* Let ITIMER_REAL expire with SIGALRM blocked: the kernel re-arms
		 * it only when the signal is dequeued, so until then getitimer()
		 * reads value 0 with the interval still 50 ms, and SIGALRM is
		 * pending.  Freeze in that state; once resumed, unblock. */
		t_sleep_ms(100);
		struct itimerval it;
		getitimer(ITIMER_REAL, &it);
		if (tv_d(it.it_value) != 0)
			say("note: ITIMER_REAL reads %.6f after expiring, not 0", tv_d(it.it_value));
		say("ready");
		while (t_is_orig()) {
			sigset_t p;
			sigpending(&p);
			getitimer(ITIMER_REAL, &it);
			if (!sigismember(&p, SIGALRM) || tv_d(it.it_interval) < 0.049)
				fail("expired ITIMER_REAL: SIGALRM %spending, interval %.6f", sigismember(&p, SIGALRM) ? "" : "not ",
				     tv_d(it.it_interval));
			t_tick();
			t_sleep_ms(50);
		}
		sigset_t p;
		sigpending(&p);
		if (!sigismember(&p, SIGALRM))
			fail("resumed: the expired timer's SIGALRM is no longer pending");
	} else {
		say("ready");
	}
	for (;;) {
		long seen = alarms;
		while (alarms == seen)
			sigsuspend(&waitmask);
		for (int k = 0; k < 200000; k++)
			work = work * 6364136223846793005ULL + 1;
		for (int i = 0; i < 3; i++) {
			struct itimerval it;
			if (getitimer(which[i], &it) != 0)
				fail("getitimer(%s): %s", names[i], strerror(errno));
			double iv = tv_d(it.it_interval), v = tv_d(it.it_value);
			if (iv < ival[i] - 1e-3 || iv > ival[i] + 0.011)
				fail("ITIMER_%s interval is %.6f, expected %.6f", names[i], iv, ival[i]);
			/* 0 is legal: expired, its signal not yet dequeued (the kernel re-arms then) */
			if (v < 0 || v > (val0[i] > ival[i] ? val0[i] : ival[i]) + 0.011)
				fail("ITIMER_%s value is %.6f (armed with %.3f)", names[i], v, val0[i]);
			if (i > 0) {
				if (v > prev[i] + 0.011)
					fail("ITIMER_%s value grew: %.6f after %.6f", names[i], v, prev[i]);
				prev[i] = v;
			}
		}
		t_tick();
	}
}
