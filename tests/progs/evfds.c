/* evfds: event descriptors come back with their state.
 *
 * usage: evfds KINDS [DIR]   KINDS: any of e t s p i (or "all"); DIR for i
 *   e  fd 20 eventfd (O_NONBLOCK): each tick reads the count, which must be
 *      what the program last wrote, and writes it back plus one through
 *      fd 22, a dup of fd 20 (one eventfd);
 *      fd 21 EFD_SEMAPHORE eventfd holding 3: each tick reads 1 three
 *      times, then EAGAIN, and writes 3 back
 *   t  fd 30 timerfd CLOCK_MONOTONIC, 100 ms period: paces the ticks
 *      (blocking read); its interval must stay 100 ms;
 *      fd 31 CLOCK_MONOTONIC, 10 ms period, never read before the resume:
 *      after it, reading it must give at least the expirations the
 *      original saw accumulate (ticks kept);
 *      fd 32 CLOCK_REALTIME absolute, one hour after start: its time left
 *      must match that wall-clock deadline; fd 33 CLOCK_BOOTTIME one-shot
 *      1000 s: armed, never more than 1000 s left; fd 34 CLOCK_MONOTONIC
 *      absolute 500 s after start: 400-500 s left after the resume; fd 35
 *      one-shot 10 ms, expired before the freeze, read after it: 1.
 *      Clocks from fdinfo.
 *   s  fd 40 signalfd for SIGUSR1+SIGUSR2 (blocked): each tick sends itself
 *      one of them and reads exactly that one from the signalfd
 *   p  fd 50 epoll: fd 51 eventfd EPOLLIN data 0x1111222233334444, fd 52
 *      eventfd EPOLLOUT data 52; each tick writes fd 51, epoll_wait must
 *      report exactly those two with their data, EPOLL_CTL_MOD of fd 52 by
 *      its number must work; fd 54 epoll watching fd 50 (nested) data 54
 *   i  fd 60 inotify (O_NONBLOCK): wd 1 on DIR (IN_CREATE|IN_DELETE), wd 2
 *      removed (a gap), wd 3 on DIR/f (IN_MODIFY); each tick creates and
 *      removes DIR/tN and writes DIR/f, and must read exactly those events
 *   c  fd 56 epoll watching fd 57, then fd 57 dup'ed to 58 and closed: the
 *      freeze must refuse; r: the same, then another eventfd put on fd 57
 *   q  fd 62 inotify on DIR with an event queued, unread: refused
 *   u  fd 64 inotify watching /usr/share (wd 1), which only root's
 *      freeze can name (by file handle)
 * Every tick checks that each fd has its FD_CLOEXEC and O_NONBLOCK as set up.
 */
#include "common.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

static const char *kinds;
static const char *dir;
static uint64_t e_expect;	/* what fd 20 holds */
static uint64_t t31_min;	/* fd 31 expirations the original must have had */
static double t31_armed, t32_deadline, t31_resumed;
static uint64_t t31_since;	/* fd 31 expirations read since the resume */

static int has(char k) { return strchr(kinds, k) || !strcmp(kinds, "all"); }

static void place(int fd, int want)
{
	if (fd < 0)
		fail("creating fd %d: %s", want, strerror(errno));
	if (fd != want) {
		int cloexec = fcntl(fd, F_GETFD) & FD_CLOEXEC ? O_CLOEXEC : 0;
		if (dup3(fd, want, cloexec) != want)
			fail("dup2: %s", strerror(errno));
		close(fd);
	}
}

static void want_flags(int fd, int nonblock, int cloexec)
{
	int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);
	if (fl < 0 || fdf < 0)
		fail("fd %d is not open", fd);
	if (!!(fl & O_NONBLOCK) != nonblock || !!(fdf & FD_CLOEXEC) != cloexec)
		fail("fd %d: O_NONBLOCK %d FD_CLOEXEC %d, expected %d %d", fd, !!(fl & O_NONBLOCK),
		     !!(fdf & FD_CLOEXEC), nonblock, cloexec);
}

/* A numeric line of /proc/self/fdinfo/FD. */
static long long fdinfo_num(int fd, const char *key, int base)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ssize_t n = t_read_file(path, buf, sizeof(buf) - 1);
	if (n < 0)
		fail("read %s", path);
	buf[n] = 0;
	for (char *l = buf; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, key, strlen(key)))
			return strtoll(l + strlen(key), NULL, base);
	fail("%s has no %s", path, key);
}

