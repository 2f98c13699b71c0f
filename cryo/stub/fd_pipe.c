/* Pipes and FIFOs (FILE kinds PIPE and FIFO, one PIPE record per fd).
 *
 * Each pipe of the image is made once, in step 2: pipe2(), capacity, its
 * unread bytes written back; both ends are kept as temporaries, and every
 * program fd on it is a new open file description of it (opened through
 * /proc/self/fd/N with the fd's own flags; dups come from share_fd).  An
 * end the program did not hold is one of those temporaries, which step 9
 * closes: a pipe whose peer was in another process then reads EOF after
 * its data, or writes EPIPE.  PIPE id 0 (fds 0-2 joined to another
 * process's pipe) takes the resuming shell's own fd.
 *
 * A FIFO is reopened by path (made with mkfifo if missing).  Opening must
 * never wait for a peer: a holder opened O_RDWR|O_NONBLOCK first is both a
 * reader and a writer, so the program's open with O_NONBLOCK succeeds, and
 * O_NONBLOCK is cleared afterwards if the program did not have it.
 */
#include "fd_obj.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>
#include <linux/stat.h>
#include <asm/ioctls.h>

#define OPEN_STRIP (O_CREAT | O_TRUNC | O_EXCL | O_DIRECT)
#define ENOENT 2
#define EAGAIN 11

static struct cryo_pipe *recs;
static size_t nrecs, caprecs;

/* One pipe (or FIFO) made so far: id, its holder ends. */
static struct made {
	uint64_t id;
	int rd, wr;		/* temporaries; wr == rd for a FIFO holder */
} *made;
static size_t nmade, capmade;

void fd_pipe_record(const struct cryo_pipe *p)
{
	for (size_t i = 0; i < nrecs; i++)
		if (recs[i].fd == p->fd)
			stub_corrupt("two PIPE records for fd %lu", p->fd);
	recs = xgrow(recs, nrecs, &caprecs, sizeof(*recs));
	recs[nrecs++] = *p;
}

static const struct cryo_pipe *rec_of(uint64_t fd)
{
	for (size_t i = 0; i < nrecs; i++)
		if (recs[i].fd == fd)
			return &recs[i];
	stub_corrupt("fd %lu is a pipe without a PIPE record", fd);
}

long fd_obj_reopen(long fd, uint64_t flags)
{
	char path[32] = "/proc/self/fd/", num[12];
	size_t k = strlen(path);
	int n = 0;
	do
		num[n++] = (char)('0' + fd % 10);
	while ((fd /= 10));
	while (n)
		path[k++] = num[--n];
	path[k] = 0;
	return sys3(__NR_open, path, (long)(flags & ~(uint64_t)OPEN_STRIP) | O_CLOEXEC | O_NOCTTY, 0);
}

/* Capacity, then the saved bytes of every record of this id. */
static void fill(const struct made *m, uint64_t capacity, const char *what)
{
	if (capacity) {
		long r = sys3(__NR_fcntl, m->wr, F_SETPIPE_SZ, capacity);
		if (sys_failed(r))
			stub_warn("%s: cannot set its capacity to %lu bytes: %s", what, capacity,
				  stub_strerror(-r));
	}
	int queued = 0;
	if (sys_failed(sys3(__NR_ioctl, m->rd, FIONREAD, &queued)) || queued) {
		/* a FIFO still open elsewhere kept its data: do not double it */
		stub_warn("%s already holds %d bytes: its saved data is not added", what, queued);
		return;
	}
	for (size_t i = 0; i < nrecs; i++) {
		if (recs[i].id != m->id || !recs[i].data.len)
			continue;
		const uint8_t *p = recs[i].data.data;
		for (uint32_t left = recs[i].data.len; left;) {
			long w = sys3(__NR_write, m->wr, p, left);
			if (sys_failed(w))
				stub_fatal("%s: cannot put back its %u unread bytes: %s", what,
					   recs[i].data.len, stub_strerror(-w));
			p += w;
			left -= (uint32_t)w;
		}
	}
}

static struct made *find_made(uint64_t id)
{
	for (size_t i = 0; i < nmade; i++)
		if (made[i].id == id)
			return &made[i];
	return NULL;
}

