/* counter: the basic target.  Ticks every 50 ms; each tick checks
 *  - thread-local storage (__thread initialised, zero-initialised, arrays;
 *    errno; the FS base and the variables' addresses unchanged),
 *  - a counter kept in ordinary memory and one in a callee-saved register
 *    variable across calls,
 *  - memory (.bss and .data) stamped with the pid of the copy writing it,
 *  - signal dispositions, mask, umask, and (while still the original process)
 *    that /proc/self/maps is exactly as before (common.h t_state_check),
 *  - with -c: /proc/self/cmdline and /proc/self/environ are byte for byte
 *    what they were at start, and the process name (set with PR_SET_NAME)
 *    is unchanged.
 * Built as PIE, non-PIE, static and static-PIE (see the Makefile).
 *
 * usage: counter [-c] [-i MS] [args...]
 */
#include "common.h"
#include <asm/prctl.h>
#include <sys/prctl.h>

static __thread long tls_counter = 7;
static __thread char tls_text[64] = "thread-local text survives";
static __thread unsigned tls_zero[1024];	/* .tbss */

static unsigned long fs_base(void)
{
	unsigned long b = 0;
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &b) != 0)
		fail("arch_prctl(ARCH_GET_FS): %s", strerror(errno));
	return b;
}

static char cmdline0[8192], environ0[65536];
static ssize_t cmdline0_len, environ0_len;
static char comm0[32];
static const char *mark0;

static void check_cmdline(void)
{
	static char buf[65536];
	ssize_t n = t_read_file("/proc/self/cmdline", buf, sizeof(buf));
	if (n < 0 || n != cmdline0_len || memcmp(buf, cmdline0, (size_t)n) != 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == 0)
				buf[i] = ' ';
		fail("/proc/self/cmdline is now [%.*s] (%zd bytes, was %zd)", (int)(n < 200 ? n : 200), buf, n,
		     cmdline0_len);
	}
	n = t_read_file("/proc/self/environ", buf, sizeof(buf));
	if (n < 0 || n != environ0_len || memcmp(buf, environ0, (size_t)n) != 0)
		fail("/proc/self/environ changed (%zd bytes, was %zd)", n, environ0_len);
	char name[32] = "";
	if (prctl(PR_GET_NAME, name) != 0 || strcmp(name, comm0) != 0)
		fail("process name is now [%s], was [%s]", name, comm0);
	n = t_read_file("/proc/self/comm", buf, sizeof(buf));
	if (n <= 0 || strncmp(buf, comm0, strlen(comm0)) != 0)
		fail("/proc/self/comm is now [%.*s]", (int)(n > 0 ? n : 0), buf);
	const char *mark = getenv("CRYO_MARK");
	if ((mark == NULL) != (mark0 == NULL) || (mark && strcmp(mark, mark0) != 0))
		fail("environment variable CRYO_MARK changed");
}

static long __attribute__((noinline)) step(long x) { return x * 3 + 1; }

/* Memory each copy stamps with its own pid: two copies resumed from one
 * image must not share it (nor write into the image). */
static volatile int32_t mark_bss[8192];
static volatile int32_t mark_data[8192] = { 1 };

static void check_marks(void)
{
	static pid_t last;
	pid_t me = getpid(), want = last ? last : 0;
	for (int i = 0; i < 8192; i += 97) {
		if (last && (mark_bss[i] != want || mark_data[i] != want))
			fail("memory stamped by pid %d now reads %d/%d", (int)want, mark_bss[i], mark_data[i]);
	}
	for (int i = 0; i < 8192; i++)
		mark_bss[i] = mark_data[i] = me;
	last = me;
}

int main(int argc, char **argv)
{
	int check_cmd = 0;
	long interval = 50;
	int opt;
	while ((opt = getopt(argc, argv, "ci:")) != -1) {
		if (opt == 'c')
			check_cmd = 1;
		else if (opt == 'i')
			interval = atol(optarg);
		else
			return 2;
	}
	t_init();
	if (check_cmd) {
		mark0 = getenv("CRYO_MARK");
		prctl(PR_SET_NAME, "cryo-counter");
		prctl(PR_GET_NAME, comm0);
		cmdline0_len = t_read_file("/proc/self/cmdline", cmdline0, sizeof(cmdline0));
		environ0_len = t_read_file("/proc/self/environ", environ0, sizeof(environ0));
		if (cmdline0_len <= 0 || environ0_len <= 0)
			fail("cannot read /proc/self/cmdline or environ");
		check_cmdline();
	}
	unsigned long fs0 = fs_base();
	long *tls_addr0 = &tls_counter;
	t_state_init();

	long mem_counter = 0;
	register long reg_counter asm("r12") = 1;	/* lives in a callee-saved register */
	say("ready");
	for (;;) {
		/* TLS */
		if (tls_counter != 7 + 3 * mem_counter)
			fail("tls_counter %ld, expected %ld", tls_counter, 7 + 3 * mem_counter);
		if (strcmp(tls_text, "thread-local text survives") != 0)
			fail("tls_text is [%.20s]", tls_text);
		for (unsigned i = 0; i < 1024; i++)
			if (tls_zero[i] != (unsigned)(mem_counter ? mem_counter - 1 : 0) * (i & 1))
				fail("tls_zero[%u] = %u", i, tls_zero[i]);
		if (fs_base() != fs0 || &tls_counter != tls_addr0)
			fail("FS base %#lx (was %#lx), &tls_counter %p (was %p)", fs_base(), fs0,
			     (void *)&tls_counter, (void *)tls_addr0);
		errno = 1234;
		if (errno != 1234)
			fail("errno (TLS) does not stick");
		tls_counter += 3;
		for (unsigned i = 1; i < 1024; i += 2)
			tls_zero[i] = (unsigned)mem_counter;

		/* a value carried in a register across calls */
		long expect = 1;
		for (long k = 0; k < mem_counter; k++)
			expect = expect * 3 + 1;
		if (reg_counter != expect)
			fail("register counter %ld, expected %ld", reg_counter, expect);
		reg_counter = step(reg_counter);
		if (mem_counter % 30 == 29)
			reg_counter = 1, mem_counter = -1, tls_counter = 7,
			memset(tls_zero, 0, sizeof(tls_zero));

		check_marks();
		t_state_check();
		if (check_cmd)
			check_cmdline();
		t_tick();
		mem_counter++;
		t_sleep_ms(interval);
	}
}