/* ---- eventfd ---- */
static void e_setup(void)
{
	place(eventfd(0, EFD_NONBLOCK), 20);
	place(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC), 21);
	e_expect = 41;
	check(write(20, &e_expect, 8) == 8);
	check(dup2(20, 22) == 22);	/* one eventfd, two numbers */
}

static void e_tick(void)
{
	uint64_t v = 0;
	want_flags(20, 1, 0);
	want_flags(21, 1, 1);
	if (read(20, &v, 8) != 8 || v != e_expect)
		fail("eventfd 20 holds %llu, expected %llu (%s)", (unsigned long long)v,
		     (unsigned long long)e_expect, strerror(errno));
	v = ++e_expect;
	check(write(22, &v, 8) == 8);	/* the dup: read back through fd 20 */
	for (int i = 0; i < 3; i++)
		if (read(21, &v, 8) != 8 || v != 1)
			fail("semaphore eventfd read %d gave %llu (%s)", i, (unsigned long long)v,
			     strerror(errno));
	if (read(21, &v, 8) != -1 || errno != EAGAIN)
		fail("semaphore eventfd: a 4th read did not say EAGAIN");
	v = 3;
	check(write(21, &v, 8) == 8);
}

/* ---- timerfd ---- */
static void arm(int fd, int flags, double value, double interval)
{
	struct itimerspec its = {
		{ (time_t)interval, (long)((interval - (time_t)interval) * 1e9) },
		{ (time_t)value, (long)((value - (time_t)value) * 1e9) },
	};
	if (timerfd_settime(fd, flags, &its, NULL))
		fail("timerfd_settime %d: %s", fd, strerror(errno));
}

static void tm_setup(void)
{
	place(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), 30);
	arm(30, 0, 0.1, 0.1);
	place(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), 31);
	arm(31, 0, 0.01, 0.01);
	t31_armed = t_now(CLOCK_MONOTONIC);
	place(timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC), 32);
	t32_deadline = (double)(time(NULL) + 3600);
	arm(32, TFD_TIMER_ABSTIME, t32_deadline, 0);
	place(timerfd_create(CLOCK_BOOTTIME, 0), 33);
	arm(33, 0, 1000, 0);
	/* absolute on CLOCK_MONOTONIC, whose origin is another on another boot */
	place(timerfd_create(CLOCK_MONOTONIC, 0), 34);
	arm(34, TFD_TIMER_ABSTIME, t_now(CLOCK_MONOTONIC) + 500, 0);
	/* a one-shot that expires at once and is read only after the resume */
	place(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), 35);
	arm(35, 0, 0.01, 0);
}

static double left(int fd, double *interval)
{
	struct itimerspec its;
	if (timerfd_gettime(fd, &its))
		fail("timerfd_gettime %d: %s", fd, strerror(errno));
	if (interval)
		*interval = (double)its.it_interval.tv_sec + its.it_interval.tv_nsec / 1e9;
	return (double)its.it_value.tv_sec + its.it_value.tv_nsec / 1e9;
}

static void tm_tick(int moved)
{
	want_flags(30, 0, 1);
	want_flags(31, 1, 0);
	want_flags(32, 0, 1);
	want_flags(33, 0, 0);
	static const int clk[4] = { CLOCK_MONOTONIC, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };
	for (int i = 0; i < 4; i++)
		if (fdinfo_num(30 + i, "clockid:", 10) != clk[i])
			fail("timerfd %d is on clock %lld, expected %d", 30 + i,
			     fdinfo_num(30 + i, "clockid:", 10), clk[i]);
	double iv, l = left(30, &iv);
	if (iv != 0.1 || l <= 0 || l > 0.1)
		fail("timerfd 30: interval %.9f, left %.9f", iv, l);
	l = left(32, &iv);
	double want = t32_deadline - t_now(CLOCK_REALTIME);
	if (iv != 0 || l < want - 2 || l > want + 2)
		fail("timerfd 32: %.3f s left, the deadline is %.3f s away", l, want);
	l = left(33, &iv);
	if (iv != 0 || l <= 0 || l > 1000)
		fail("timerfd 33: %.3f s left", l);
	l = left(34, &iv);
	if (iv != 0 || l <= 400 || l > 500)
		fail("timerfd 34: %.3f s left", l);
	if (moved) {
		uint64_t n = 0;
		if (read(31, &n, 8) != 8 || n < t31_min)
			fail("timerfd 31: %llu expirations after the resume, the original had at least %llu",
			     (unsigned long long)n, (unsigned long long)t31_min);
		say("timerfd 31 had %llu expirations (at least %llu)", (unsigned long long)n,
		    (unsigned long long)t31_min);
		n = 0;
		if (read(35, &n, 8) != 8 || n != 1 || left(35, NULL) != 0)
			fail("one-shot timerfd 35: read %llu expirations (%s), expected 1, disarmed",
			     (unsigned long long)n, strerror(errno));
		t31_min = 0;	/* from now on it is read every tick */
		t31_resumed = t_now(CLOCK_MONOTONIC);
		t31_since = 0;
	} else if (!t_is_orig()) {
		/* ticks may come back to back (fd 30 had expirations queued):
		 * judge the 10 ms period over 0.3 s */
		uint64_t n = 0;
		if (read(31, &n, 8) == 8)
			t31_since += n;
		if (t_now(CLOCK_MONOTONIC) - t31_resumed > 0.3 && t31_since < 10)
			fail("timerfd 31 fired %llu times in 0.3 s", (unsigned long long)t31_since);
	} else {
		double el = t_now(CLOCK_MONOTONIC) - t31_armed;
		t31_min = el > 0.02 ? (uint64_t)(el / 0.01) - 1 : 0;
	}
}

