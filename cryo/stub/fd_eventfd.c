/* eventfd: a new one with the counter written back. */
#include "fd_event.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>

#define EFD_SEMAPHORE 1

long fd_eventfd_open(struct stub *s, const struct stub_file *f)
{
	const struct cryo_eventfd *e = fd_event_find(s->fdev->efd, s->fdev->nefd, sizeof(*e),
						     f->rec.fd, "EVENTFD");
	long fd = sys2(__NR_eventfd2, 0, O_CLOEXEC | (e->semaphore ? EFD_SEMAPHORE : 0));
	if (sys_failed(fd))
		stub_fatal("cannot recreate fd %lu (an eventfd): %s", f->rec.fd, stub_strerror(-fd));
	/* eventfd2 takes a 32-bit initial value; a write adds the full 64 bits
	 * (at most 2^64-2, which never blocks on a zero counter) */
	if (e->count) {
		uint64_t c = e->count;
		long w = sys3(__NR_write, fd, &c, 8);
		if (w != 8)
			stub_fatal("cannot restore the counter of fd %lu (an eventfd): %s", f->rec.fd,
				   w < 0 ? stub_strerror(-w) : "short write");
	}
	return fd;
}
