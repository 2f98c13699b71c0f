/* epoll: the instance is created in step 2; its watches are added in step
 * 9, once every descriptor is at its number: a watch is keyed by the file
 * and the fd number given to EPOLL_CTL_ADD, and the program will name it
 * by that number in EPOLL_CTL_MOD/DEL. */
#include "fd_event.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>
#include <linux/eventpoll.h>

static const struct stub_file *file_of(const struct stub *s, uint64_t fd)
{
	for (size_t i = 0; i < s->nfile; i++)
		if (s->file[i].rec.fd == fd)
			return &s->file[i];
	return 0;
}

long fd_epoll_open(struct stub *s, const struct stub_file *f)
{
	/* every watched fd must come back too (the freezer checked it was open) */
	for (size_t i = 0; i < s->fdev->nepi; i++) {
		const struct cryo_epoll_item *it = &s->fdev->epi[i];
		if (it->epfd == f->rec.fd && !file_of(s, it->tfd))
			stub_corrupt("epoll fd %lu watches fd %lu, which the image does not hold",
				     it->epfd, it->tfd);
	}
	long fd = sys1(__NR_epoll_create1, EPOLL_CLOEXEC);
	if (sys_failed(fd))
		stub_fatal("cannot recreate fd %lu (an epoll instance): %s", f->rec.fd,
			   stub_strerror(-fd));
	return fd;
}

void fd_epoll_install(struct stub *s)
{
	for (size_t i = 0; i < s->fdev->nepi; i++) {
		const struct cryo_epoll_item *it = &s->fdev->epi[i];
		const struct stub_file *t = file_of(s, it->tfd);
		if (t && t->tmpfd < 0) {	/* its file is missing (--skip-missing) */
			stub_warn("epoll fd %lu watched fd %lu, which was dropped: the watch is gone",
				  it->epfd, it->tfd);
			continue;
		}
		struct epoll_event ev = { .events = (uint32_t)it->events, .data = it->data };
		long r = sys4(__NR_epoll_ctl, (long)it->epfd, EPOLL_CTL_ADD, (long)it->tfd, &ev);
		if (sys_failed(r))
			stub_fatal("cannot restore the watch of fd %lu in epoll fd %lu: %s", it->tfd,
				   it->epfd, stub_strerror(-r));
	}
}
