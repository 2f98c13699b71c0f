/* ptimers: POSIX timers come back with their ids (with a gap before
 * them), clocks, notification (signal, none, thread id), sigev_value,
 * interval and remaining time; the periodic ones fire between every two
 * ticks with their value and timer id (kinds.h).
 * usage: ptimers [-t]   (-t: also a periodic glibc SIGEV_THREAD timer; each
 *                        tick says how often its function ran) */
#include "common.h"
#include "kinds.h"

static volatile long thread_fired;

static void on_thread_timer(union sigval v)
{
	(void)v;
	__atomic_add_fetch(&thread_fired, 1, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
	t_init();
	int thread_timer = argc > 1 && !strcmp(argv[1], "-t");
	if (thread_timer) {
		/* glibc runs SIGEV_THREAD timers through a helper thread that
		 * the kernel timer signals (SIGEV_THREAD_ID): vim has one. */
		timer_t t;
		struct sigevent ev = { .sigev_notify = SIGEV_THREAD,
				       .sigev_notify_function = on_thread_timer };
		struct itimerspec its = { { 0, 50000000 }, { 0, 50000000 } };	/* 50 ms */
		if (timer_create(CLOCK_MONOTONIC, &ev, &t) || timer_settime(t, 0, &its, NULL))
			fail("timer_create SIGEV_THREAD: %s", strerror(errno));
	}
	k_timers_setup();
	/* Each expiry runs in a new thread: let the first ones set up the
	 * stack cache and the arena they use before the maps are recorded. */
	while (thread_timer && __atomic_load_n(&thread_fired, __ATOMIC_RELAXED) < 3)
		t_sleep_ms(50);
	t_state_init();
	t_sleep_ms(200);
	k_timers_check();
	say("ready ids %d %d %d", k_tid[0], k_tid[1], k_tid[2]);
	for (;;) {
		t_sleep_ms(200);
		t_state_check();
		k_timers_check();
		if (t_moved())
			say("timers ok");
		if (thread_timer)
			say("thread timer %ld", __atomic_load_n(&thread_fired, __ATOMIC_RELAXED));
		t_tick();
	}
}