static void tm_wait(void)
{
	uint64_t n;
	ssize_t r;
	while ((r = read(30, &n, 8)) < 0 && errno == EINTR)
		;
	if (r != 8 || n < 1)
		fail("timerfd 30 read: %zd %s", r, strerror(errno));
}

/* ---- signalfd ---- */
static void s_setup(void)
{
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigaddset(&m, SIGUSR2);
	check(sigprocmask(SIG_BLOCK, &m, NULL) == 0);
	place(signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC), 40);
}

static void s_tick(void)
{
	want_flags(40, 1, 1);
	long long mask = fdinfo_num(40, "sigmask:", 16);
	if (mask != ((1ll << (SIGUSR1 - 1)) | (1ll << (SIGUSR2 - 1))))
		fail("signalfd mask %#llx", mask);
	int sig = t_ticks % 2 ? SIGUSR1 : SIGUSR2;
	kill(getpid(), sig);
	struct signalfd_siginfo si;
	if (read(40, &si, sizeof(si)) != sizeof(si) || (int)si.ssi_signo != sig)
		fail("signalfd read: %s signo %u, expected %d", strerror(errno), si.ssi_signo, sig);
	if (read(40, &si, sizeof(si)) != -1 || errno != EAGAIN)
		fail("signalfd: a second signal was read");
}

/* ---- epoll ---- */
static void p_add(int ep, int fd, uint32_t ev, uint64_t data)
{
	struct epoll_event e = { .events = ev, .data.u64 = data };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e))
		fail("epoll_ctl ADD %d: %s", fd, strerror(errno));
}

static void p_setup(void)
{
	place(epoll_create1(0), 50);
	place(eventfd(0, EFD_NONBLOCK), 51);
	place(eventfd(0, 0), 52);
	p_add(50, 51, EPOLLIN, 0x1111222233334444ull);
	p_add(50, 52, EPOLLOUT, 52);
	place(epoll_create1(EPOLL_CLOEXEC), 54);
	p_add(54, 50, EPOLLIN, 54);
}

static void p_tick(void)
{
	want_flags(50, 0, 0);
	want_flags(54, 0, 1);
	uint64_t one = 1;
	check(write(51, &one, 8) == 8);
	struct epoll_event ev[8];
	int n = epoll_wait(54, ev, 8, 0);
	if (n != 1 || ev[0].data.u64 != 54 || !(ev[0].events & EPOLLIN))
		fail("nested epoll 54: %d events, data %#llx", n, (unsigned long long)ev[0].data.u64);
	n = epoll_wait(50, ev, 8, 0);
	int got = 0;
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u64 == 0x1111222233334444ull && ev[i].events == EPOLLIN)
			got |= 1;
		else if (ev[i].data.u64 == 52 && ev[i].events == EPOLLOUT)
			got |= 2;
		else
			fail("epoll reported events %#x data %#llx", ev[i].events,
			     (unsigned long long)ev[i].data.u64);
	}
	if (n != 2 || got != 3)
		fail("epoll reported %d events (%#x), expected fds 51 and 52", n, got);
	uint64_t v;
	check(read(51, &v, 8) == 8);
	struct epoll_event e = { .events = EPOLLOUT, .data.u64 = 52 };
	if (epoll_ctl(50, EPOLL_CTL_MOD, 52, &e))
		fail("epoll_ctl MOD of fd 52: %s", strerror(errno));
}

