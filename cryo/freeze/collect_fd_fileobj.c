/* Unlinked files and memfds: FILE (kind UNLINKED or MEMFD) + one FILEOBJ
 * record per fd, and the contents once per file in FILEDATA records.
 *
 * The contents are read through /proc/PID/fd/N, which opens even when the
 * file has no name left.  Runs of zero pages are left out (the file comes
 * back sparse, its size set by ftruncate).  A shared mapping of such a file
 * is remapped from the recreated file (FILEMAP), so that it stays shared
 * with the fds.
 */
#include "freeze.h"
#include "../codec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DELETED " (deleted)"

/* Files saved so far, by inode (their contents travel once), with the
 * /proc name that shared mappings of them show. */
static struct saved {
	uint64_t id;
	char *link;
	int mapped_only;	/* known only through its mappings (scraped) */
} *saved;
static size_t nsaved;

static struct saved *find_saved(uint64_t id)
{
	for (size_t i = 0; i < nsaved; i++)
		if (saved[i].id == id)
			return &saved[i];
	return NULL;
}

static int is_memfd(const char *link)
{
	return !strncmp(link, "/memfd:", 7);
}

/* The name to recreate: the path without " (deleted)", or the memfd's NAME. */
static char *object_name(const char *link)
{
	size_t n = strlen(link), d = strlen(DELETED);
	if (n >= d && !strcmp(link + n - d, DELETED))
		n -= d;
	if (is_memfd(link)) {
		link += 7;
		n -= 7;
	}
	return strndup(link, n);
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* One FILEDATA record: the run compressed with the image's codec (as
 * memory chunks are), or raw when that does not make it smaller. */
static void emit_run(struct freeze_ctx *ctx, uint64_t id, uint64_t off, const uint8_t *raw,
		     size_t len, uint8_t *zbuf, size_t zcap)
{
	struct cryo_filedata d = { .id = id, .offset = off, .raw_len = len,
				   .codec = CRYO_CODEC_NONE, .data = { raw, (uint32_t)len } };
	size_t n = ctx->opt.codec != CRYO_CODEC_NONE
			   ? cryo_compress(ctx->opt.codec, zbuf, zcap, raw, len) : 0;
	if (n && n < len) {
		d.codec = (uint64_t)ctx->opt.codec;
		d.data = (struct cryo_blob){ zbuf, (uint32_t)n };
	}
	freeze_emit(ctx, CRYO_REC_FILEDATA, &d);
}

/* One FILEDATA record per run of non-zero pages of buf (len bytes at off). */
static void emit_runs(struct freeze_ctx *ctx, uint64_t id, uint64_t off, const uint8_t *buf,
		      size_t len, uint8_t *zbuf, size_t zcap)
{
	for (size_t p = 0; p < len;) {
		size_t pg = len - p < 4096 ? len - p : 4096;
		if (all_zero(buf + p, pg)) {
			p += pg;
			continue;
		}
		size_t q = p + pg;
		while (q < len) {
			size_t qg = len - q < 4096 ? len - q : 4096;
			if (all_zero(buf + q, qg))
				break;
			q += qg;
		}
		emit_run(ctx, id, off + p, buf + p, q - p, zbuf, zcap);
		p = q;
	}
}

