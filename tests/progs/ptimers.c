/* ptimers: POSIX timers come back with their ids (with a gap before
 * them), clocks, notification (signal, none, thread id), sigev_value,
 * interval and remaining time; the periodic ones fire between every two
 * ticks with their value and timer id (kinds.h).
 * usage: ptimers [-t]   (-t: also a glibc SIGEV_THREAD timer, which freeze refuses) */
#include "common.h"
#include "kinds.h"

static void on_thread_timer(union sigval v) { (void)v; }

int main(int argc, char **argv)
{
	t_init();
	if (argc > 1 && !strcmp(argv[1], "-t")) {
		/* glibc runs SIGEV_THREAD timers through a helper thread that
		 * the kernel timer signals (SIGEV_THREAD_ID): not supported. */
		timer_t t;
		struct sigevent ev = { .sigev_notify = SIGEV_THREAD,
				       .sigev_notify_function = on_thread_timer };
		struct itimerspec its = { { 0, 0 }, { 1000, 0 } };	/* never fires here */
		if (timer_create(CLOCK_MONOTONIC, &ev, &t) || timer_settime(t, 0, &its, NULL))
			fail("timer_create SIGEV_THREAD: %s", strerror(errno));
	}
	k_timers_setup();
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
		t_tick();
	}
}
