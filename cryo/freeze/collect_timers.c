/* ITIMER records: ITIMER_REAL (alarm() too), ITIMER_VIRTUAL, ITIMER_PROF. */
#include "freeze.h"

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>

int collect_timers(struct freeze_ctx *ctx)
{
	static const char *const names[] = { "ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF" };
	if (remote_scratch(&ctx->remote, 4096))
		return FREEZE_ERR;
	for (int which = 0; which < 3; which++) {
		/* struct itimerval: interval {sec, usec}, value {sec, usec} */
		uint64_t v[4];
		long ret;
		if (remote_syscall(&ctx->remote, &ret, SYS_getitimer, (uint64_t)which,
				   ctx->remote.scratch, 0, 0, 0, 0))
			return FREEZE_ERR;
		if (ret || remote_read(&ctx->remote, ctx->remote.scratch, v, sizeof(v))) {
			freeze_error("cannot read %s of process %d: %s", names[which], (int)ctx->pid,
				     ret ? strerror((int)-ret) : "scratch read failed");
			return FREEZE_ERR;
		}
		struct cryo_itimer t = {
			.which = (uint64_t)which, .interval_sec = v[0], .interval_usec = v[1],
			.value_sec = v[2], .value_usec = v[3],
		};
		if (v[2] || v[3])
			freeze_info(ctx, "%s: %llu.%06llu s left, interval %llu.%06llu s",
				    names[which], (unsigned long long)v[2], (unsigned long long)v[3],
				    (unsigned long long)v[0], (unsigned long long)v[1]);
		freeze_emit(ctx, CRYO_REC_ITIMER, &t);
	}
	return FREEZE_OK;
}