/* The holder ends of pipe id, made the first time. */
static const struct made *pipe_of(struct stub *s, const struct cryo_pipe *r, const char *what)
{
	struct made *m = find_made(r->id);
	if (m)
		return m;
	int p[2];
	/* nonblocking holders: a buffer that does not fit fails, never hangs */
	long e = sys2(__NR_pipe2, p, O_CLOEXEC | O_NONBLOCK);
	if (sys_failed(e))
		stub_fatal("%s: cannot make a pipe: %s", what, stub_strerror(-e));
	made = xgrow(made, nmade, &capmade, sizeof(*made));
	m = &made[nmade++];
	*m = (struct made){ r->id, stub_tmpfd(s, p[0]), stub_tmpfd(s, p[1]) };
	fill(m, r->capacity, what);
	return m;
}

static const struct made *fifo_of(struct stub *s, const struct cryo_pipe *r, const char *path,
				  uint64_t mode)
{
	struct made *m = find_made(r->id);
	if (m)
		return m;
	long h = sys3(__NR_open, path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
	if (h == -ENOENT && s->check_only) {
		/* --check changes nothing: it would be made; /dev/null stands in */
		stub_warn("the FIFO %s is missing: it will be made again", path);
		h = sys3(__NR_open, "/dev/null", O_RDWR | O_CLOEXEC, 0);
		if (sys_failed(h))
			stub_fatal("cannot open /dev/null");
		made = xgrow(made, nmade, &capmade, sizeof(*made));
		m = &made[nmade++];
		int t = stub_tmpfd(s, (int)h);
		*m = (struct made){ r->id, t, t };
		return m;
	}
	if (h == -ENOENT) {
		long e = sys4(__NR_mknodat, AT_FDCWD, path, S_IFIFO | (mode & 07777), 0);
		if (sys_failed(e))
			stub_fatal("cannot make the FIFO %s again: %s", path, stub_strerror(-e));
		h = sys3(__NR_open, path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
	}
	if (sys_failed(h))
		stub_fatal("cannot reopen the FIFO %s: %s", path, stub_strerror(-h));
	made = xgrow(made, nmade, &capmade, sizeof(*made));
	m = &made[nmade++];
	int t = stub_tmpfd(s, (int)h);
	*m = (struct made){ r->id, t, t };
	fill(m, r->capacity, path);
	return m;
}

/* fds 0-2 on another process's pipe: the resuming shell's own fd. */
static void open_inherited(struct stub *s, struct stub_file *f)
{
	long fd = (long)f->rec.fd;
	long d = sys3(__NR_fcntl, fd, F_DUPFD_CLOEXEC, 0);
	if (sys_failed(d)) {
		stub_warn("fd %ld was a pipe to another process and this shell has no fd %ld: "
			  "it is /dev/null now", fd, fd);
		d = sys3(__NR_open, "/dev/null", O_RDWR | O_CLOEXEC, 0);
		if (sys_failed(d))
			stub_fatal("cannot open /dev/null for fd %ld", fd);
	}
	f->tmpfd = stub_tmpfd(s, (int)d);
}

void fd_pipe_open(struct stub *s, struct stub_file *f)
{
	const struct cryo_pipe *r = rec_of(f->rec.fd);
	const char *path = (const char *)f->rec.path.data;
	if (f->rec.kind == CRYO_FILE_PIPE && !r->id) {
		open_inherited(s, f);
		return;
	}
	const struct made *m = f->rec.kind == CRYO_FILE_FIFO ? fifo_of(s, r, path, f->rec.mode)
							   : pipe_of(s, r, path);
	uint64_t acc = f->rec.flags & O_ACCMODE;
	long fd = fd_obj_reopen(acc == O_WRONLY ? m->wr : m->rd, f->rec.flags | O_NONBLOCK);
	if (sys_failed(fd))
		stub_fatal("cannot reopen fd %lu (%s): %s", f->rec.fd, path, stub_strerror(-fd));
	/* O_NONBLOCK was only for the open; O_DIRECT (packet mode) cannot be
	 * given to open */
	uint64_t fl = f->rec.flags & (O_NONBLOCK | O_DIRECT | O_APPEND | FASYNC);
	if (fl != O_NONBLOCK) {
		long e = sys3(__NR_fcntl, fd, F_SETFL, fl);
		if (sys_failed(e))
			stub_warn("fd %lu (%s): cannot restore its flags: %s", f->rec.fd, path,
				  stub_strerror(-e));
	}
	f->tmpfd = stub_tmpfd(s, (int)fd);
}
