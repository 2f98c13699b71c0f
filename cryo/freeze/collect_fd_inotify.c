/* inotify: every watch with its wd and mask, and a path to the watched
 * inode, which fdinfo gives only as (ino, sdev, file handle).
 *
 * The path: as root, open_by_handle_at (needs CAP_DAC_READ_SEARCH) on the
 * file handle; otherwise (or if that fails) a bounded search of the places
 * a program usually watches: its working directory and the directories of
 * its open files, two levels deep, for the same inode on the same device.
 * Queued events cannot be read without consuming them: refused. */
#include "fd_event.h"

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
#include <unistd.h>

#define SEARCH_DEPTH 2
#define SEARCH_MAX 20000	/* entries looked at per watch */

struct watch {
	unsigned wd, mask, sdev, fh_bytes;
	int fh_type;
	unsigned long ino;
	char fh_hex[260];
};

/* The kernel's s_dev is MAJOR << 20 | MINOR. */
static int same_inode(const struct stat *st, const struct watch *w)
{
	return st->st_ino == w->ino && major(st->st_dev) == (w->sdev >> 20) &&
	       minor(st->st_dev) == (w->sdev & 0xfffff);
}

/* ---- as root: the file handle ------------------------------------------ */
/* An fd on some mount of the watched filesystem (from the target's
 * mountinfo, reached through /proc/PID/root), -1 if none. */
static int mount_fd(pid_t pid, unsigned sdev)
{
	char *mi = proc_read(pid, "mountinfo", NULL);
	int fd = -1;
	for (char *line = mi; line && *line && fd < 0;) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		unsigned ma, mn;
		char mnt[PATH_MAX];
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &ma, &mn, mnt) == 3 &&
		    ma == (sdev >> 20) && mn == (sdev & 0xfffff)) {
			char path[PATH_MAX + 32];
			snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, mnt);
			fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		}
		line = next;
	}
	free(mi);
	return fd;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int path_by_handle(pid_t pid, const struct watch *w, char *out, size_t cap)
{
	if (w->fh_bytes == 0 || w->fh_bytes > 128 || strlen(w->fh_hex) < 2 * w->fh_bytes)
		return -1;
	/* struct file_handle: u32 handle_bytes, int handle_type, then the bytes */
	union { struct file_handle h; unsigned char raw[8 + 128]; } fh;
	fh.h.handle_bytes = w->fh_bytes;
	fh.h.handle_type = w->fh_type;
	for (unsigned i = 0; i < w->fh_bytes; i++)
		fh.raw[8 + i] = (unsigned char)(hexval(w->fh_hex[2 * i]) << 4 | hexval(w->fh_hex[2 * i + 1]));
	int mfd = mount_fd(pid, w->sdev);
	if (mfd < 0)
		return -1;
	int fd = (int)syscall(SYS_open_by_handle_at, mfd, &fh.h, O_PATH | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return -1;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(self, out, cap - 1);
	close(fd);
	if (n <= 0 || out[0] != '/')
		return -1;
	out[n] = 0;
	return 0;
}

/* ---- unprivileged: search near the working directory and open files ---- */
static int search(const char *dir, const struct watch *w, int depth, long *budget, char *out,
		  size_t cap)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int found = -1;
	while (found && (e = readdir(d)) && --*budget > 0) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[PATH_MAX];
		struct stat st;
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name) >=
			    (int)sizeof(path) || lstat(path, &st))
			continue;
		if (same_inode(&st, w) && strlen(path) < cap) {
			strcpy(out, path);
			found = 0;
		} else if (depth > 1 && S_ISDIR(st.st_mode)) {
			found = search(path, w, depth - 1, budget, out, cap);
		}
	}
	closedir(d);
	return found;
}

/* The directory itself, its parent, then below it. */
static int search_from(const char *dir, const struct watch *w, char *out, size_t cap)
{
	struct stat st;
	if (!lstat(dir, &st) && same_inode(&st, w) && strlen(dir) < cap) {
		strcpy(out, dir);
		return 0;
	}
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (!lstat(parent, &st) && same_inode(&st, w) && strlen(parent) < cap) {
			strcpy(out, parent);
			return 0;
		}
	}
	long budget = SEARCH_MAX;
	return search(dir, w, SEARCH_DEPTH, &budget, out, cap);
}

