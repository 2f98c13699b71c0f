/* Multi-threaded target (tests/cases/70-*.sh).
 *
 * usage: threads work N    N workers under one mutex, a condition variable
 *                          and a barrier; each tick checks that every worker
 *                          made progress and the shared totals agree
 *        threads churn     threads created and joined without pause
 *        threads signal    after a resume: pthread_kill and pthread_cancel
 *                          on threads blocked in nanosleep and pause
 *        threads read      a thread blocked in read() on a pipe the main
 *                          thread writes one byte to per tick
 *        threads mainexit  the main thread leaves (pthread_exit) and another
 *                          ticks on: a freeze must refuse it
 *        threads mutex     a thread holds a normal and a robust mutex across
 *                          the freeze; after a resume it unlocks them (the
 *                          robust one checks its owner TID) and the main
 *                          thread takes them
 *
 * In every mode each tick also checks, in every thread, that glibc's cached
 * TID (the word PR_GET_TID_ADDRESS points at) equals gettid(), and that
 * each thread's TLS still holds its own index.
 */
#include "common.h"

#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#define MAXW 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static long shared_total;		/* under mu */
static long per_worker[MAXW];		/* under mu */
static long turn;			/* under mu: whose turn on the condvar */
static int nworkers;
static __thread int my_index = -1;
static volatile int tid_bad;		/* a thread saw a wrong cached TID */

/* glibc keeps the TID at the clear_child_tid address. */
static void check_cached_tid(void)
{
	int *addr = NULL;
	if (prctl(PR_GET_TID_ADDRESS, &addr) != 0 || !addr)
		return;	/* no CONFIG_CHECKPOINT_RESTORE: cannot tell */
	if (*addr != (int)syscall(SYS_gettid))
		tid_bad = 1;
}

static void *worker(void *arg)
{
	my_index = (int)(intptr_t)arg;
	for (long round = 0;; round++) {
		pthread_mutex_lock(&mu);
		/* Take turns through the condition variable. */
		while (turn % nworkers != my_index)
			pthread_cond_wait(&cv, &mu);
		shared_total++;
		per_worker[my_index]++;
		turn++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		if (my_index != (int)(intptr_t)arg)
			fail("TLS index %d, expected %d", my_index, (int)(intptr_t)arg);
		check_cached_tid();
		if (round % 16 == 15)
			pthread_barrier_wait(&bar);
	}
	return NULL;
}

static void run_work(int n)
{
	if (n < 1 || n > MAXW)
		fail("bad worker count %d", n);
	nworkers = n;
	pthread_barrier_init(&bar, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		pthread_t th;
		if (pthread_create(&th, NULL, worker, (void *)(intptr_t)i))
			fail("pthread_create");
		pthread_detach(th);
	}
	long last[MAXW] = { 0 };
	say("ready");
	for (;;) {
		t_sleep_ms(100);
		pthread_mutex_lock(&mu);
		long sum = 0, progress = 1;
		for (int i = 0; i < n; i++) {
			sum += per_worker[i];
			if (per_worker[i] == last[i])
				progress = 0;
			last[i] = per_worker[i];
		}
		long total = shared_total;
		pthread_mutex_unlock(&mu);
		if (sum != total)
			fail("per-worker counts sum to %ld, the total is %ld", sum, total);
		if (!progress)
			fail("a worker made no progress in 100 ms");
		check_cached_tid();
		if (tid_bad)
			fail("a thread's cached TID differs from gettid()");
		t_tick();
	}
}

static void *short_lived(void *arg)
{
	check_cached_tid();
	return (void *)((intptr_t)arg * 2);
}

static void *churner(void *arg)
{
	(void)arg;
	for (intptr_t i = 0;; i++) {
		pthread_t th;
		void *ret;
		if (pthread_create(&th, NULL, short_lived, (void *)i))
			fail("pthread_create");
		if (pthread_join(th, &ret) || ret != (void *)(i * 2))
			fail("pthread_join");
	}
	return NULL;
}

