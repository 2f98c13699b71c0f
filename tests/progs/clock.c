/* clock: time still reads right after a resume (the vdso and its data
 * pages, which glibc calls through pointers cached at startup).
 *
 * Every tick compares clock_gettime() (vdso) for REALTIME, MONOTONIC and
 * BOOTTIME, gettimeofday() and time() against the raw system calls: they must
 * agree within 1 s, and MONOTONIC and BOOTTIME never run backwards between
 * ticks (the freezer and the resume run on the same machine).  A vdso reading stale or foreign data
 * fails both.  Also: the [vdso] mapping must sit at getauxval(AT_SYSINFO_EHDR)
 * (glibc's cached address), getcpu() must work, and CLOCK_PROCESS_CPUTIME_ID
 * must keep increasing (within one process).
 */
#include "common.h"
#include <sched.h>
#include <sys/auxv.h>

static double ts_d(const struct timespec *t) { return (double)t->tv_sec + (double)t->tv_nsec / 1e9; }

static double raw_clock(clockid_t c)
{
	struct timespec t;
	if (syscall(SYS_clock_gettime, c, &t) != 0)
		fail("clock_gettime syscall: %s", strerror(errno));
	return ts_d(&t);
}

static double vdso_clock(clockid_t c, const char *name)
{
	struct timespec t;
	if (clock_gettime(c, &t) != 0)
		fail("clock_gettime(%s): %s", name, strerror(errno));
	return ts_d(&t);
}

static void check_vdso_address(void)
{
	static char maps[1 << 16];
	unsigned long at = getauxval(AT_SYSINFO_EHDR);
	ssize_t n = t_read_file("/proc/self/maps", maps, sizeof(maps) - 1);
	if (n <= 0)
		fail("cannot read /proc/self/maps");
	maps[n] = 0;
	char *v = strstr(maps, "[vdso]");
	if (!v)
		fail("no [vdso] in /proc/self/maps");
	while (v > maps && v[-1] != '\n')
		v--;
	unsigned long s = strtoul(v, NULL, 16);
	if (s != at)
		fail("[vdso] is at %#lx but AT_SYSINFO_EHDR says %#lx", s, at);
}

int main(void)
{
	t_init();
	double prev[3] = { 0, 0, 0 }, prev_cpu = 0;
	const clockid_t ids[3] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
	const char *names[3] = { "REALTIME", "MONOTONIC", "BOOTTIME" };
	say("ready");
	for (;;) {
		for (int i = 0; i < 3; i++) {
			double a = raw_clock(ids[i]);
			double v = vdso_clock(ids[i], names[i]);
			double b = raw_clock(ids[i]);
			if (v < a - 1e-6 || v > b + 1.0)
				fail("vdso CLOCK_%s %.6f outside the syscall readings %.6f..%.6f", names[i], v, a, b);
			if (i > 0 && v < prev[i])	/* REALTIME may be stepped by NTP */
				fail("CLOCK_%s went backwards: %.6f after %.6f", names[i], v, prev[i]);
			prev[i] = v;
		}
		struct timeval tv;
		double a = raw_clock(CLOCK_REALTIME);
		if (gettimeofday(&tv, NULL) != 0)
			fail("gettimeofday: %s", strerror(errno));
		double g = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
		time_t tt = time(NULL);
		double b = raw_clock(CLOCK_REALTIME);
		if (g < a - 1e-5 || g > b + 1.0)
			fail("gettimeofday %.6f outside %.6f..%.6f", g, a, b);
		if ((double)tt < a - 1.0 || (double)tt > b + 1.0)
			fail("time() %ld outside %.0f..%.0f", (long)tt, a, b);
		if (t_moved())
			prev_cpu = 0;	/* a resumed process counts its own CPU time */
		double cpu = vdso_clock(CLOCK_PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID");
		if (cpu < prev_cpu)
			fail("process CPU time went backwards: %.6f after %.6f", cpu, prev_cpu);
		prev_cpu = cpu;
		unsigned cpu_no, node;
		if (getcpu(&cpu_no, &node) != 0)
			fail("getcpu: %s", strerror(errno));
		check_vdso_address();
		t_tick();
		t_sleep_ms(50);
	}
}
