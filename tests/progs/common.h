/* Shared helpers of the test target programs (tests/progs/NAME.c).
 *
 * Protocol: every line a target writes to its stdout is "PID text", written
 * with one write(2) so lines never interleave (the tests open stdout with
 * O_APPEND, so the original and any resumed copies append to one file).
 *   PID ready          set up, about to loop
 *   PID tick N         invariants held at tick N (N counts on across a freeze)
 *   PID FAIL: why      an invariant broke; the program exits 1
 * The PID in each line is getpid() at the time of writing: after a resume it
 * is the resumed process's pid, which is how a test tells the copies apart.
 *
 * A target also exits by itself after CRYO_TEST_LIFETIME seconds (default
 * 300) so that a crashed test can never leave it running for long.
 */
#ifndef TESTS_PROGS_COMMON_H
#define TESTS_PROGS_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static pid_t t_pid_orig;	/* pid at start */
static pid_t t_pid_seen;	/* pid at the last t_moved() */
static long t_ticks;		/* next tick number */
static time_t t_deadline;	/* wall-clock end of life */

static inline void t_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);
		p += w;
		n -= (size_t)w;
	}
}

/* One "PID text" line on fd (a log other than stdout). */
__attribute__((format(printf, 2, 3)))
static inline void t_logf(int fd, const char *fmt, ...)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%d ", (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	t_write_all(fd, buf, (size_t)n);
}

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%d ", (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	t_write_all(1, buf, (size_t)n);
}

#define fail(...) do { \
	char why_[768]; \
	snprintf(why_, sizeof(why_), __VA_ARGS__); \
	say("FAIL: %s (%s:%d)", why_, __FILE__, __LINE__); \
	exit(1); \
} while (0)

#define check(cond) do { if (!(cond)) fail("check failed: %s", #cond); } while (0)

static inline void t_init(void)
{
	const char *l = getenv("CRYO_TEST_LIFETIME");
	t_pid_orig = t_pid_seen = getpid();
	t_deadline = time(NULL) + (l ? atol(l) : 300);
}

/* 1 once each time the process finds itself under a new pid (resumed). */
static inline int t_moved(void)
{
	pid_t p = getpid();
	if (p == t_pid_seen)
		return 0;
	t_pid_seen = p;
	return 1;
}

static inline int t_is_orig(void) { return getpid() == t_pid_orig; }

/* Sleep ms milliseconds, resuming after EINTR with the remainder. */
static inline void t_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L }, rem;
	while (nanosleep(&ts, &rem) != 0) {
		if (errno != EINTR)
			fail("nanosleep: %s", strerror(errno));
		ts = rem;
	}
}

static inline void t_tick(void)
{
	if (time(NULL) > t_deadline) {
		say("lifetime over");
		exit(0);
	}
	say("tick %ld", t_ticks++);
}

/* Read a whole (small) file into buf; returns its length, -1 on error. */
static inline ssize_t t_read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap)
			break;
	}
	close(fd);
	return (ssize_t)n;
}

/* ---- process state that must survive a freeze unchanged ---------------- */
/* Signal dispositions, the signal mask, the umask, and (while the process
 * is the original) the exact /proc/self/maps: a freeze without --kill, or a
 * refused one, must leave no trace (no scratch mapping, no handler changed). */
struct t_state {
	struct sigaction act[65];
	sigset_t mask;
	mode_t umask;
	char maps[65536];
	ssize_t maps_len;
};
static struct t_state t_st0, t_st1;
static pid_t t_st_pid;
static int t_st_resumed;	/* maps are compared only in the original */

static inline void t_state_read(struct t_state *s)
{
	for (int sig = 1; sig <= 64; sig++) {
		memset(&s->act[sig], 0, sizeof(s->act[sig]));
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &s->act[sig]) != 0)
			memset(&s->act[sig], 0xff, sizeof(s->act[sig]));
	}
	sigprocmask(SIG_BLOCK, NULL, &s->mask);
	s->umask = umask(0);
	umask(s->umask);
	s->maps_len = t_read_file("/proc/self/maps", s->maps, sizeof(s->maps));
	/* a file deleted meanwhile (the test may delete the executable) is
	 * still the same mapping */
	static const char del[] = " (deleted)";
	for (char *p; s->maps_len > 0 && (p = memmem(s->maps, (size_t)s->maps_len, del, sizeof(del) - 1));) {
		size_t tail = (size_t)(s->maps + s->maps_len - (p + sizeof(del) - 1));
		memmove(p, p + sizeof(del) - 1, tail);
		s->maps_len -= (ssize_t)(sizeof(del) - 1);
	}
}

static inline void t_state_init(void)
{
	t_st_pid = getpid();
	t_state_read(&t_st0);
}

static inline int t_sigset_eq(const sigset_t *a, const sigset_t *b)
{
	for (int sig = 1; sig <= 64; sig++)
		if (sigismember(a, sig) != sigismember(b, sig))
			return 0;
	return 1;
}

/* First line that differs between two maps texts, for the message. */
static inline void t_maps_diff(const char *a, size_t alen, const char *b, size_t blen, char *out, size_t cap)
{
	size_t i = 0, line = 0;
	while (i < alen && i < blen && a[i] == b[i]) {
		if (a[i] == '\n')
			line = i + 1;
		i++;
	}
	const char *ea = memchr(a + line, '\n', alen - line), *eb = memchr(b + line, '\n', blen - line);
	int la = ea ? (int)(ea - (a + line)) : (int)(alen - line);
	int lb = eb ? (int)(eb - (b + line)) : (int)(blen - line);
	snprintf(out, cap, "was [%.*s] now [%.*s]", la, a + line, lb, b + line);
}

static inline void t_state_check(void)
{
	if (getpid() != t_st_pid) {
		/* resumed: mappings legitimately differ (embedded files lose
		 * their names, the stub's own segments stay in a hole) */
		t_st_pid = getpid();
		t_st_resumed = 1;
	}
	t_state_read(&t_st1);
	for (int sig = 1; sig <= 64; sig++) {
		struct sigaction *a = &t_st0.act[sig], *b = &t_st1.act[sig];
		if (a->sa_handler != b->sa_handler || a->sa_flags != b->sa_flags ||
		    a->sa_restorer != b->sa_restorer || !t_sigset_eq(&a->sa_mask, &b->sa_mask))
			fail("sigaction of signal %d changed: handler %p->%p flags %#x->%#x", sig,
			     (void *)a->sa_handler, (void *)b->sa_handler, a->sa_flags, b->sa_flags);
	}
	if (!t_sigset_eq(&t_st0.mask, &t_st1.mask))
		fail("signal mask changed");
	if (t_st0.umask != t_st1.umask)
		fail("umask changed %o -> %o", t_st0.umask, t_st1.umask);
	if (!t_st_resumed && (t_st0.maps_len != t_st1.maps_len || memcmp(t_st0.maps, t_st1.maps, (size_t)t_st0.maps_len))) {
		char d[600];
		t_maps_diff(t_st0.maps, (size_t)t_st0.maps_len, t_st1.maps, (size_t)t_st1.maps_len, d, sizeof(d));
		fail("/proc/self/maps changed: %s", d);
	}
}

/* xorshift64*: a reproducible pseudo-random stream. */
static inline uint64_t t_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline double t_now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
