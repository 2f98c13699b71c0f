/* Resource kinds of issue 3 that a test target can hold, each as a setup
 * (before "ready") and a check (every tick; stricter once resumed).  Used
 * alone (attrs.c, ptimers.c, locks.c, fileflags.c) and all at once
 * (allkinds.c).  Include after common.h. */
#ifndef TESTS_PROGS_KINDS_H
#define TESTS_PROGS_KINDS_H

#include <sched.h>
#include <sys/file.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* ---- signals: a handler or SIG_IGN on every catchable signal ------------ */
static inline void k_sig_handler(int sig, siginfo_t *si, void *uc) { (void)sig, (void)si, (void)uc; }

/* Every signal but those the other kinds use gets a handler with its own
 * flags and mask, or SIG_IGN; t_state_check() compares all 64 each tick.
 * glibc reserves 32 and 33. */
static inline void k_signals_setup(const int *skip, int nskip)
{
	for (int sig = 1; sig <= 64; sig++) {
		int used = sig == SIGKILL || sig == SIGSTOP || sig == 32 || sig == 33;
		for (int i = 0; i < nskip; i++)
			used |= skip[i] == sig;
		if (used)
			continue;
		struct sigaction sa = { .sa_sigaction = k_sig_handler, .sa_flags = SA_SIGINFO };
		if (sig % 5 == 0)
			sa.sa_handler = SIG_IGN, sa.sa_flags = 0;
		if (sig % 2)
			sa.sa_flags |= SA_RESTART;
		if (sig % 3 == 0)
			sa.sa_flags |= SA_NODEFER;
		if (sig % 7 == 0)
			sa.sa_flags |= SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		for (int m = 1; m <= 64; m++)
			if (m != 32 && m != 33 && m != SIGKILL && m != SIGSTOP && (m * 7 + sig) % 11 == 0)
				sigaddset(&sa.sa_mask, m);
		if (sigaction(sig, &sa, NULL))
			fail("sigaction(%d): %s", sig, strerror(errno));
	}
}

/* ---- process attributes ------------------------------------------------ */
struct k_attrs {
	int nice, policy, prio, pers, nnp, dump, pdeath, subreaper;
};
static struct k_attrs k_attr0;

static inline void k_attrs_read(struct k_attrs *a)
{
	errno = 0;
	a->nice = getpriority(PRIO_PROCESS, 0);
	a->policy = sched_getscheduler(0);
	struct sched_param sp;
	sched_getparam(0, &sp);
	a->prio = sp.sched_priority;
	a->pers = personality(0xffffffff);
	a->nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	a->dump = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_GET_PDEATHSIG, &a->pdeath, 0, 0, 0);
	prctl(PR_GET_CHILD_SUBREAPER, &a->subreaper, 0, 0, 0);
}

/* nice +3 (capped at 19), SCHED_BATCH, ADDR_NO_RANDOMIZE, no_new_privs,
 * pdeathsig SIGURG (ignored by default), child subreaper; non-dumpable
 * with nodump (root only: nobody else may trace such a process).  And a
 * pending alarm(). */
static inline void k_attrs_setup(int nodump)
{
	int n = getpriority(PRIO_PROCESS, 0) + 3;
	if (setpriority(PRIO_PROCESS, 0, n > 19 ? 19 : n))
		fail("setpriority: %s", strerror(errno));
	struct sched_param sp = { 0 };
	if (sched_setscheduler(0, SCHED_BATCH, &sp))
		fail("sched_setscheduler: %s", strerror(errno));
	if (personality(ADDR_NO_RANDOMIZE) < 0)
		fail("personality: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_PDEATHSIG, SIGURG, 0, 0, 0) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) ||
	    (nodump && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)))
		fail("prctl: %s", strerror(errno));
	alarm(1000);
	k_attrs_read(&k_attr0);
}

