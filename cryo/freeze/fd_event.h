/* Event descriptors (eventfd, timerfd, signalfd, epoll, inotify): what the
 * per-kind collectors (collect_fd_*.c) share with their dispatcher
 * (collect_fd_event.c).  Each collector gets the fd, its /proc link and
 * the text of its fdinfo, emits its companion records and returns an enum
 * freeze_exit; the dispatcher emits the FILE record. */
#ifndef CRYO_FREEZE_FD_EVENT_H
#define CRYO_FREEZE_FD_EVENT_H

#include "freeze.h"

/* /proc/PID/fdinfo/FD as a malloc'd string, NULL on error. */
char *fdinfo_text(pid_t pid, int fd);
/* What follows key at the start of a line of text ("flags:"), or NULL. */
const char *fdinfo_get(const char *text, const char *key);

int collect_eventfd(struct freeze_ctx *ctx, int fd, const char *link, const char *info);
int collect_timerfd(struct freeze_ctx *ctx, int fd, const char *link, const char *info);
int collect_signalfd(struct freeze_ctx *ctx, int fd, const char *link, const char *info);
int collect_epoll(struct freeze_ctx *ctx, int fd, const char *link, const char *info);
int collect_inotify(struct freeze_ctx *ctx, int fd, const char *link, const char *info);

#endif