/* c, r: an epoll watch whose fd number was closed (c) or reused (r) since
 * EPOLL_CTL_ADD: cannot come back, the freeze must refuse. */
static void c_setup(int reuse)
{
	place(epoll_create1(0), 56);
	place(eventfd(0, 0), 57);
	p_add(56, 57, EPOLLIN, 57);
	check(dup2(57, 58) == 58);
	close(57);
	if (reuse)
		place(eventfd(0, 0), 57);
}

/* ---- inotify ---- */
static int i_wd_dir, i_wd_f;

static void i_setup(void)
{
	char p[4096];
	place(inotify_init1(IN_NONBLOCK), 60);
	i_wd_dir = inotify_add_watch(60, dir, IN_CREATE | IN_DELETE);
	snprintf(p, sizeof(p), "%s/g", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	int wd_g = inotify_add_watch(60, p, IN_MODIFY);
	snprintf(p, sizeof(p), "%s/f", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	i_wd_f = inotify_add_watch(60, p, IN_MODIFY);
	if (i_wd_dir != 1 || wd_g != 2 || i_wd_f != 3)
		fail("inotify wds %d %d %d", i_wd_dir, wd_g, i_wd_f);
	check(inotify_rm_watch(60, wd_g) == 0);
	char buf[4096];
	while (read(60, buf, sizeof(buf)) > 0)	/* the IN_CREATEs, IN_IGNORED */
		;
}

static void i_tick(void)
{
	want_flags(60, 1, 0);
	char p[4096], name[32];
	snprintf(name, sizeof(name), "t%ld", t_ticks);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	unlink(p);
	snprintf(p, sizeof(p), "%s/f", dir);
	int fd = open(p, O_WRONLY);
	check(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = read(60, buf, sizeof(buf));
	int got = 0;
	for (ssize_t off = 0; n > 0 && off < n;) {
		struct inotify_event *e = (struct inotify_event *)(buf + off);
		if (e->wd == i_wd_dir && (e->mask & IN_CREATE) && !strcmp(e->name, name))
			got |= 1;
		else if (e->wd == i_wd_dir && (e->mask & IN_DELETE) && !strcmp(e->name, name))
			got |= 2;
		else if (e->wd == i_wd_f && (e->mask & IN_MODIFY))
			got |= 4;
		else
			fail("inotify event wd %d mask %#x name %s", e->wd, e->mask, e->len ? e->name : "");
		off += (ssize_t)sizeof(*e) + e->len;
	}
	if (got != 7)
		fail("inotify: events seen %#x of 7 (read %zd: %s)", got, n, n < 0 ? strerror(errno) : "");
}

int main(int argc, char **argv)
{
	t_init();
	if (argc < 2 || ((strchr(argv[1], 'i') || strchr(argv[1], 'q')) && argc < 3))
		fail("usage: evfds KINDS [DIR]");
	kinds = argv[1];
	dir = argc > 2 ? argv[2] : NULL;
	if (has('i') && !dir)
		fail("i needs DIR");
	if (has('e'))
		e_setup();
	if (has('t'))
		tm_setup();
	if (has('s'))
		s_setup();
	if (has('p'))
		p_setup();
	if (has('i'))
		i_setup();
	if (strchr(kinds, 'c') || strchr(kinds, 'r'))
		c_setup(!!strchr(kinds, 'r'));
	if (strchr(kinds, 'u')) {	/* far from the cwd and open files */
		place(inotify_init1(IN_CLOEXEC), 64);
		check(inotify_add_watch(64, "/usr/share", IN_CREATE) == 1);
	}
	if (strchr(kinds, 'q')) {	/* an unread event: refused */
		place(inotify_init1(0), 62);
		check(inotify_add_watch(62, dir, IN_CREATE) == 1);
		char p[4096];
		snprintf(p, sizeof(p), "%s/q", dir);
		close(open(p, O_CREAT | O_WRONLY, 0644));
	}
	say("ready");
	for (;;) {
		int moved = t_moved();
		if (moved)
			say("resumed");
		if (has('e'))
			e_tick();
		if (has('t'))
			tm_tick(moved);
		if (has('s'))
			s_tick();
		if (has('p'))
			p_tick();
		if (has('i'))
			i_tick();
		if (strchr(kinds, 'u') && fdinfo_num(64, "inotify wd:", 16) != 1)
			fail("inotify fd 64 lost its watch");
		t_tick();
		if (has('t'))
			tm_wait();
		else
			t_sleep_ms(100);
	}
}
