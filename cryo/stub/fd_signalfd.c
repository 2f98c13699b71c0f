/* signalfd: a new one with the same mask (the pending signals it reads are
 * the process's, restored with it). */
#include "fd_event.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>

long fd_signalfd_open(struct stub *s, const struct stub_file *f)
{
	const struct cryo_signalfd *r = fd_event_find(s->fdev->sfd, s->fdev->nsfd, sizeof(*r),
						      f->rec.fd, "SIGNALFD");
	uint64_t mask = r->sigmask;
	long fd = sys4(__NR_signalfd4, -1, &mask, 8, O_CLOEXEC);
	if (sys_failed(fd))
		stub_fatal("cannot recreate fd %lu (a signalfd): %s", f->rec.fd, stub_strerror(-fd));
	return fd;
}