static void run_churn(void)
{
	for (int i = 0; i < 2; i++) {
		pthread_t th;
		if (pthread_create(&th, NULL, churner, NULL))
			fail("pthread_create");
	}
	say("ready");
	for (;;) {
		t_sleep_ms(100);
		check_cached_tid();
		if (tid_bad)
			fail("a thread's cached TID differs from gettid()");
		t_tick();
	}
}

static volatile int usr1_tid;		/* gettid() in the SIGUSR1 handler */

static void on_usr1(int sig)
{
	(void)sig;
	usr1_tid = (int)syscall(SYS_gettid);
}

static volatile int sleeper_tid;
static volatile int sleeper_state;	/* 1: its name, nice and SIGUSR2 came back */
static char sleeper_altstack[65536];

/* The sleeper has a name and a nice value of its own, and a SIGUSR2 that
 * it blocks pending in its own queue (to the process, it would kill it). */
static void sleeper_check(void)
{
	char name[16] = "";
	sigset_t pend;
	errno = 0;
	int nice_now = getpriority(PRIO_PROCESS, 0);
	prctl(PR_GET_NAME, name);
	sigpending(&pend);
	if (strcmp(name, "sleeper") || nice_now != 3 || !sigismember(&pend, SIGUSR2))
		fail("sleeper: name '%s', nice %d, SIGUSR2 %s", name, nice_now,
		     sigismember(&pend, SIGUSR2) ? "pending" : "lost");
	stack_t ss;
	if (sigaltstack(NULL, &ss) || ss.ss_sp != sleeper_altstack ||
	    ss.ss_size != sizeof(sleeper_altstack))
		fail("sleeper: its alternate signal stack is %p (%zu bytes)", ss.ss_sp, ss.ss_size);
	sleeper_state = 1;
}

static void *sleeper(void *arg)
{
	(void)arg;
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	prctl(PR_SET_NAME, "sleeper");
	stack_t ss = { .ss_sp = sleeper_altstack, .ss_size = sizeof(sleeper_altstack) };
	if (sigaltstack(&ss, NULL))
		fail("sigaltstack: %s", strerror(errno));
	if (setpriority(PRIO_PROCESS, 0, 3))
		fail("setpriority: %s", strerror(errno));
	sleeper_tid = (int)syscall(SYS_gettid);
	for (;;) {
		check_cached_tid();
		struct timespec ts = { 3600, 0 };
		nanosleep(&ts, NULL);	/* EINTR by SIGUSR1: go on */
		sleeper_tid = (int)syscall(SYS_gettid);
		sleeper_check();
	}
	return NULL;
}

static void *cancellable(void *arg)
{
	(void)arg;
	for (;;)
		pause();	/* a cancellation point */
	return NULL;
}

static void run_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t sl, ca;
	if (pthread_create(&sl, NULL, sleeper, NULL) ||
	    pthread_create(&ca, NULL, cancellable, NULL))
		fail("pthread_create");
	while (!sleeper_tid)
		t_sleep_ms(1);
	pthread_kill(sl, SIGUSR2);	/* blocked there: stays in its queue */
	say("ready");
	for (;;) {
		t_sleep_ms(100);
		if (t_moved() && !t_is_orig()) {
			/* Resumed: both threads are blocked; reach them through
			 * their pthread_t, i.e. glibc's cached TIDs. */
			t_sleep_ms(100);
			usr1_tid = 0;
			int e = pthread_kill(sl, SIGUSR1);
			if (e)
				fail("pthread_kill: %s", strerror(e));
			for (int i = 0; i < 200 && !usr1_tid; i++)
				t_sleep_ms(5);
			if (usr1_tid != sleeper_tid || !usr1_tid)
				fail("SIGUSR1 handled in thread %d, the sleeper is %d", usr1_tid,
				     sleeper_tid);
			for (int i = 0; i < 200 && !sleeper_state; i++)
				t_sleep_ms(5);
			if (!sleeper_state)
				fail("the sleeper did not check its state");
			if ((e = pthread_cancel(ca)))
				fail("pthread_cancel: %s", strerror(e));
			void *ret;
			if ((e = pthread_join(ca, &ret)) || ret != PTHREAD_CANCELED)
				fail("pthread_join after cancel: %s", strerror(e));
			say("signalled");
		}
		check_cached_tid();
		if (tid_bad)
			fail("a thread's cached TID differs from gettid()");
		t_tick();
	}
}

