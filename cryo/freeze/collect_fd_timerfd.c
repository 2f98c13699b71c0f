/* timerfd: clock, settime flags, interval, time left and unread ticks.
 *
 * fdinfo alone understates an expired periodic timer: the kernel forwards
 * it (and adds the missed periods to ticks) only when it is read or asked.
 * So timerfd_gettime runs in the target first (it forwards without
 * consuming anything), then fdinfo is read for the ticks. */
#include "fd_event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

#define NSEC 1000000000ull

static int remote_gettime(struct freeze_ctx *ctx, int fd, const char *link, uint64_t its[4])
{
	long ret;
	if (remote_scratch(&ctx->remote, 4096) ||
	    remote_syscall(&ctx->remote, &ret, SYS_timerfd_gettime, (uint64_t)fd,
			   ctx->remote.scratch, 0, 0, 0, 0))
		return FREEZE_ERR;
	if (ret) {
		freeze_error("fd %d -> %s: timerfd_gettime in the process: %s", fd, link,
			     strerror((int)-ret));
		return FREEZE_ERR;
	}
	/* struct itimerspec: it_interval {sec, nsec}, it_value {sec, nsec} */
	return remote_read(&ctx->remote, ctx->remote.scratch, its, 4 * 8) ? FREEZE_ERR : FREEZE_OK;
}

int collect_timerfd(struct freeze_ctx *ctx, int fd, const char *link, const char *info)
{
	(void)info;	/* stale until timerfd_gettime has forwarded the timer */
	uint64_t its[4];
	int rc = remote_gettime(ctx, fd, link, its);
	if (rc)
		return rc;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	char *text = fdinfo_text(ctx->pid, fd);
	const char *clk = text ? fdinfo_get(text, "clockid:") : NULL;
	const char *ticks = text ? fdinfo_get(text, "ticks:") : NULL;
	const char *sflags = text ? fdinfo_get(text, "settime flags:") : NULL;
	if (!clk || !ticks || !sflags) {
		freeze_error("fd %d -> %s: its fdinfo lacks clockid, ticks or settime flags", fd, link);
		free(text);
		return FREEZE_REFUSED;
	}
	struct cryo_timerfd t = {
		.fd = (uint64_t)fd,
		.clockid = strtoull(clk, NULL, 10),
		.ticks = strtoull(ticks, NULL, 10),
		.settime_flags = strtoull(sflags, NULL, 8),
		.interval_sec = its[0], .interval_nsec = its[1],
		.value_sec = its[2], .value_nsec = its[3],
	};
	free(text);
	/* A wall-clock deadline keeps its meaning across the freeze: store it
	 * absolute.  Any other clock (MONOTONIC, BOOTTIME) restarts at another
	 * origin on another boot, so the time left is what is kept. */
	int wall = t.clockid == CLOCK_REALTIME || t.clockid == CLOCK_REALTIME_ALARM;
	if (wall && (t.settime_flags & TFD_TIMER_ABSTIME) && (t.value_sec || t.value_nsec)) {
		uint64_t ns = t.value_nsec + (uint64_t)now.tv_nsec;
		t.value_sec += (uint64_t)now.tv_sec + ns / NSEC;
		t.value_nsec = ns % NSEC;
	}
	freeze_info(ctx, "fd %d: timerfd clock %llu flags %#llo value %llu.%09llu interval "
		    "%llu.%09llu ticks %llu", fd, (unsigned long long)t.clockid,
		    (unsigned long long)t.settime_flags, (unsigned long long)t.value_sec,
		    (unsigned long long)t.value_nsec, (unsigned long long)t.interval_sec,
		    (unsigned long long)t.interval_nsec, (unsigned long long)t.ticks);
	freeze_emit(ctx, CRYO_REC_TIMERFD, &t);
	return FREEZE_OK;
}