static int path_by_search(pid_t pid, const struct watch *w, char *out, size_t cap)
{
	char link[PATH_MAX], path[64];
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n > 0 && (link[n] = 0, !search_from(link, w, out, cap)))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	struct dirent *e;
	int found = -1;
	char *seen[32] = { 0 };	/* directories already searched (many fds share one) */
	size_t nseen = 0;
	while (d && found && (e = readdir(d))) {
		char fdpath[320];
		snprintf(fdpath, sizeof(fdpath), "/proc/%d/fd/%s", (int)pid, e->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n <= 0 || link[0] != '/')
			continue;
		link[n] = 0;
		char *slash = strrchr(link, '/');
		if (slash != link)
			*slash = 0;
		int again = 0;
		for (size_t i = 0; i < nseen; i++)
			again |= !strcmp(seen[i], link);
		if (again)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]) && (seen[nseen] = strdup(link)))
			nseen++;
		found = search_from(link, w, out, cap);
	}
	if (d)
		closedir(d);
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	return found;
}

/* Paths are seen from the freezer's root: make them the target's. */
static void strip_root(pid_t pid, char *p)
{
	char root[PATH_MAX], path[64];
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	ssize_t n = readlink(path, root, sizeof(root) - 1);
	if (n <= 1)
		return;
	root[n] = 0;
	size_t k = (size_t)n;
	if (!strncmp(p, root, k) && (p[k] == '/' || !p[k]))
		memmove(p, p[k] ? p + k : "/", strlen(p[k] ? p + k : "/") + 1);
}

static int queued_bytes(struct freeze_ctx *ctx, int fd, int *bytes)
{
	long ret;
	if (remote_scratch(&ctx->remote, 4096) ||
	    remote_syscall(&ctx->remote, &ret, SYS_ioctl, (uint64_t)fd, FIONREAD, ctx->remote.scratch,
			   0, 0, 0) || ret)
		return -1;
	return remote_read(&ctx->remote, ctx->remote.scratch, bytes, sizeof(*bytes));
}

static int collect_watch(struct freeze_ctx *ctx, int fd, const char *link, const struct watch *w)
{
	char p[PATH_MAX];
	struct stat st;
	if ((path_by_handle(ctx->pid, w, p, sizeof(p)) || stat(p, &st) || !same_inode(&st, w)) &&
	    path_by_search(ctx->pid, w, p, sizeof(p))) {
		freeze_error("fd %d -> %s: watch %u (inode %lu on device %u:%u) has no path cryo can "
			     "find (%s)", fd, link, w->wd, w->ino, w->sdev >> 20, w->sdev & 0xfffff,
			     geteuid() ? "unprivileged, only the working directory and the "
			     "directories of open files are searched" : "its file handle does not open");
		return FREEZE_REFUSED;
	}
	strip_root(ctx->pid, p);
	struct cryo_inotify_watch r = {
		.fd = (uint64_t)fd, .wd = w->wd, .mask = w->mask, .ino = w->ino, .sdev = w->sdev,
		.path = { (const uint8_t *)p, (uint32_t)strlen(p) + 1 },
	};
	freeze_info(ctx, "fd %d: inotify watch %u mask %#x on %s", fd, w->wd, w->mask, p);
	freeze_emit(ctx, CRYO_REC_INOTIFY_WATCH, &r);
	return FREEZE_OK;
}

int collect_inotify(struct freeze_ctx *ctx, int fd, const char *link, const char *info)
{
	int queued = 0;
	if (queued_bytes(ctx, fd, &queued)) {
		freeze_error("fd %d -> %s: cannot ask how many events are queued", fd, link);
		return FREEZE_ERR;
	}
	if (queued) {
		freeze_error("fd %d -> %s has %d bytes of unread events, which cannot be saved without "
			     "consuming them: refused (freeze it when it has read its events)", fd,
			     link, queued);
		return FREEZE_REFUSED;
	}
	int rc = FREEZE_OK;
	for (const char *line = info; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		struct watch w = { 0 };
		if (strncmp(line, "inotify wd:", 11))
			continue;
		if (sscanf(line, "inotify wd:%x ino:%lx sdev:%x mask:%x ignored_mask:%*x "
			   "fhandle-bytes:%x fhandle-type:%x f_handle:%258s", &w.wd, &w.ino, &w.sdev,
			   &w.mask, &w.fh_bytes, (unsigned *)&w.fh_type, w.fh_hex) < 4) {
			freeze_error("fd %d -> %s: cannot parse its fdinfo line: %.80s", fd, link, line);
			return FREEZE_ERR;
		}
		int r = collect_watch(ctx, fd, link, &w);
		if (r)
			rc = r;
	}
	return rc;
}