static pthread_mutex_t held_normal = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held_robust;
static volatile int holding, release_now, released;

static void *mutex_holder(void *arg)
{
	(void)arg;
	if (pthread_mutex_lock(&held_normal) || pthread_mutex_lock(&held_robust))
		fail("lock");
	holding = 1;
	while (!release_now)
		t_sleep_ms(10);
	int e1 = pthread_mutex_unlock(&held_normal), e2 = pthread_mutex_unlock(&held_robust);
	if (e1 || e2)
		fail("unlock after the resume: normal %s, robust %s", strerror(e1), strerror(e2));
	released = 1;
	return NULL;
}

static void run_mutex(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&held_robust, &a);
	pthread_t th;
	if (pthread_create(&th, NULL, mutex_holder, NULL))
		fail("pthread_create");
	while (!holding)
		t_sleep_ms(1);
	say("ready");
	for (;;) {
		t_sleep_ms(100);
		if (t_moved() && !t_is_orig()) {
			release_now = 1;
			if (pthread_join(th, NULL) || !released)
				fail("the holder did not finish");
			int e1 = pthread_mutex_lock(&held_normal);
			int e2 = pthread_mutex_lock(&held_robust);
			if (e1 || e2)
				fail("lock after the resume: normal %s, robust %s", strerror(e1),
				     strerror(e2));
			pthread_mutex_unlock(&held_normal);
			pthread_mutex_unlock(&held_robust);
			say("mutexes ok");
		}
		t_tick();
	}
}

static int pipe_fd[2];
static volatile long bytes_read;

static void *reader(void *arg)
{
	(void)arg;
	for (;;) {
		char c;
		ssize_t r = read(pipe_fd[0], &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1)
			fail("read from the pipe: %s", r ? strerror(errno) : "end of file");
		if (c != (char)('a' + bytes_read % 26))
			fail("byte %ld is '%c'", bytes_read, c);
		bytes_read++;
		check_cached_tid();
	}
	return NULL;
}

static void run_read(void)
{
	pthread_t th;
	if (pipe(pipe_fd) || pthread_create(&th, NULL, reader, NULL))
		fail("pipe or pthread_create");
	say("ready");
	for (long sent = 0;; sent++) {
		/* The reader is blocked in read() most of the time. */
		t_sleep_ms(100);
		if (bytes_read != sent)
			fail("the reader got %ld bytes, %ld were sent", bytes_read, sent);
		char c = (char)('a' + sent % 26);
		if (write(pipe_fd[1], &c, 1) != 1)
			fail("write to the pipe: %s", strerror(errno));
		for (int i = 0; i < 200 && bytes_read != sent + 1; i++)
			t_sleep_ms(5);
		check_cached_tid();
		if (tid_bad)
			fail("a thread's cached TID differs from gettid()");
		t_tick();
	}
}

static void *ticker(void *arg)
{
	(void)arg;
	say("ready");
	for (;;) {
		t_sleep_ms(50);
		t_tick();
	}
	return NULL;
}

static void run_mainexit(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, ticker, NULL))
		fail("pthread_create");
	pthread_exit(NULL);
}

int main(int argc, char **argv)
{
	t_init();
	if (argc >= 3 && !strcmp(argv[1], "work"))
		run_work(atoi(argv[2]));
	else if (argc >= 2 && !strcmp(argv[1], "churn"))
		run_churn();
	else if (argc >= 2 && !strcmp(argv[1], "signal"))
		run_signal();
	else if (argc >= 2 && !strcmp(argv[1], "read"))
		run_read();
	else if (argc >= 2 && !strcmp(argv[1], "mutex"))
		run_mutex();
	else if (argc >= 2 && !strcmp(argv[1], "mainexit"))
		run_mainexit();
	fprintf(stderr, "usage: threads work N | churn | signal | read | mutex | mainexit\n");
	return 2;
}