/* FILEDATA records for every non-zero page run of src (size bytes). */
static int save_contents(struct freeze_ctx *ctx, int src, uint64_t id, uint64_t size,
			 const char *what)
{
	size_t zcap = cryo_compress_bound(ctx->opt.codec, CRYO_FILEDATA_MAX);
	uint8_t *buf = malloc(CRYO_FILEDATA_MAX), *zbuf = malloc(zcap ? zcap : 1);
	if (!buf || !zbuf) {
		free(buf);
		free(zbuf);
		freeze_error("out of memory");
		return FREEZE_ERR;
	}
	int rc = FREEZE_OK;
	for (uint64_t off = 0; off < size && rc == FREEZE_OK; off += CRYO_FILEDATA_MAX) {
		/* skip holes without reading them (a sparse file of many GiB) */
		off_t data = lseek(src, (off_t)off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;	/* only a hole up to the end */
		if (data > 0 && (uint64_t)data > off)
			off = (uint64_t)data & ~(uint64_t)4095;
		size_t want = size - off < CRYO_FILEDATA_MAX ? (size_t)(size - off) : CRYO_FILEDATA_MAX;
		ssize_t n = pread(src, buf, want, (off_t)off);
		if (n != (ssize_t)want) {
			freeze_error("%s: reading its contents at offset %" PRIu64 " failed: %s", what,
				     off, n < 0 ? strerror(errno) : "short read");
			rc = FREEZE_ERR;
			break;
		}
		emit_runs(ctx, id, off, buf, want, zbuf, zcap);
		if (freeze_interrupted())
			rc = FREEZE_ERR;
	}
	free(buf);
	free(zbuf);
	return rc;
}

/* FILEOBJ for fd (or ~0 for a mapping) and, the first time, the contents
 * read through the open file src. */
static int save_object(struct freeze_ctx *ctx, uint64_t fd, const char *link, int src,
		       const char *what)
{
	struct stat st;
	if (fstat(src, &st)) {
		freeze_error("%s: cannot stat it: %s", what, strerror(errno));
		return FREEZE_ERR;
	}
	uint64_t id = (uint64_t)st.st_ino;
	if (find_saved(id)) {
		if (fd == ~0ull)
			return FREEZE_OK;	/* a mapping of a file described already */
	} else {
		uint64_t size = (uint64_t)st.st_size;
		if (size > ctx->opt.max_unlinked) {
			freeze_error("%s: %" PRIu64 " bytes, more than --max-unlinked=%" PRIu64
				     " allows; raise it to save its contents", what, size,
				     ctx->opt.max_unlinked);
			return FREEZE_REFUSED;
		}
		struct saved *p = realloc(saved, (nsaved + 1) * sizeof(*p));
		if (!p)
			return FREEZE_ERR;
		saved = p;
		saved[nsaved++] = (struct saved){ id, strdup(link), 0 };
		int rc = save_contents(ctx, src, id, size, what);
		if (rc)
			return rc;
	}
	char *name = object_name(link);
	if (!name)
		return FREEZE_ERR;
	struct cryo_fileobj o = {
		.fd = fd, .id = id, .size = (uint64_t)st.st_size, .mode = st.st_mode,
		.memfd = (uint64_t)is_memfd(link),
		.name = { (const uint8_t *)name, (uint32_t)strlen(name) + 1 },
	};
	if (o.memfd) {
		int seals = fcntl(src, F_GET_SEALS);
		o.seals = seals > 0 ? (uint64_t)seals : 0;
	}
	freeze_info(ctx, "%s: %s, %" PRIu64 " bytes, seals %#" PRIx64, what,
		    o.memfd ? "memfd" : "unlinked file", o.size, o.seals);
	freeze_emit(ctx, CRYO_REC_FILEOBJ, &o);
	free(name);
	return FREEZE_OK;
}

int collect_fd_fileobj(struct freeze_ctx *ctx, struct cryo_file *f, const char *link,
		       const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || st->st_nlink != 0)
		return -1;
	char path[64], what[PATH_MAX + 64];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)ctx->pid, (int)f->fd);
	snprintf(what, sizeof(what), "fd %d -> %s", (int)f->fd, link);
	f->kind = is_memfd(link) ? CRYO_FILE_MEMFD : CRYO_FILE_UNLINKED;
	int src = open(path, O_RDONLY | O_CLOEXEC);
	if (src < 0) {
		freeze_error("%s: cannot open it to read its contents: %s", what, strerror(errno));
		return FREEZE_REFUSED;
	}
	int rc = save_object(ctx, f->fd, link, src, what);
	close(src);
	if (rc == FREEZE_OK)
		freeze_emit(ctx, CRYO_REC_FILE, f);
	return rc;
}

/* Without CAP_CHECKPOINT_RESTORE, a shared mapping of a memfd or deleted
 * file that no fd holds: what the mapping shows of the file, read through
 * the process's memory.  The pages past the end of the file cannot be
 * read: there it stops, and the file is recreated that long.  Mappings of
 * the same name are one file (id: known, or 0 for a new one). */
