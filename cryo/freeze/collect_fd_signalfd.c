/* signalfd: its mask (fdinfo "sigmask", hex).  The signals it reads are the
 * process's pending signals, saved with the process (collect_signals.c). */
#include "fd_event.h"

#include <stdlib.h>

int collect_signalfd(struct freeze_ctx *ctx, int fd, const char *link, const char *info)
{
	const char *m = fdinfo_get(info, "sigmask:");
	if (!m) {
		freeze_error("fd %d -> %s: its fdinfo has no sigmask", fd, link);
		return FREEZE_REFUSED;
	}
	struct cryo_signalfd r = { .fd = (uint64_t)fd, .sigmask = strtoull(m, NULL, 16) };
	freeze_info(ctx, "fd %d: signalfd mask %#llx", fd, (unsigned long long)r.sigmask);
	freeze_emit(ctx, CRYO_REC_SIGNALFD, &r);
	return FREEZE_OK;
}
