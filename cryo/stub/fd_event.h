/* Event descriptors in the stub: the records (fd_event.c) and the per-kind
 * restorers (fd_eventfd.c, fd_timerfd.c, fd_signalfd.c, fd_epoll.c,
 * fd_inotify.c).  Each opener creates the object for one FILE record in
 * step 2 and returns its fd (O_CLOEXEC; fd_event_open moves it to a
 * temporary number); what needs the program's fd numbers, or should run
 * as late as possible (arming timers), happens in step 9. */
#ifndef CRYO_STUB_FD_EVENT_H
#define CRYO_STUB_FD_EVENT_H

#include "stub.h"

struct fd_event_state {
	struct cryo_eventfd *efd;
	size_t nefd;
	struct cryo_timerfd *tfd;
	size_t ntfd;
	struct cryo_signalfd *sfd;
	size_t nsfd;
	struct cryo_epoll_item *epi;
	size_t nepi;
	struct cryo_inotify_watch *inw;
	size_t ninw;
};

/* The companion record of fd in arr (n of them, each size bytes, fd the
 * first field), or a corrupt-image error naming what. */
const void *fd_event_find(const void *arr, size_t n, size_t size, uint64_t fd, const char *what);

long fd_eventfd_open(struct stub *s, const struct stub_file *f);
long fd_timerfd_open(struct stub *s, const struct stub_file *f);
long fd_signalfd_open(struct stub *s, const struct stub_file *f);
long fd_epoll_open(struct stub *s, const struct stub_file *f);
long fd_inotify_open(struct stub *s, const struct stub_file *f);

void fd_epoll_install(struct stub *s);	/* add the watches, by fd number */
void fd_timerfd_install(struct stub *s);	/* arm, set ticks */

#endif
