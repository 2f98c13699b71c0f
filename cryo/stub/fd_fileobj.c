/* Unlinked files and memfds (FILE kinds UNLINKED and MEMFD, FILEOBJ,
 * FILEDATA and FILEMAP records), and the dispatch of fd_obj_* for pipes.
 *
 * Each file is made once, in step 2, and kept as a temporary fd: a memfd
 * with memfd_create(NAME); an unlinked file at its old path if that is
 * free (so /proc shows the same name) and unlinked at once, else as an
 * O_TMPFILE in its old directory, else in $TMPDIR or /tmp.  Its contents
 * are written back, its size set; every program fd on it is a new open
 * file description of it (/proc/self/fd/N) with the fd's flags and offset.
 * A shared mapping of it (FILEMAP) is mapped from it, so that it stays
 * shared with the fds.  The mode and the seals come last (fd_obj_finish),
 * once every fd and mapping is open: a read-only mode would forbid the
 * reopening, a write seal the writing.
 */
#include "fd_obj.h"
#include "../codec.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>
#include <linux/memfd.h>
#include <linux/mman.h>

#define ENOENT 2
#define EEXIST 17

static struct cryo_fileobj *objs;
static size_t nobjs, capobjs;
static struct cryo_filedata *datas;
static size_t ndatas, capdatas;
static struct cryo_filemap *maps;
static size_t nmaps, capmaps;

/* Files made so far: id -> temporary fd. */
static struct made {
	const struct cryo_fileobj *o;
	int fd;
} *made;
static size_t nmade, capmade;

int fd_obj_kind(uint64_t kind)
{
	return kind >= CRYO_FILE_PIPE && kind <= CRYO_FILE_MEMFD;
}

void fd_obj_record(struct stub *s, uint32_t type, const void *rec)
{
	(void)s;
	switch (type) {
	case CRYO_REC_PIPE:
		fd_pipe_record(rec);
		break;
	case CRYO_REC_FILEOBJ: {
		const struct cryo_fileobj *o = rec;
		if (!o->name.len || o->name.data[o->name.len - 1])
			stub_corrupt("FILEOBJ of fd %lu has no name", o->fd);
		objs = xgrow(objs, nobjs, &capobjs, sizeof(*objs));
		objs[nobjs++] = *o;
		break;
	}
	case CRYO_REC_FILEDATA:
		datas = xgrow(datas, ndatas, &capdatas, sizeof(*datas));
		datas[ndatas++] = *(const struct cryo_filedata *)rec;
		break;
	case CRYO_REC_FILEMAP:
		maps = xgrow(maps, nmaps, &capmaps, sizeof(*maps));
		maps[nmaps++] = *(const struct cryo_filemap *)rec;
		break;
	}
}

static const struct cryo_fileobj *obj_by_id(uint64_t id)
{
	for (size_t i = 0; i < nobjs; i++)
		if (objs[i].id == id)
			return &objs[i];
	stub_corrupt("no FILEOBJ record for file %lu", id);
}

/* The largest size any FILEOBJ of the file gives: a file known only
 * through its mappings has one record per mapping, each as long as it
 * showed the file. */
static uint64_t obj_size(uint64_t id)
{
	uint64_t size = 0;
	for (size_t i = 0; i < nobjs; i++)
		if (objs[i].id == id && objs[i].size > size)
			size = objs[i].size;
	return size;
}

static const struct cryo_fileobj *obj_by_fd(uint64_t fd)
{
	for (size_t i = 0; i < nobjs; i++)
		if (objs[i].fd == fd)
			return &objs[i];
	stub_corrupt("fd %lu is an unlinked file without a FILEOBJ record", fd);
}

/* $TMPDIR from /proc/self/environ (the stub has no environment of its
 * own), else /tmp. */