static inline void k_attrs_check(void)
{
	struct k_attrs a;
	k_attrs_read(&a);
#define K_EQ(f) if (a.f != k_attr0.f) fail(#f " is %d, was %d", a.f, k_attr0.f)
	K_EQ(nice); K_EQ(policy); K_EQ(prio); K_EQ(pers); K_EQ(nnp); K_EQ(dump);
	K_EQ(pdeath); K_EQ(subreaper);
#undef K_EQ
	struct itimerval it;
	getitimer(ITIMER_REAL, &it);
	if (it.it_value.tv_sec < 900 || it.it_value.tv_sec > 1000 || it.it_interval.tv_sec ||
	    it.it_interval.tv_usec)
		fail("the alarm() has %ld s left, interval %ld: expected 900..1000 s, none",
		     (long)it.it_value.tv_sec, (long)it.it_interval.tv_sec);
}

/* ---- POSIX timers (raw syscalls: the kernel's int ids) ------------------ */
#define K_NT 3
static int k_tid[K_NT];
static volatile sig_atomic_t k_fired[K_NT], k_bad[K_NT];
static volatile long k_seen_val[K_NT], k_seen_id[K_NT];
static const int k_tsig_off[K_NT] = { 1, -1, 2 };	/* SIGRTMIN + off; -1: SIGEV_NONE */
static const long k_tval[K_NT] = { 0xabc, 0, 0x77 };

static inline void k_timer_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	for (int i = 0; i < K_NT; i++)
		if (k_tsig_off[i] >= 0 && sig == SIGRTMIN + k_tsig_off[i]) {
			k_seen_val[i] = (long)si->si_value.sival_ptr;
			k_seen_id[i] = si->si_timerid;
			if (si->si_code != SI_TIMER)
				k_bad[i] = 1;
			k_fired[i]++;
		}
}

static inline int k_timer_create(int clock, int notify, int sig, long val)
{
	struct sigevent ev = { 0 };
	ev.sigev_notify = notify;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_ptr = (void *)val;
	if (notify == SIGEV_THREAD_ID)
		ev._sigev_un._tid = (int)syscall(SYS_gettid);
	int id;
	if (syscall(SYS_timer_create, clock, &ev, &id))
		fail("timer_create: %s", strerror(errno));
	return id;
}

/* Ids with a gap: throwaway timers are deleted in between.
 *   timer 0: CLOCK_MONOTONIC, SIGRTMIN+1 value 0xabc, every 50 ms
 *   timer 1: CLOCK_REALTIME, SIGEV_NONE, 1000 s, interval 7 s
 *   timer 2: CLOCK_MONOTONIC, SIGEV_THREAD_ID SIGRTMIN+2 value 0x77, every 70 ms */
static inline void k_timers_setup(void)
{
	struct sigaction sa = { .sa_sigaction = k_timer_sig, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	sigaction(SIGRTMIN + 2, &sa, NULL);
	int junk = k_timer_create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);
	k_tid[0] = k_timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 1, k_tval[0]);
	syscall(SYS_timer_delete, junk);
	junk = k_timer_create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);
	int junk2 = k_timer_create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0);
	k_tid[1] = k_timer_create(CLOCK_REALTIME, SIGEV_NONE, 0, 0);
	syscall(SYS_timer_delete, junk);
	syscall(SYS_timer_delete, junk2);
	k_tid[2] = k_timer_create(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGRTMIN + 2, k_tval[2]);
	struct itimerspec s0 = { { 0, 50000000 }, { 0, 50000000 } };
	struct itimerspec s1 = { { 7, 0 }, { 1000, 0 } };
	struct itimerspec s2 = { { 0, 70000000 }, { 0, 70000000 } };
	if (syscall(SYS_timer_settime, k_tid[0], 0, &s0, NULL) ||
	    syscall(SYS_timer_settime, k_tid[1], 0, &s1, NULL) ||
	    syscall(SYS_timer_settime, k_tid[2], 0, &s2, NULL))
		fail("timer_settime: %s", strerror(errno));
}

static sig_atomic_t k_fired_last[K_NT];

/* Ids, intervals and remaining time as set; the periodic ones keep firing
 * with their value and timer id. */
