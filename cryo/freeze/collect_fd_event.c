/* Dispatch for event descriptors: recognise the kind from the /proc link,
 * let its collector emit the kind's state, then emit the FILE record that
 * puts the descriptor at its number with its flags. */
#include "fd_event.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *fdinfo_text(pid_t pid, int fd)
{
	char name[32];
	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	return proc_read(pid, name, NULL);
}

const char *fdinfo_get(const char *text, const char *key)
{
	size_t k = strlen(key);
	for (const char *line = text; line && *line;) {
		if (!strncmp(line, key, k))
			return line + k;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

typedef int (*collect_fn)(struct freeze_ctx *, int, const char *, const char *);

static const struct {
	const char *link;
	uint64_t kind;
	collect_fn collect;
} kinds[] = {
	{ "anon_inode:[eventfd]", CRYO_FILE_EVENTFD, collect_eventfd },
	{ "anon_inode:[timerfd]", CRYO_FILE_TIMERFD, collect_timerfd },
	{ "anon_inode:[signalfd]", CRYO_FILE_SIGNALFD, collect_signalfd },
	{ "anon_inode:[eventpoll]", CRYO_FILE_EPOLL, collect_epoll },
	{ "anon_inode:inotify", CRYO_FILE_INOTIFY, collect_inotify },
};

int collect_fd_event(struct freeze_ctx *ctx, int fd, const char *link, uint64_t share_fd)
{
	size_t k = 0, nk = sizeof(kinds) / sizeof(kinds[0]);
	while (k < nk && strcmp(link, kinds[k].link))
		k++;
	if (k == nk)
		return -1;
	char *info = fdinfo_text(ctx->pid, fd);
	const char *fl = info ? fdinfo_get(info, "flags:") : NULL;
	if (!fl) {
		freeze_error("fd %d -> %s: cannot read /proc/%d/fdinfo/%d", fd, link, (int)ctx->pid, fd);
		free(info);
		return FREEZE_ERR;
	}
	uint64_t flags = strtoull(fl, NULL, 8);
	/* A dup of an earlier fd shares its object: the state is saved once,
	 * with the first, and this one comes back as a dup of it. */
	int rc = share_fd ? FREEZE_OK : kinds[k].collect(ctx, fd, link, info);
	free(info);
	if (rc != FREEZE_OK)
		return rc;
	struct cryo_file f = {
		.fd = (uint64_t)fd,
		.kind = kinds[k].kind,
		.flags = flags & ~(uint64_t)O_CLOEXEC,
		.cloexec = (flags & O_CLOEXEC) ? 1 : 0,
		.share_fd = share_fd,
		.path = { (const uint8_t *)link, (uint32_t)strlen(link) + 1 },
	};
	freeze_info(ctx, "fd %d -> %s: flags %#llo%s%s", fd, link, (unsigned long long)f.flags,
		    f.cloexec ? " cloexec" : "", share_fd ? " (shared with an earlier fd)" : "");
	freeze_emit(ctx, CRYO_REC_FILE, &f);
	return FREEZE_OK;
}
