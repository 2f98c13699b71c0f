/* Pipes and FIFOs: FILE (kind PIPE or FIFO) + one PIPE record per fd.
 *
 * The unread bytes are peeked without consuming them: the pipe is opened
 * again through /proc/PID/fd/N and tee()d into a private pipe, which is
 * then read.  The target never notices.
 *
 * A pipe is "ours" when the process holds both ends.  Otherwise its peer
 * belongs to another process: on fds 0-2 the resumed process takes the
 * resuming shell's fds (id 0, no data); on other fds it comes back as a
 * pipe whose peer is gone (EOF after the saved data / EPIPE), with a
 * warning now.  A FIFO is reopened by path, so it needs no such care.
 */
#include "freeze.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Which ends of pipe ino the process holds: bit 0 read, bit 1 write.
 * Scans /proc/PID/fd (the process is stopped: it cannot change). */
static int ends_held(pid_t pid, ino_t ino)
{
	char dir[64], path[384];
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(dir);
	if (!d)
		return 3;	/* cannot tell: assume ours */
	int ends = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || st.st_ino != ino || !S_ISFIFO(st.st_mode))
			continue;
		snprintf(path, sizeof(path), "fdinfo/%s", e->d_name);
		char *info = proc_read(pid, path, NULL);
		char *fl = info ? strstr(info, "flags:") : NULL;
		unsigned long flags = fl ? strtoul(fl + 6, NULL, 8) : O_RDWR;
		free(info);
		int acc = (int)(flags & O_ACCMODE);
		ends |= acc == O_RDONLY ? 1 : acc == O_WRONLY ? 2 : 3;
	}
	closedir(d);
	return ends;
}

/* Copy the unread bytes of the pipe at /proc/PID/fd/N into a malloc'd
 * buffer (*len of them) and its capacity into *cap.  0 or -1 (message
 * printed). */
static int peek_pipe(const struct freeze_ctx *ctx, int fd, const char *link, uint8_t **buf,
		     size_t *len, uint64_t *cap)
{
	char path[64];
	int pfd[2] = { -1, -1 }, ok = -1;
	*buf = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)ctx->pid, fd);
	/* O_NONBLOCK: opening a FIFO for reading must not wait for a writer */
	int src = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (src < 0) {
		freeze_error("fd %d -> %s: cannot open it to read its buffer: %s", fd, link,
			     strerror(errno));
		return -1;
	}
	int c = fcntl(src, F_GETPIPE_SZ), avail = 0;
	if (c < 0 || ioctl(src, FIONREAD, &avail)) {
		freeze_error("fd %d -> %s: cannot query the pipe: %s", fd, link, strerror(errno));
		goto out;
	}
	*cap = (uint64_t)c;
	if (avail == 0) {
		ok = 0;
		goto out;
	}
	/* The private pipe must hold the whole buffer for one tee(). */
	if (pipe2(pfd, O_NONBLOCK | O_CLOEXEC) || fcntl(pfd[1], F_SETPIPE_SZ, c) < c) {
		freeze_error("fd %d -> %s: cannot make a %d-byte pipe to copy its buffer: %s", fd,
			     link, c, strerror(errno));
		goto out;
	}
	ssize_t n = tee(src, pfd[1], (size_t)c, SPLICE_F_NONBLOCK);
	*buf = malloc((size_t)c);
	if (n != avail || !*buf) {
		freeze_error("fd %d -> %s: copied %zd of its %d unread bytes", fd, link, n, avail);
		goto out;
	}
	for (size_t got = 0; got < (size_t)n;) {
		ssize_t r = read(pfd[0], *buf + got, (size_t)n - got);
		if (r <= 0) {
			freeze_error("fd %d -> %s: reading its copied buffer failed", fd, link);
			goto out;
		}
		got += (size_t)r;
	}
	*len = (size_t)n;
	ok = 0;
out:
	if (ok) {
		free(*buf);
		*buf = NULL;
	}
	for (int i = 0; i < 2; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	close(src);
	return ok;
}

/* 1 if the data of pipe id was saved already (on a lower fd), else
 * remember it and return 0. */
static int data_saved(uint64_t id)
{
	static uint64_t *ids;
	static size_t n, cap;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	if (n == cap) {
		uint64_t *p = realloc(ids, (cap = cap ? 2 * cap : 16) * sizeof(*p));
		if (!p)
			return 1;	/* out of memory: caught by the next malloc */
		ids = p;
	}
	ids[n++] = id;
	return 0;
}

int collect_fd_pipe(struct freeze_ctx *ctx, struct cryo_file *f, const char *link,
		    const struct stat *st)
{
	if (!S_ISFIFO(st->st_mode))
		return -1;
	int fifo = strncmp(link, "pipe:", 5) != 0;
	int fd = (int)f->fd;
	int ends = fifo ? 3 : ends_held(ctx->pid, st->st_ino);
	struct cryo_pipe p = { .fd = f->fd, .id = (uint64_t)st->st_ino };
	uint8_t *buf = NULL;
	size_t len = 0;
	f->kind = fifo ? CRYO_FILE_FIFO : CRYO_FILE_PIPE;
	f->pos = 0;

	if (ends != 3 && fd <= 2) {
		/* part of the shell's pipeline: the resumed process joins the
		 * resuming shell's */
		p.id = 0;
		freeze_info(ctx, "fd %d -> %s: peer elsewhere, takes the resuming shell's fd %d", fd,
			    link, fd);
	} else {
		if (ends != 3)
			freeze_warn("fd %d -> %s: the other end belongs to another process; it comes "
				    "back as a pipe whose peer is gone (%s)", fd, link,
				    ends == 1 ? "read: EOF after the saved data" : "write: EPIPE");
		/* A writer whose reader is elsewhere needs neither data nor
		 * capacity (its writes fail after the resume), and its pipe may
		 * not even be ours to open. */
		if ((ends & 1) && peek_pipe(ctx, fd, link, &buf, &len, &p.capacity))
			return FREEZE_ERR;
		/* Only a reader's side has data worth keeping (a writer's peer
		 * still reads it), and only once per pipe. */
		if ((ends & 1) && len && !data_saved(p.id)) {
			p.data.data = buf;
			p.data.len = (uint32_t)len;
		}
		freeze_info(ctx, "fd %d -> %s: %s, capacity %llu, %u unread bytes saved", fd, link,
			    fifo ? "FIFO" : "pipe", (unsigned long long)p.capacity, p.data.len);
	}
	freeze_emit(ctx, CRYO_REC_FILE, f);
	freeze_emit(ctx, CRYO_REC_PIPE, &p);
	free(buf);
	return FREEZE_OK;
}