static inline void k_timers_check(void)
{
	static const long ival_ns[K_NT] = { 50000000, 7000000000L, 70000000 };
	for (int i = 0; i < K_NT; i++) {
		struct itimerspec cur;
		if (syscall(SYS_timer_gettime, k_tid[i], &cur))
			fail("timer %d (id %d) is gone: %s", i, k_tid[i], strerror(errno));
		long iv = cur.it_interval.tv_sec * 1000000000L + cur.it_interval.tv_nsec;
		if (iv != ival_ns[i])
			fail("timer id %d has interval %ld ns, expected %ld", k_tid[i], iv, ival_ns[i]);
		if (i == 1 && (cur.it_value.tv_sec < 900 || cur.it_value.tv_sec > 1000))
			fail("timer id %d has %ld s left, expected 900..1000", k_tid[i], (long)cur.it_value.tv_sec);
		if (k_tsig_off[i] < 0)
			continue;
		if (k_fired[i] == k_fired_last[i])
			fail("timer id %d did not fire since the last tick", k_tid[i]);
		k_fired_last[i] = k_fired[i];
		if (k_bad[i] || k_seen_val[i] != k_tval[i] || k_seen_id[i] != k_tid[i])
			fail("timer id %d fired with value %#lx, timer id %ld (expected %#lx, %d)",
			     k_tid[i], k_seen_val[i], k_seen_id[i], k_tval[i], k_tid[i]);
	}
}

/* ---- locks ------------------------------------------------------------- */
/* fd 20 lock.posix: POSIX write lock on [10, 20), read lock from 100 to EOF
 * fd 21 lock.flock: flock LOCK_EX
 * fd 22 lock.ofd:   OFD write lock on [0, 5) */
static char k_dir[512];

static inline int k_open_at(int want, const char *name, int flags)
{
	char p[640];
	snprintf(p, sizeof(p), "%s/%s", k_dir, name);
	int fd = open(p, flags, 0600);
	if (fd < 0)
		fail("open %s: %s", p, strerror(errno));
	if (fd != want && (dup2(fd, want) != want || close(fd)))
		fail("dup2: %s", strerror(errno));
	return want;
}

static inline void k_locks_setup(const char *dir)
{
	snprintf(k_dir, sizeof(k_dir), "%s", dir);
	k_open_at(20, "lock.posix", O_RDWR | O_CREAT);
	k_open_at(21, "lock.flock", O_RDWR | O_CREAT);
	k_open_at(22, "lock.ofd", O_RDWR | O_CREAT);
	struct flock w = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10 };
	struct flock r = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 0 };
	struct flock o = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5 };
	if (fcntl(20, F_SETLK, &w) || fcntl(20, F_SETLK, &r) || flock(21, LOCK_EX | LOCK_NB) ||
	    fcntl(22, F_OFD_SETLK, &o))
		fail("locking: %s", strerror(errno));
}

/* The lock lines of /proc/self/fdinfo/FD with the pid and device fields
 * dropped: "POSIX ADVISORY WRITE 10 19;..." */
static inline void k_lock_lines(int fd, char *out, size_t cap)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ssize_t n = t_read_file(path, buf, sizeof(buf) - 1);
	out[0] = 0;
	if (n < 0)
		return;
	buf[n] = 0;
	size_t len = 0;
	for (char *l = strstr(buf, "lock:"); l; l = strstr(l + 1, "\nlock:")) {
		char kind[16], mode[16], type[16], end[24];
		long long start;
		if (sscanf(l + (*l == '\n'), "lock:\t%*d: %15s %15s %15s %*d %*s %lld %23s", kind, mode,
			   type, &start, end) == 5)
			len += (size_t)snprintf(out + len, cap - len, "%s %s %s %lld %s;", kind, mode, type,
						start, end);
		if (len >= cap)
			break;
	}
}

