/* POSIX_TIMER records: the timers of timer_create(), from /proc/PID/timers
 * (id, signal and sigev_value, notification, clock) and a remote
 * timer_gettime (time to the next expiry, interval). */
#include "freeze.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif

/* One "ID: ..." block of /proc/PID/timers:
 *   ID: 3 / signal: 34/00000000deadbeef / notify: signal/pid.1234 / ClockID: 1
 * Returns the text after the block, NULL at the end or on junk. */
static const char *parse_block(const char *p, struct cryo_posix_timer *t, int *ok)
{
	unsigned long long id, value;
	int signo, clock, tid, used = 0;
	char how[16], whom[8];
	*ok = 0;
	if (sscanf(p, "ID: %llu\nsignal: %d/%llx\nnotify: %15[a-z]/%7[a-z].%d\nClockID: %d\n%n",
		   &id, &signo, &value, how, whom, &tid, &clock, &used) < 7 || !used)
		return NULL;
	t->id = id;
	t->signo = (uint64_t)signo;
	t->value = value;
	/* The kernel prints it with %px (raw) on the kernels we know; a hashed
	 * %p would show as a small-looking random value: we cannot tell, so
	 * the record says where it came from. */
	t->value_known = 1;
	t->clockid = (uint64_t)(int64_t)clock;
	t->notify_tid = (uint64_t)tid;
	if (!strcmp(how, "none"))
		t->notify = SIGEV_NONE;
	else if (!strcmp(whom, "tid"))
		t->notify = SIGEV_THREAD_ID;
	else
		t->notify = SIGEV_SIGNAL;
	*ok = 1;
	return p + used;
}

static int read_times(struct freeze_ctx *ctx, struct cryo_posix_timer *t)
{
	/* struct itimerspec: interval {sec, nsec}, value {sec, nsec} */
	int64_t v[4];
	long ret;
	if (remote_scratch(&ctx->remote, 4096) ||
	    remote_syscall(&ctx->remote, &ret, SYS_timer_gettime, t->id, ctx->remote.scratch, 0, 0,
			   0, 0))
		return FREEZE_ERR;
	if (ret || remote_read(&ctx->remote, ctx->remote.scratch, v, sizeof(v))) {
		freeze_error("cannot read POSIX timer %llu of process %d: %s",
			     (unsigned long long)t->id, (int)ctx->pid,
			     ret ? strerror((int)-ret) : "scratch read failed");
		return FREEZE_ERR;
	}
	t->interval_sec = (uint64_t)v[0];
	t->interval_nsec = (uint64_t)v[1];
	t->value_sec = (uint64_t)v[2];
	t->value_nsec = (uint64_t)v[3];
	return FREEZE_OK;
}

static int is_our_thread(const struct freeze_ctx *ctx, uint64_t tid)
{
	for (size_t i = 0; i < ctx->ntids; i++)
		if ((uint64_t)ctx->tids[i] == tid)
			return 1;
	return 0;
}

int collect_posix_timers(struct freeze_ctx *ctx)
{
	char *text = proc_read(ctx->pid, "timers", NULL);
	if (!text) {
		if (errno == ENOENT)
			return FREEZE_OK;	/* kernel without CONFIG_CHECKPOINT_RESTORE */
		freeze_error("cannot read /proc/%d/timers: %s", (int)ctx->pid, strerror(errno));
		return FREEZE_ERR;
	}
	int rc = FREEZE_OK, ok = 1;
	for (const char *p = text; rc == FREEZE_OK && *p;) {
		struct cryo_posix_timer t = { 0 };
		p = parse_block(p, &t, &ok);
		if (!ok)
			break;
		/* glibc's SIGEV_THREAD timers (vim has one) signal its helper
		 * thread: fine when that thread is one we capture, the stub
		 * points the timer at the thread's new tid. */
		if (t.notify == SIGEV_THREAD_ID && !is_our_thread(ctx, t.notify_tid)) {
			freeze_error("POSIX timer %llu of process %d notifies thread %llu, not one "
				     "of its threads: not supported", (unsigned long long)t.id,
				     (int)ctx->pid, (unsigned long long)t.notify_tid);
			rc = FREEZE_REFUSED;
			break;
		}
		/* A clock_getcpuclockid() clock names a pid, which will differ. */
		if ((int64_t)t.clockid < 0) {
			freeze_error("POSIX timer %llu of process %d runs on a CPU-time clock "
				     "(%lld): not supported", (unsigned long long)t.id,
				     (int)ctx->pid, (long long)(int64_t)t.clockid);
			rc = FREEZE_REFUSED;
			break;
		}
		if ((rc = read_times(ctx, &t)))
			break;
		freeze_info(ctx, "POSIX timer %llu: clock %lld, signal %llu, %lld.%09lld s left, "
			    "interval %lld.%09lld s", (unsigned long long)t.id,
			    (long long)(int64_t)t.clockid, (unsigned long long)t.signo,
			    (long long)t.value_sec, (long long)t.value_nsec,
			    (long long)t.interval_sec, (long long)t.interval_nsec);
		freeze_emit(ctx, CRYO_REC_POSIX_TIMER, &t);
	}
	if (rc == FREEZE_OK && !ok && *text) {
		freeze_error("cannot parse /proc/%d/timers", (int)ctx->pid);
		rc = FREEZE_ERR;
	}
	free(text);
	return rc;
}
