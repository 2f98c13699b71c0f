/* gaps: the benchmark target.  Allocates MiB of memory, half pseudo-random
 * and half zero (written, so present), prints "ready REALTIME", then spins
 * reading CLOCK_MONOTONIC and remembers the largest gap between two readings:
 * how long it was kept from running.
 *   SIGUSR1  -> prints "maxgap SECONDS" and starts a new measurement
 * When it finds itself under a new pid (resumed), it prints
 * "resumed REALTIME" at once: the benchmark's end of the resume time.
 *
 * usage: gaps MiB
 */
#include "common.h"

static volatile sig_atomic_t report;
static void on_usr1(int sig) { (void)sig; report = 1; }

int main(int argc, char **argv)
{
	size_t len = (size_t)(argc > 1 ? atol(argv[1]) : 1) << 20;
	t_init();
	uint8_t *p = malloc(len);
	if (!p)
		fail("malloc");
	uint64_t s = 42;
	for (size_t i = 0; i < len / 2; i += 8) {
		uint64_t v = t_rand(&s);
		memcpy(p + i, &v, 8);
	}
	memset(p + len / 2, 0xff, len - len / 2);
	memset(p + len / 2, 0, len - len / 2);
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	say("ready %.6f", t_now(CLOCK_REALTIME));
	double last = t_now(CLOCK_MONOTONIC), maxgap = 0;
	pid_t pid = getpid();
	for (;;) {
		double now = t_now(CLOCK_MONOTONIC);
		double gap = now - last;
		last = now;
		if (gap > 0.02 && getpid() != pid) {
			pid = getpid();
			say("resumed %.6f", t_now(CLOCK_REALTIME));
			maxgap = 0;
			last = t_now(CLOCK_MONOTONIC);
			continue;
		}
		if (gap > maxgap)
			maxgap = gap;
		if (report) {
			report = 0;
			say("maxgap %.6f", maxgap);
			maxgap = 0;
			last = t_now(CLOCK_MONOTONIC);
		}
		if (time(NULL) > t_deadline)
			return 0;
	}
}
