/* signals: handlers, mask, pending signals and the alternate stack.
 *
 * Set up before the freeze:
 *   SIGUSR1  handler, SA_SIGINFO|SA_RESTART, sa_mask {SIGUSR2, SIGWINCH}
 *   SIGUSR2  handler, SA_SIGINFO|SA_ONSTACK (runs on the sigaltstack)
 *   SIGINT   handler, SA_RESETHAND|SA_NODEFER
 *   SIGTERM  ignored
 *   SIGHUP, SIGRTMIN+3: handlers, blocked; SIGPIPE blocked
 *   pending: SIGHUP (raise) and SIGRTMIN+3 twice (sigqueue, values 111, 222)
 * Every tick checks all dispositions and the mask (t_state_check), that
 * exactly SIGHUP and SIGRTMIN+3 are pending, and the sigaltstack settings.
 * Once resumed (new pid) it unblocks them: SIGHUP must arrive once with
 * si_code SI_TKILL and SIGRTMIN+3 twice, in order, with values 111 and 222
 * and si_code SI_QUEUE, all with si_pid the original pid; then raise(SIGUSR2) must run
 * on the alternate stack.  It prints "delivered ok" and goes on ticking.
 * A SIGUSR1 from the test prints "usr1 N" (and checks SIGUSR2 was blocked
 * inside the handler); a SIGTERM must be ignored.
 */
#include "common.h"

static uint8_t altstack[128 << 10];
static volatile sig_atomic_t usr1_count, usr1_mask_bad, usr2_ok, usr2_count;
static volatile int log_sig[8], log_val[8], log_code[8], log_pid[8];
static volatile sig_atomic_t nlog;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	if (!sigismember(&cur, SIGUSR2) || !sigismember(&cur, SIGWINCH))
		usr1_mask_bad = 1;
	usr1_count++;
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	volatile char here;
	usr2_ok = (uint8_t *)&here >= altstack && (uint8_t *)&here < altstack + sizeof(altstack);
	usr2_count++;
}

static void on_logged(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int i = nlog;
	if (i < 8) {
		log_sig[i] = sig;
		log_val[i] = si->si_value.sival_int;
		log_code[i] = si->si_code;
		log_pid[i] = si->si_pid;
		nlog = i + 1;
	}
}

static void on_int(int sig) { (void)sig; }

static void set(int sig, void (*h)(int, siginfo_t *, void *), int flags, int m1, int m2)
{
	struct sigaction sa = { .sa_sigaction = h, .sa_flags = SA_SIGINFO | flags };
	sigemptyset(&sa.sa_mask);
	if (m1)
		sigaddset(&sa.sa_mask, m1);
	if (m2)
		sigaddset(&sa.sa_mask, m2);
	if (sigaction(sig, &sa, NULL) != 0)
		fail("sigaction(%d): %s", sig, strerror(errno));
}

static void check_pending(int expect_hup_rt)
{
	sigset_t p;
	sigpending(&p);
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == 32 || sig == 33)
			continue;
		int want = expect_hup_rt && (sig == SIGHUP || sig == SIGRTMIN + 3);
		if (sigismember(&p, sig) != want)
			fail("signal %d is %spending", sig, want ? "not " : "");
	}
}

static void check_altstack(void)
{
	stack_t ss;
	if (sigaltstack(NULL, &ss) != 0)
		fail("sigaltstack: %s", strerror(errno));
	if (ss.ss_sp != altstack || ss.ss_size != sizeof(altstack) || ss.ss_flags != 0)
		fail("sigaltstack is sp=%p size=%zu flags=%d, expected %p %zu 0", ss.ss_sp, ss.ss_size, ss.ss_flags,
		     (void *)altstack, sizeof(altstack));
}

int main(void)
{
	t_init();
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	if (sigaltstack(&ss, NULL) != 0)
		fail("sigaltstack: %s", strerror(errno));
	set(SIGUSR1, on_usr1, SA_RESTART, SIGUSR2, SIGWINCH);
	set(SIGUSR2, on_usr2, SA_ONSTACK, 0, 0);
	set(SIGHUP, on_logged, 0, 0, 0);
	set(SIGRTMIN + 3, on_logged, 0, SIGUSR1, 0);
	struct sigaction sa = { .sa_handler = on_int, .sa_flags = SA_RESETHAND | SA_NODEFER };
	sigaction(SIGINT, &sa, NULL);
	signal(SIGTERM, SIG_IGN);
	sigset_t blk;
	sigemptyset(&blk);
	sigaddset(&blk, SIGHUP);
	sigaddset(&blk, SIGRTMIN + 3);
	sigaddset(&blk, SIGPIPE);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	raise(SIGHUP);
	if (sigqueue(getpid(), SIGRTMIN + 3, (union sigval){ .sival_int = 111 }) != 0 ||
	    sigqueue(getpid(), SIGRTMIN + 3, (union sigval){ .sival_int = 222 }) != 0)
		fail("sigqueue: %s", strerror(errno));
	t_state_init();
	check_pending(1);

	int delivered = 0;
	long usr1_seen = 0;
	say("ready");
	for (;;) {
		if (!t_is_orig() && !delivered) {
			t_state_check();
			check_pending(1);
			check_altstack();
			sigset_t un;
			sigemptyset(&un);
			sigaddset(&un, SIGHUP);
			sigaddset(&un, SIGRTMIN + 3);
			sigprocmask(SIG_UNBLOCK, &un, NULL);
			if (nlog != 3)
				fail("%d signals delivered after unblocking, expected 3", (int)nlog);
			/* The kernel nests the three handlers (the order between SIGHUP and
			 * SIGRTMIN+3 is its business); the two queued SIGRTMIN+3 must come
			 * in the order they were sent. */
			int hup = 0, rt = 0;
			for (int i = 0; i < 3; i++) {
				if (log_pid[i] != t_pid_orig)
					fail("signal %d arrived with si_pid %d, expected %d", log_sig[i], log_pid[i],
					     (int)t_pid_orig);
				if (log_sig[i] == SIGHUP) {
					hup++;
					if (log_code[i] != SI_TKILL)
						fail("SIGHUP arrived with si_code %d, expected SI_TKILL", log_code[i]);
				} else if (log_sig[i] == SIGRTMIN + 3) {
					rt++;
					if (log_code[i] != SI_QUEUE || log_val[i] != 111 * rt)
						fail("SIGRTMIN+3 #%d arrived with value %d code %d, expected %d SI_QUEUE", rt,
						     log_val[i], log_code[i], 111 * rt);
				} else {
					fail("unexpected signal %d delivered", log_sig[i]);
				}
			}
			if (hup != 1 || rt != 2)
				fail("got SIGHUP %d times and SIGRTMIN+3 %d times, expected 1 and 2", hup, rt);
			check_pending(0);
			raise(SIGUSR2);
			if (usr2_count != 1 || !usr2_ok)
				fail("SIGUSR2 handler %s", usr2_count != 1 ? "did not run" : "did not run on the altstack");
			check_altstack();
			delivered = 1;
			t_state_init();	/* the mask is now smaller */
			say("delivered ok");
		}
		t_state_check();
		check_pending(!delivered);
		check_altstack();
		if (usr1_count != usr1_seen) {
			usr1_seen = usr1_count;
			if (usr1_mask_bad)
				fail("SIGUSR1 handler ran without its sa_mask");
			say("usr1 %ld", usr1_seen);
		}
		t_tick();
		t_sleep_ms(50);
	}
}
