/* --same-pids target (tests/cases/77-79-same-pids*.sh): stores getpid() and a
 * worker thread's gettid() at start; each tick prints them with the current
 * ones ("ids ... same" or "ids ... diff") and checks that the process works
 * either way: /proc/self is this process, pthread_kill reaches the worker,
 * glibc's cached TID (PR_GET_TID_ADDRESS) equals gettid() in the worker.
 * SIGUSR2: exit status 42. */
#include "common.h"

#include <pthread.h>
#include <sys/prctl.h>

static volatile pid_t w_tid0, w_tid_now;
static volatile int w_cached_bad, w_ticks;

static void *worker(void *arg)
{
	(void)arg;
	w_tid0 = (pid_t)syscall(SYS_gettid);
	for (;;) {
		pid_t t = (pid_t)syscall(SYS_gettid);
		int *addr = NULL;
		if (prctl(PR_GET_TID_ADDRESS, &addr) == 0 && addr && *addr != t)
			w_cached_bad = 1;
		w_tid_now = t;
		w_ticks++;
		t_sleep_ms(20);
	}
	return NULL;
}

static void on_usr2(int sig)
{
	(void)sig;
	_exit(42);
}

int main(void)
{
	t_init();
	signal(SIGUSR2, on_usr2);	/* exit status 42: passed on by --same-pids */
	pthread_t th;
	if (pthread_create(&th, NULL, worker, NULL) != 0)
		fail("pthread_create");
	while (!w_tid0)
		t_sleep_ms(5);
	say("ready pid=%d tid=%d", (int)getpid(), (int)w_tid0);
	for (;;) {
		char buf[64];
		ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
		if (n <= 0)
			fail("readlink /proc/self: %s", strerror(errno));
		buf[n] = 0;
		if (atoi(buf) != getpid())
			fail("/proc/self is %s, getpid() is %d", buf, (int)getpid());
		if ((pid_t)syscall(SYS_gettid) != getpid())
			fail("main thread: gettid %d != getpid %d", (int)syscall(SYS_gettid), (int)getpid());
		if (pthread_kill(th, 0) != 0)
			fail("pthread_kill(worker, 0) failed");
		if (w_cached_bad)
			fail("the worker's cached TID differs from gettid()");
		int w = w_ticks;
		t_sleep_ms(100);
		if (w_ticks == w)
			fail("the worker thread makes no progress");
		pid_t tn = w_tid_now;
		say("ids pid0=%d pid=%d tid0=%d tid=%d %s", (int)t_pid_orig, (int)getpid(), (int)w_tid0,
		    (int)tn, getpid() == t_pid_orig && tn == w_tid0 ? "same" :
		    getpid() != t_pid_orig && tn != w_tid0 ? "diff" : "mixed");
		t_tick();
	}
}
