/* eventfd: the counter and the EFD_SEMAPHORE flag, both from fdinfo. */
#include "fd_event.h"

#include <stdlib.h>

int collect_eventfd(struct freeze_ctx *ctx, int fd, const char *link, const char *info)
{
	const char *c = fdinfo_get(info, "eventfd-count:");
	if (!c) {
		freeze_error("fd %d -> %s: its fdinfo has no eventfd-count", fd, link);
		return FREEZE_REFUSED;
	}
	struct cryo_eventfd e = { .fd = (uint64_t)fd, .count = strtoull(c, NULL, 16) };
	const char *sem = fdinfo_get(info, "eventfd-semaphore:");
	if (sem)
		e.semaphore = strtoull(sem, NULL, 10) != 0;
	else	/* Linux < 6.5 does not show it, and nothing else does */
		freeze_warn("fd %d -> %s: this kernel does not tell whether it is an EFD_SEMAPHORE "
			    "eventfd; it comes back as a plain counter", fd, link);
	freeze_info(ctx, "fd %d: eventfd count %llu%s", fd, (unsigned long long)e.count,
		    e.semaphore ? " (semaphore)" : "");
	freeze_emit(ctx, CRYO_REC_EVENTFD, &e);
	return FREEZE_OK;
}
