/* Event descriptors: collect their records while the image is parsed,
 * create each in step 2, finish them in step 9 (fd_event.h). */
#include "fd_event.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>

int fd_event_kind(uint64_t kind)
{
	return kind >= CRYO_FILE_EVENTFD && kind <= CRYO_FILE_INOTIFY;
}

/* Append rec to *arr (n elements): capacity doubles at powers of two. */
static void *push(void *arr, size_t *n, const void *rec, size_t size)
{
	uint8_t *a = arr;
	if ((*n & (*n - 1)) == 0) {	/* 0, 1, 2, 4...: full */
		a = xmalloc((*n ? 2 * *n : 1) * size);
		if (*n)
			memcpy(a, arr, *n * size);
		free(arr);
	}
	memcpy(a + *n * size, rec, size);
	(*n)++;
	return a;
}

#define PUSH_REC(arr, n, rec) ((arr) = push((arr), &(n), (rec), sizeof(*(arr))))

void fd_event_record(struct stub *s, uint32_t type, const void *rec)
{
	if (!s->fdev) {
		s->fdev = xmalloc(sizeof(*s->fdev));
		memset(s->fdev, 0, sizeof(*s->fdev));
	}
	struct fd_event_state *e = s->fdev;
	switch (type) {
	case CRYO_REC_EVENTFD:
		PUSH_REC(e->efd, e->nefd, rec);
		break;
	case CRYO_REC_TIMERFD:
		PUSH_REC(e->tfd, e->ntfd, rec);
		break;
	case CRYO_REC_SIGNALFD:
		PUSH_REC(e->sfd, e->nsfd, rec);
		break;
	case CRYO_REC_EPOLL_ITEM:
		PUSH_REC(e->epi, e->nepi, rec);
		break;
	case CRYO_REC_INOTIFY_WATCH: {
		const struct cryo_inotify_watch *w = rec;
		if (!w->path.len || w->path.data[w->path.len - 1] || w->wd < 1 || w->wd > 0x7fffffff)
			stub_corrupt("bad INOTIFY_WATCH record for fd %lu", w->fd);
		PUSH_REC(e->inw, e->ninw, rec);
		break;
	}
	}
}

const void *fd_event_find(const void *arr, size_t n, size_t size, uint64_t fd, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *r = (const uint8_t *)arr + i * size;
		uint64_t rfd;
		memcpy(&rfd, r, sizeof(rfd));
		if (rfd == fd)
			return r;
	}
	stub_corrupt("fd %lu has no %s record", fd, what);
}

void fd_event_open(struct stub *s, struct stub_file *f)
{
	static struct fd_event_state none;	/* no records: every find says so */
	if (!s->fdev)
		s->fdev = &none;
	long fd;
	switch (f->rec.kind) {
	case CRYO_FILE_EVENTFD:
		fd = fd_eventfd_open(s, f);
		break;
	case CRYO_FILE_TIMERFD:
		fd = fd_timerfd_open(s, f);
		break;
	case CRYO_FILE_SIGNALFD:
		fd = fd_signalfd_open(s, f);
		break;
	case CRYO_FILE_EPOLL:
		fd = fd_epoll_open(s, f);
		break;
	default:
		fd = fd_inotify_open(s, f);
		break;
	}
	/* created O_CLOEXEC (the final dup3 sets the program's FD_CLOEXEC);
	 * O_NONBLOCK is the one status flag these objects honour */
	long r = sys3(__NR_fcntl, fd, F_SETFL, f->rec.flags & O_NONBLOCK);
	if (sys_failed(r))
		stub_fatal("cannot set the flags of fd %lu (%s): %s", f->rec.fd,
			   (const char *)f->rec.path.data, stub_strerror(-r));
	f->tmpfd = stub_tmpfd(s, (int)fd);
}

void fd_event_install(struct stub *s)
{
	if (!s->fdev)
		return;
	fd_epoll_install(s);
	fd_timerfd_install(s);
}
