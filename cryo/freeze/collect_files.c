/* FILE records (one per descriptor) and the TERMIOS of the first
 * descriptor on a terminal.  What cannot be reopened faithfully yet is
 * named, every instance of it, and the freeze is refused. */
#include "freeze.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/kcmp.h>
#include <unistd.h>

#define KERNEL_NCCS 19	/* struct termios of TCGETS: 4 x u32 flags, c_line, c_cc[19] */

struct fdinfo {
	uint64_t pos, flags;
};

static int read_fdinfo(pid_t pid, int fd, struct fdinfo *fi)
{
	char name[32];
	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	char *s = proc_read(pid, name, NULL);
	if (!s)
		return -1;
	int have = 0;
	for (char *line = s; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (!strncmp(line, "pos:", 4)) {
			fi->pos = strtoull(line + 4, NULL, 10);
			have |= 1;
		} else if (!strncmp(line, "flags:", 6)) {
			fi->flags = strtoull(line + 6, NULL, 8);
			have |= 2;
		}
	}
	free(s);
	return have == 3 ? 0 : -1;
}

/* The word for an unsupported descriptor kind, from its /proc link. */
static const char *unsupported_kind(const char *link, const struct stat *st)
{
	if (!strncmp(link, "socket:", 7))
		return "sockets are not supported yet";
	if (!strncmp(link, "anon_inode:", 11)) {
		const char *k = link + 11;
		if (strstr(k, "eventfd"))
			return "event fds are not supported yet";
		if (strstr(k, "eventpoll"))
			return "epoll instances are not supported yet";
		if (strstr(k, "timerfd"))
			return "timer fds are not supported yet";
		if (strstr(k, "signalfd"))
			return "signal fds are not supported yet";
		if (strstr(k, "inotify"))
			return "inotify instances are not supported yet";
		if (strstr(k, "pidfd"))
			return "pid fds are not supported yet";
		return "this kind of kernel object is not supported yet";
	}
	if (S_ISSOCK(st->st_mode))
		return "sockets are not supported yet";
	if (S_ISBLK(st->st_mode))
		return "block devices are not supported";
	return NULL;
}

static int is_mem_chardev(dev_t rdev)
{
	/* major 1: 3 null, 5 zero, 7 full, 8 random, 9 urandom */
	unsigned mi = minor(rdev);
	return major(rdev) == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9);
}

static int is_tty_major(dev_t rdev)
{
	unsigned ma = major(rdev), mi = minor(rdev);
	/* 136-143: pty slaves (/dev/pts/N); 4: virtual consoles, serial
	 * ports; 5:0 /dev/tty, 5:1 /dev/console (5:2 is /dev/ptmx). */
	return (ma >= 136 && ma <= 143) || ma == 4 || (ma == 5 && mi <= 1);
}

static int is_pty_master(const char *link, dev_t rdev)
{
	return (major(rdev) == 5 && minor(rdev) == 2) || !strcmp(link, "/dev/pts/ptmx") ||
	       (major(rdev) >= 128 && major(rdev) <= 135);
}

/* TCGETS inside the target: 0 and the kernel termios if fd is a terminal. */
static int remote_tcgets(struct freeze_ctx *ctx, int fd, uint8_t raw[36], int *is_tty)
{
	long ret;
	*is_tty = 0;
	if (remote_scratch(&ctx->remote, 4096) ||
	    remote_syscall(&ctx->remote, &ret, SYS_ioctl, (uint64_t)fd, TCGETS, ctx->remote.scratch,
			   0, 0, 0))
		return -1;
	if (ret)
		return 0;
	if (remote_read(&ctx->remote, ctx->remote.scratch, raw, 36))
		return -1;
	*is_tty = 1;
	return 0;
}

static void emit_termios(struct freeze_ctx *ctx, int fd, const uint8_t raw[36])
{
	struct cryo_termios t = { .fd = (uint64_t)fd };
	uint32_t w[4];
	memcpy(w, raw, 16);
	t.iflag = w[0];
	t.oflag = w[1];
	t.cflag = w[2];
	t.lflag = w[3];
	t.line = raw[16];
	memcpy(t.cc, raw + 17, KERNEL_NCCS);
	freeze_info(ctx, "termios of fd %d: iflag %#llx oflag %#llx cflag %#llx lflag %#llx", fd,
		    (unsigned long long)t.iflag, (unsigned long long)t.oflag,
		    (unsigned long long)t.cflag, (unsigned long long)t.lflag);
	freeze_emit(ctx, CRYO_REC_TERMIOS, &t);
}

/* One descriptor.  Returns FREEZE_OK, FREEZE_REFUSED (message printed, go
 * on to name the others) or FREEZE_ERR. */
/* dup()ed and inherited descriptors share one open file description (and
 * so one offset): kcmp(KCMP_FILE) finds the lowest earlier fd of the same
 * description.  Returns the record's share_fd: 0, or 1 + that fd. */
static uint64_t shared_with(pid_t pid, const int *fds, size_t idx)
{
	for (size_t j = 0; j < idx; j++)
		if (syscall(SYS_kcmp, pid, pid, KCMP_FILE, fds[j], fds[idx]) == 0)
			return 1 + (uint64_t)fds[j];
	return 0;
}

/* A process reading its own /proc files (/proc/PID/maps, status...) must
 * read the resumed process's, whose pid differs: "/proc/PID/x" becomes
 * "/proc/self/x".  Returns the new length of link. */
static size_t proc_path_as_self(pid_t pid, char *link)
{
	char prefix[32];
	int len = snprintf(prefix, sizeof(prefix), "/proc/%d/", (int)pid);
	if (strncmp(link, prefix, (size_t)len) != 0)
		return strlen(link);
	memmove(link + 11, link + len, strlen(link + len) + 1);
	memcpy(link, "/proc/self/", 11);
	return strlen(link);
}

