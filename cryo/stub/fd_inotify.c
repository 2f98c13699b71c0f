/* inotify: a new instance with every watch added by path, in wd order, so
 * that each gets its old watch descriptor.  The kernel hands out wds
 * cyclically (the next after the last given), so a gap (a watch the
 * program removed) is skipped by adding and removing a throw-away watch;
 * the IN_IGNORED events that leaves are drained before the program runs. */
#include "fd_event.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>
#include <linux/inotify.h>
#include <linux/errno.h>

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

/* Take wd `want` and drop it: a watch on an inode no real watch uses
 * (IN_MASK_CREATE refuses one this instance already watches). */
static void skip_wd(const struct stub_file *f, long fd, uint64_t want)
{
	static const char *const spare[] = { "/", "/proc", "/dev", "/sys", "/tmp", "/etc" };
	for (size_t i = 0; i < sizeof(spare) / sizeof(spare[0]); i++) {
		long wd = sys3(__NR_inotify_add_watch, fd, spare[i], IN_ATTRIB | IN_MASK_CREATE);
		if (sys_failed(wd))
			continue;
		sys2(__NR_inotify_rm_watch, fd, wd);
		if ((uint64_t)wd == want)
			return;
		break;
	}
	stub_fatal("cannot give back watch descriptor %lu of fd %lu (inotify)", want, f->rec.fd);
}

static void drain(long fd)
{
	uint8_t buf[4096];
	while (sys3(__NR_read, fd, buf, sizeof(buf)) > 0)
		;
}

long fd_inotify_open(struct stub *s, const struct stub_file *f)
{
	long fd = sys1(__NR_inotify_init1, IN_CLOEXEC | IN_NONBLOCK);
	if (sys_failed(fd))
		stub_fatal("cannot recreate fd %lu (an inotify instance): %s", f->rec.fd,
			   stub_strerror(-fd));
	uint64_t next = 1, last = 0;	/* wds are given from 1 */
	for (;;) {
		/* the watch of this fd with the smallest wd above the last one */
		const struct cryo_inotify_watch *w = 0;
		for (size_t i = 0; i < s->fdev->ninw; i++) {
			const struct cryo_inotify_watch *c = &s->fdev->inw[i];
			if (c->fd == f->rec.fd && c->wd > last && (!w || c->wd < w->wd))
				w = c;
		}
		if (!w)
			break;
		for (; next < w->wd; next++)
			skip_wd(f, fd, next);
		const char *path = (const char *)w->path.data;
		/* the path names the watched inode itself: never follow a link */
		long wd = sys3(__NR_inotify_add_watch, fd, path, (long)(w->mask | IN_DONT_FOLLOW));
		if (wd == -ENOENT && s->skip_missing) {
			/* the user chose to go on without it: its wd stays free */
			stub_warn("inotify watch %lu of fd %lu on %s is missing: dropped", w->wd,
				  f->rec.fd, path);
			skip_wd(f, fd, w->wd);
			last = next = w->wd;
			next++;
			continue;
		}
		if (sys_failed(wd))
			stub_fatal("cannot restore inotify watch %lu of fd %lu on %s: %s%s", w->wd,
				   f->rec.fd, path, stub_strerror(-wd),
				   wd == -ENOENT ? " (./app.cryo --skip-missing resumes without it)" : "");
		if ((uint64_t)wd != w->wd)
			stub_fatal("inotify watch %lu of fd %lu on %s came back as watch %ld", w->wd,
				   f->rec.fd, path, wd);
		last = next = w->wd;
		next++;
	}
	drain(fd);
	return fd;
}