static const char *tmpdir(void)
{
	static char env[4096], dir[512];
	long fd = sys3(__NR_open, "/proc/self/environ", O_RDONLY | O_CLOEXEC, 0);
	long n = sys_failed(fd) ? -1 : sys3(__NR_read, fd, env, sizeof(env) - 1);
	if (!sys_failed(fd))
		sys1(__NR_close, fd);
	for (long i = 0; n > 0 && i < n; i += (long)strlen(env + i) + 1) {
		env[n] = 0;
		if (!memcmp(env + i, "TMPDIR=/", 8) && strlen(env + i + 7) < sizeof(dir)) {
			memcpy(dir, env + i + 7, strlen(env + i + 7) + 1);
			return dir;
		}
	}
	return "/tmp";
}

/* A file in dir made and unlinked at once, for file systems without
 * O_TMPFILE: dir/.cryo-unlinked-PID-N. */
static long create_named_tmp(const char *dir)
{
	static unsigned seq;
	char path[600], num[24];
	size_t k = strlen(dir);
	if (k > 512)
		return -36;	/* ENAMETOOLONG */
	memcpy(path, dir, k);
	memcpy(path + k, "/.cryo-unlinked-", 16);
	k += 16;
	uint64_t parts[2] = { (uint64_t)sys0(__NR_getpid), seq++ };
	for (int p = 0; p < 2; p++) {
		int n = 0;
		uint64_t v = parts[p];
		do
			num[n++] = (char)('0' + v % 10);
		while ((v /= 10));
		while (n)
			path[k++] = num[--n];
		path[k++] = p ? 0 : '-';
	}
	long fd = sys3(__NR_open, path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (!sys_failed(fd))
		sys3(__NR_unlinkat, AT_FDCWD, path, 0);
	return fd;
}

/* A new file with no name, as close to the old one as this system allows. */
static long create_unlinked(const char *name)
{
	/* at its old path, if free: /proc/PID/fd shows the same name */
	long fd = sys3(__NR_open, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (!sys_failed(fd)) {
		sys3(__NR_unlinkat, AT_FDCWD, name, 0);
		return fd;
	}
	char dir[4096];
	size_t n = strlen(name);
	while (n && name[n - 1] != '/')
		n--;
	if (n > 1 && n < sizeof(dir)) {
		memcpy(dir, name, n - 1);
		dir[n - 1] = 0;
		fd = sys3(__NR_open, dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (!sys_failed(fd))
			return fd;
	}
	const char *t = tmpdir();
	fd = sys3(__NR_open, t, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (sys_failed(fd))
		fd = create_named_tmp(t);
	if (sys_failed(fd))
		stub_fatal("cannot recreate the deleted file %s (in its directory or %s): %s", name,
			   t, stub_strerror(-fd));
	return fd;
}

/* A buffer for one decompressed FILEDATA run (outside the arena: 1 MiB). */
static uint8_t *scratch(void)
{
	static uint8_t *buf;
	if (!buf) {
		long p = sys6(__NR_mmap, 0, CRYO_FILEDATA_MAX, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (sys_failed(p))
			stub_fatal("out of memory for the contents of a file");
		buf = (uint8_t *)p;
	}
	return buf;
}

static void fill(long fd, const struct cryo_fileobj *o, const char *name)
{
	uint64_t size = obj_size(o->id);
	long e = sys2(__NR_ftruncate, fd, size);
	if (sys_failed(e))
		stub_fatal("cannot give %s back its %lu bytes: %s", name, size, stub_strerror(-e));
	for (size_t i = 0; i < ndatas; i++) {
		const struct cryo_filedata *d = &datas[i];
		if (d->id != o->id)
			continue;
		if (d->offset > size || d->raw_len > size - d->offset ||
		    d->raw_len > CRYO_FILEDATA_MAX || (!d->codec && d->raw_len != d->data.len))
			stub_corrupt("contents of %s beyond its size", name);
		const uint8_t *raw = d->data.data;
		if (d->codec) {
			raw = scratch();
			if (cryo_decompress((int)d->codec, (void *)raw, d->raw_len, d->data.data,
					    d->data.len))
				stub_corrupt("the saved contents of %s do not decompress", name);
		}
		for (uint64_t done = 0; done < d->raw_len;) {
			long w = sys4(__NR_pwrite64, fd, raw + done, d->raw_len - done,
				      d->offset + done);
			if (sys_failed(w))
				stub_fatal("cannot write %s back (%lu bytes): %s", name, size,
					   stub_strerror(-w));
			done += (uint64_t)w;
		}
	}
}

/* The temporary fd of file id, made the first time. */
static int file_of(struct stub *s, uint64_t id)
{
	for (size_t i = 0; i < nmade; i++)
		if (made[i].o->id == id)
			return made[i].fd;
	const struct cryo_fileobj *o = obj_by_id(id);
	const char *name = (const char *)o->name.data;
	long fd = o->memfd ? sys2(__NR_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING)
			   : create_unlinked(name);
	if (sys_failed(fd))
		stub_fatal("cannot recreate the memfd %s: %s", name, stub_strerror(-fd));
	fill(fd, o, name);
	made = xgrow(made, nmade, &capmade, sizeof(*made));
	made[nmade] = (struct made){ o, stub_tmpfd(s, (int)fd) };
	return made[nmade++].fd;
}

static void open_fileobj(struct stub *s, struct stub_file *f)
{
	const struct cryo_fileobj *o = obj_by_fd(f->rec.fd);
	const char *path = (const char *)f->rec.path.data;
	long fd = fd_obj_reopen(file_of(s, o->id), f->rec.flags);
	if (sys_failed(fd))
		stub_fatal("cannot reopen fd %lu (%s): %s", f->rec.fd, path, stub_strerror(-fd));
	long p = sys3(__NR_lseek, fd, f->rec.pos, 0 /* SEEK_SET */);
	if (sys_failed(p))
		stub_warn("cannot restore the offset of fd %lu (%s): %s", f->rec.fd, path,
			  stub_strerror(-p));
	f->tmpfd = stub_tmpfd(s, (int)fd);
}

void fd_obj_open(struct stub *s, struct stub_file *f)
{
	if (f->rec.kind == CRYO_FILE_PIPE || f->rec.kind == CRYO_FILE_FIFO)
		fd_pipe_open(s, f);
	else
		open_fileobj(s, f);
}

long fd_obj_vma_fd(struct stub *s, const struct cryo_vma *v)
{
	for (size_t i = 0; i < nmaps; i++) {
		if (maps[i].start != v->start)
			continue;
		int tmp = file_of(s, maps[i].id);
		long fd = fd_obj_reopen(tmp, O_RDWR);
		if (sys_failed(fd))	/* sealed against writing */
			fd = fd_obj_reopen(tmp, O_RDONLY);
		if (sys_failed(fd))
			stub_fatal("cannot reopen the file mapped at 0x%lx: %s", v->start,
				   stub_strerror(-fd));
		return fd;
	}
	return -1;
}

void fd_obj_finish(struct stub *s)
{
	(void)s;
	for (size_t i = 0; i < nmade; i++) {
		const struct cryo_fileobj *o = made[i].o;
		/* the mode first: F_SEAL_EXEC (MFD_NOEXEC_SEAL) freezes it */
		long e = sys2(__NR_fchmod, made[i].fd, o->mode & 07777);
		if (sys_failed(e))
			stub_warn("cannot restore the mode of %s: %s", (const char *)o->name.data,
				  stub_strerror(-e));
		e = o->seals ? sys3(__NR_fcntl, made[i].fd, F_ADD_SEALS, o->seals) : 0;
		if (sys_failed(e))
			stub_warn("cannot restore the seals of memfd %s: %s",
				  (const char *)o->name.data, stub_strerror(-e));
	}
}