static int collect_fd(struct freeze_ctx *ctx, const int *fds, size_t idx, int *have_termios)
{
	int fd = fds[idx];
	char path[64], link[PATH_MAX + 1];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)ctx->pid, fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		if (errno == ENOENT)	/* closed meanwhile: cannot be, it is stopped */
			return FREEZE_OK;
		freeze_error("fd %d: cannot read %s: %s", fd, path, strerror(errno));
		return FREEZE_ERR;
	}
	link[n] = '\0';
	n = (ssize_t)proc_path_as_self(ctx->pid, link);

	/* eventfd, timerfd, signalfd, epoll, inotify: collect_fd_event.c */
	int ev = collect_fd_event(ctx, fd, link, shared_with(ctx->pid, fds, idx));
	if (ev >= 0)
		return ev;

	struct stat st;
	if (stat(path, &st)) {
		/* Sockets, pipes and anon inodes always stat; a file on a
		 * vanished mount may not. */
		if (!strncmp(link, "socket:", 7) || !strncmp(link, "pipe:", 5) ||
		    !strncmp(link, "anon_inode:", 11))
			memset(&st, 0, sizeof(st));
		else {
			freeze_error("fd %d -> %s: cannot stat it: %s", fd, link, strerror(errno));
			return FREEZE_REFUSED;
		}
	}
	const char *why = unsupported_kind(link, &st);
	if (why) {
		freeze_error("fd %d -> %s: %s", fd, link, why);
		return FREEZE_REFUSED;
	}

	struct fdinfo fi;
	if (read_fdinfo(ctx->pid, fd, &fi)) {
		freeze_error("fd %d -> %s: cannot read /proc/%d/fdinfo/%d", fd, link, (int)ctx->pid, fd);
		return FREEZE_ERR;
	}
	struct cryo_file f = {
		.fd = (uint64_t)fd,
		.flags = fi.flags & ~(uint64_t)O_CLOEXEC,
		.cloexec = (fi.flags & O_CLOEXEC) ? 1 : 0,
		.pos = fi.pos,
		.size = (uint64_t)st.st_size,
		.mode = st.st_mode,
		.rdev = st.st_rdev,
		.path = { (const uint8_t *)link, (uint32_t)n + 1 },
	};
	/* pipes, FIFOs: collect_fd_pipe.c; unlinked files, memfd: collect_fd_fileobj.c */
	f.share_fd = shared_with(ctx->pid, fds, idx);
	int ob = collect_fd_pipe(ctx, &f, link, &st);
	if (ob < 0)
		ob = collect_fd_fileobj(ctx, &f, link, &st);
	if (ob >= 0)
		return ob;

	if (S_ISREG(st.st_mode)) {
		f.kind = CRYO_FILE_REGULAR;
	} else if (S_ISDIR(st.st_mode)) {
		f.kind = CRYO_FILE_DIRECTORY;
	} else if (S_ISCHR(st.st_mode)) {
		if (is_pty_master(link, st.st_rdev)) {
			freeze_error("fd %d -> %s: pseudo-terminal masters are not supported yet", fd,
				     link);
			return FREEZE_REFUSED;
		}
		uint8_t raw[36];
		int tty = 0;
		if (!is_mem_chardev(st.st_rdev) && remote_tcgets(ctx, fd, raw, &tty))
			return FREEZE_ERR;
		if (tty || is_tty_major(st.st_rdev)) {
			f.kind = CRYO_FILE_TTY;
			if (tty && !*have_termios) {
				emit_termios(ctx, fd, raw);
				*have_termios = 1;
			}
		} else if (is_mem_chardev(st.st_rdev)) {
			f.kind = CRYO_FILE_CHARDEV;
		} else {
			freeze_error("fd %d -> %s: character device %u:%u is not supported", fd, link,
				     major(st.st_rdev), minor(st.st_rdev));
			return FREEZE_REFUSED;
		}
	} else {
		freeze_error("fd %d -> %s: file type %#o is not supported", fd, link,
			     (unsigned)(st.st_mode & S_IFMT));
		return FREEZE_REFUSED;
	}
	freeze_info(ctx, "fd %d -> %s: kind %llu, flags %#llo%s, pos %llu", fd, link,
		    (unsigned long long)f.kind, (unsigned long long)f.flags,
		    f.cloexec ? " cloexec" : "", (unsigned long long)f.pos);
	f.share_fd = shared_with(ctx->pid, fds, idx);
	freeze_emit(ctx, CRYO_REC_FILE, &f);
	return FREEZE_OK;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int collect_files(struct freeze_ctx *ctx)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)ctx->pid);
	DIR *d = opendir(path);
	if (!d) {
		freeze_error("cannot list %s: %s", path, strerror(errno));
		return FREEZE_ERR;
	}
	int *fds = NULL;
	size_t nfds = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (nfds == cap) {
			cap = cap ? 2 * cap : 64;
			int *p = realloc(fds, cap * sizeof(*fds));
			if (!p) {
				closedir(d);
				free(fds);
				freeze_error("out of memory");
				return FREEZE_ERR;
			}
			fds = p;
		}
		fds[nfds++] = atoi(e->d_name);
	}
	closedir(d);
	if (nfds)
		qsort(fds, nfds, sizeof(*fds), cmp_int);

	int rc = FREEZE_OK, have_termios = 0;
	for (size_t i = 0; i < nfds; i++) {
		int r = collect_fd(ctx, fds, i, &have_termios);
		if (r == FREEZE_ERR) {
			rc = r;
			break;
		}
		if (r)
			rc = r;
	}
	free(fds);
	return rc;
}