static int scrape_mapping(struct freeze_ctx *ctx, const struct map_entry *m, uint64_t known,
			  uint64_t *id, const char *what)
{
	int first = !known;
	if (!known) {
		struct saved *p = realloc(saved, (nsaved + 1) * sizeof(*p));
		if (!p)
			return FREEZE_ERR;
		saved = p;
		known = (1ull << 63) | nsaved;	/* no inode number: a made-up id */
		saved[nsaved++] = (struct saved){ known, strdup(m->path), 1 };
	}
	*id = known;
	size_t zcap = cryo_compress_bound(ctx->opt.codec, CRYO_FILEDATA_MAX);
	uint8_t *buf = malloc(CRYO_FILEDATA_MAX), *zbuf = malloc(zcap ? zcap : 1);
	uint64_t len = 0;
	int end = 0;
	for (uint64_t a = m->start; buf && zbuf && a < m->end && !end; a += CRYO_FILEDATA_MAX) {
		size_t want = m->end - a < CRYO_FILEDATA_MAX ? (size_t)(m->end - a) : CRYO_FILEDATA_MAX;
		size_t got = want;
		if (proc_read_mem(ctx->pid, a, buf, want)) {
			/* the end of the file is in there: page by page */
			for (got = 0; got < want && !proc_read_mem(ctx->pid, a + got, buf + got, 4096);)
				got += 4096;
			end = 1;
		}
		emit_runs(ctx, known, m->pgoff + (a - m->start), buf, got, zbuf, zcap);
		len = a - m->start + got;
	}
	if (!buf || !zbuf) {
		free(buf);
		free(zbuf);
		freeze_error("out of memory");
		return FREEZE_ERR;
	}
	free(buf);
	free(zbuf);
	char *name = object_name(m->path);
	if (!name)
		return FREEZE_ERR;
	/* size and mode are unknown: what the mappings show, 0600 */
	struct cryo_fileobj o = {
		.fd = ~0ull, .id = known, .size = m->pgoff + len, .mode = S_IFREG | 0600,
		.memfd = (uint64_t)is_memfd(m->path),
		.name = { (const uint8_t *)name, (uint32_t)strlen(name) + 1 },
	};
	if (first)
		freeze_warn("%s: no fd on it and no access to /proc/%d/map_files (needs "
			    "CAP_CHECKPOINT_RESTORE): only the mapped part of the file is saved",
			    what, (int)ctx->pid);
	freeze_emit(ctx, CRYO_REC_FILEOBJ, &o);
	free(name);
	return FREEZE_OK;
}

/* A writable shared mapping of a memfd or deleted file: 1 (kind set to
 * FILE_SHARED, FILEMAP emitted) if it can be remapped from a recreated
 * file, 0 if not (the caller decides), or an enum freeze_exit > 1... as
 * a negative number on failure. */
int collect_map_fileobj(struct freeze_ctx *ctx, const struct map_entry *m)
{
	size_t n = strlen(m->path), d = strlen(DELETED);
	if (n < d || strcmp(m->path + n - d, DELETED))
		return 0;
	/* MAP_SHARED|MAP_ANONYMOUS and SysV shm are memory, not files */
	if (!strcmp(m->path, "/dev/zero" DELETED) || !strncmp(m->path, "/SYSV", 5))
		return 0;
	/* The mapped file itself (needs CAP_CHECKPOINT_RESTORE); else the one
	 * file saved from an fd under the same name. */
	char mf[96], what[PATH_MAX + 96];
	snprintf(mf, sizeof(mf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)ctx->pid,
		 m->start, m->end);
	snprintf(what, sizeof(what), "shared mapping of %s at %" PRIx64 "-%" PRIx64, m->path,
		 m->start, m->end);
	uint64_t id = 0;
	int src = open(mf, O_RDONLY | O_CLOEXEC);
	if (src >= 0) {
		int rc = save_object(ctx, ~0ull, m->path, src, what);
		struct stat st;
		if (!rc && !fstat(src, &st))
			id = (uint64_t)st.st_ino;
		close(src);
		if (rc)
			return -rc;
	} else {
		int found = 0;
		for (size_t i = 0; i < nsaved; i++)
			if (!strcmp(saved[i].link, m->path)) {
				id = saved[i].id;
				found += saved[i].mapped_only ? 2 : 1;
			}
		/* 1: the file saved from an fd; 0 or 2: (another mapping of) a file
		 * known only through mappings; more: ambiguous, the caller decides */
		if (found > 2)
			return 0;
		int rc = found == 1 ? 0 : scrape_mapping(ctx, m, found ? id : 0, &id, what);
		if (rc)
			return -rc;
	}
	if (!id)
		return -FREEZE_ERR;
	struct cryo_filemap fm = { .start = m->start, .id = id };
	freeze_emit(ctx, CRYO_REC_FILEMAP, &fm);
	return 1;
}
