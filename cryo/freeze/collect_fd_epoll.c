/* epoll: every watch (fdinfo "tfd: N events: X data: Y").  A watch is
 * keyed by the file and the fd number it was added with; it can come back
 * only if that number still names that file in the process (kcmp
 * KCMP_EPOLL_TFD), because the restorer re-adds it by number. */
#include "fd_event.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/kcmp.h>

/* 0: tfd still names the watched file; else a refusal was printed. */
static int check_target(struct freeze_ctx *ctx, int epfd, const char *link, int tfd,
			unsigned toff, unsigned long ino)
{
	struct kcmp_epoll_slot slot = { (uint32_t)epfd, (uint32_t)tfd, toff };
	long r = syscall(SYS_kcmp, ctx->pid, ctx->pid, KCMP_EPOLL_TFD, tfd, &slot);
	if (r < 0 && (errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
		/* no CONFIG_CHECKPOINT_RESTORE: fall back on the inode number */
		char path[64];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)ctx->pid, tfd);
		r = stat(path, &st) ? (errno = EBADF, -1) : st.st_ino != ino;
	}
	if (r == 0)
		return 0;
	if (r < 0 && errno == EBADF)
		freeze_error("fd %d -> %s watches fd %d, which the process has closed since (the "
			     "watch lives on with the file): cannot be restored", epfd, link, tfd);
	else if (r < 0)
		freeze_error("fd %d -> %s: cannot check its watch of fd %d (kcmp: %s)", epfd, link,
			     tfd, strerror(errno));
	else
		freeze_error("fd %d -> %s watches fd %d, which now names another file (closed and "
			     "reused since): cannot be restored", epfd, link, tfd);
	return -1;
}

/* kcmp's toff: how many watches before this line (fdinfo lists them in
 * the kernel's order) were added with the same fd number. */
static unsigned same_tfd_before(const char *info, const char *line, int tfd)
{
	unsigned n = 0;
	for (const char *l = info; l && l < line; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		int t;
		if (sscanf(l, "tfd: %d", &t) == 1 && t == tfd)
			n++;
	}
	return n;
}

int collect_epoll(struct freeze_ctx *ctx, int fd, const char *link, const char *info)
{
	int rc = FREEZE_OK;
	for (const char *line = info; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		int tfd;
		unsigned events;
		unsigned long long data;
		unsigned long ino = 0;
		if (strncmp(line, "tfd:", 4))
			continue;
		if (sscanf(line, "tfd: %d events: %x data: %llx pos:%*d ino:%lx", &tfd, &events,
			   &data, &ino) < 3) {
			freeze_error("fd %d -> %s: cannot parse its fdinfo line: %.80s", fd, link, line);
			return FREEZE_ERR;
		}
		if (check_target(ctx, fd, link, tfd, same_tfd_before(info, line, tfd), ino)) {
			rc = FREEZE_REFUSED;
			continue;
		}
		struct cryo_epoll_item it = { (uint64_t)fd, (uint64_t)tfd, events, data };
		freeze_info(ctx, "fd %d: epoll watches fd %d events %#x data %#llx", fd, tfd, events,
			    data);
		freeze_emit(ctx, CRYO_REC_EPOLL_ITEM, &it);
	}
	return rc;
}
