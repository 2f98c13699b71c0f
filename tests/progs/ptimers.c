/* ptimers: POSIX timers come back with their ids (with a gap before
 * them), clocks, notification (signal, none, thread id), sigev_value,
 * interval and remaining time; the periodic ones fire between every two
 * ticks with their value and timer id (kinds.h). */
#include "common.h"
#include "kinds.h"

int main(void)
{
	t_init();
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