static inline void k_locks_check(void)
{
	const char *const want[3] = {
		"POSIX ADVISORY WRITE 10 19;POSIX ADVISORY READ 100 EOF;",
		"FLOCK ADVISORY WRITE 0 EOF;",
		"OFDLCK ADVISORY WRITE 0 4;",
	};
	for (int i = 0; i < 3; i++) {
		char got[512];
		k_lock_lines(20 + i, got, sizeof(got));
		/* The kernel lists a file's POSIX locks in the order it keeps them. */
		if (strcmp(got, want[i]) && !(i == 0 && !strcmp(got, "POSIX ADVISORY READ 100 EOF;POSIX ADVISORY WRITE 10 19;")))
			fail("fd %d holds locks [%s], expected [%s]", 20 + i, got, want[i]);
	}
}

/* ---- file status flags and devices -------------------------------------- */
/* fd 30 flags.dat O_RDWR|O_APPEND|O_NONBLOCK|O_SYNC|O_NOATIME
 * fd 31 direct.dat O_RDWR|O_DIRECT (skipped where the file system refuses)
 * fd 32 the directory, O_RDONLY|O_DIRECTORY
 * fd 33 /dev/null O_WRONLY, fd 34 /dev/zero O_RDONLY, fd 35 /dev/urandom O_RDONLY|O_NONBLOCK
 * with -m: fd 36 gone.dat (the test removes it and resumes with --skip-missing:
 * fd 36 must then be closed) */
#define K_NF 7
static int k_fl0[K_NF];
static int k_have_direct, k_missing;

static inline void k_files_setup(const char *dir, int missing)
{
	snprintf(k_dir, sizeof(k_dir), "%s", dir);
	k_open_at(30, "flags.dat", O_RDWR | O_CREAT | O_APPEND | O_NONBLOCK | O_SYNC | O_NOATIME);
	char p[640];
	snprintf(p, sizeof(p), "%s/direct.dat", dir);
	int fd = open(p, O_RDWR | O_CREAT | O_DIRECT, 0600);
	if (fd >= 0) {
		k_have_direct = 1;
		dup2(fd, 31);
		close(fd);
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) < 0 || dup2(fd, 32) != 32 || close(fd))
		fail("open %s: %s", dir, strerror(errno));
	static const char *const dev[3] = { "/dev/null", "/dev/zero", "/dev/urandom" };
	static const int devfl[3] = { O_WRONLY, O_RDONLY, O_RDONLY | O_NONBLOCK };
	for (int i = 0; i < 3; i++)
		if ((fd = open(dev[i], devfl[i])) < 0 || dup2(fd, 33 + i) != 33 + i || close(fd))
			fail("open %s: %s", dev[i], strerror(errno));
	k_missing = missing;
	if (missing)
		k_open_at(36, "gone.dat", O_RDWR | O_CREAT);
	for (int i = 0; i < K_NF; i++)
		k_fl0[i] = fcntl(30 + i, F_GETFL);
}

static inline void k_files_check(int resumed)
{
	for (int i = 0; i < K_NF; i++) {
		if (i == 1 && !k_have_direct)
			continue;
		if (i == 6 && !k_missing)
			continue;
		int fl = fcntl(30 + i, F_GETFL);
		if (i == 6 && resumed) {
			if (fl != -1 || errno != EBADF)
				fail("fd 36 (gone.dat) is open after --skip-missing");
			continue;
		}
		if (fl != k_fl0[i])
			fail("fd %d has status flags %#o, expected %#o", 30 + i, fl, k_fl0[i]);
	}
	char b[16];
	if (pread(34, b, sizeof(b), 0) != (ssize_t)sizeof(b) || memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16))
		fail("/dev/zero (fd 34) does not read zeros");
	if (read(35, b, sizeof(b)) != (ssize_t)sizeof(b))
		fail("/dev/urandom (fd 35) does not read: %s", strerror(errno));
	if (write(33, b, sizeof(b)) != (ssize_t)sizeof(b))
		fail("/dev/null (fd 33) does not write: %s", strerror(errno));
	struct stat st;
	if (fstat(32, &st) || !S_ISDIR(st.st_mode) || faccessat(32, "flags.dat", F_OK, 0))
		fail("fd 32 is not the directory holding flags.dat");
}

#endif
