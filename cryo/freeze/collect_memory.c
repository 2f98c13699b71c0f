/* Memory: one VMA record per mapping, page data to the image writer.
 *
 * What is read, per mapping kind:
 *   private anonymous        pages present or swapped (pagemap), the rest
 *                            was never touched and comes back as zero
 *   private file             every page within the file (the image must run
 *                            where the file does not exist); none past EOF
 *   shared anonymous         every page (shmem pages need not be mapped in
 *                            this process's page tables to hold data)
 *   shared file              nothing: remapped by path at resume; but one
 *                            that can never be written through is embedded
 *                            like a private one
 *   [vdso] [vvar]            nothing: moved, never copied
 *   unreadable (PROT_NONE)   anonymous: only pages present or swapped;
 *                            file: as above; both through /proc/PID/mem,
 *                            which ignores protections
 * All-zero pages become holes (no chunk).  Everything is copied before
 * this returns: the target may run again right after.  Reads are batched
 * (many pieces per process_vm_readv) and each batch is handed to the
 * writer's compression threads while the next one is read.
 */
#include "freeze.h"
#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_BATCH 4096			/* pagemap entries per pread */
#define MAX_PIECES 1024			/* IOV_MAX */
#define BATCH_BYTES (32u << 20)		/* bytes per flush */

/* A run of pages to read: becomes zero or more chunks. */
struct piece {
	uint64_t vaddr;
	size_t len;		/* to read; shrinks at a file's EOF */
	size_t done;		/* read so far */
	uint8_t *buf;		/* in the staging area */
	size_t map;		/* index in ctx->maps */
	int via_mem;		/* unreadable: use /proc/PID/mem */
	int file;		/* a fault here may be EOF, not an error */
};

struct reader {
	struct freeze_ctx *ctx;
	int pagemap_fd, mem_fd;
	uint8_t *staging;	/* BATCH_BYTES, reused by every batch */
	struct piece pieces[MAX_PIECES];
	int npieces;
	size_t batch_bytes;
	size_t eof_map;		/* mapping whose EOF was found, or SIZE_MAX */
	uint64_t pm[PM_BATCH];
	struct {
		int kind;	/* enum cryo_vma_kind, 0: not recorded */
		int have_st;	/* size known */
		uint64_t size;	/* the mapped file's size */
	} *kinds;		/* per ctx->maps entry */
	/* statistics for -v */
	uint64_t bytes_read, zero_bytes, chunks, skipped_bytes;
};

static const char *map_name(const struct map_entry *m)
{
	return m->path[0] ? m->path : "anonymous memory";
}

static int is_zero_page(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)(const void *)p;
	uint64_t acc = 0;
	for (size_t i = 0; i < PAGE_SIZE_4K / 8; i += 8) {
		acc |= w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] |
		       w[i + 7];
		if (acc)
			return 0;
	}
	return 1;
}

/* Hand the non-zero runs of a read piece to the writer, which copies them
 * out of the staging area. */
static int piece_to_chunks(struct reader *r, const struct piece *p)
{
	const uint8_t *buf = p->buf;
	size_t off = 0;
	while (off < p->len) {
		while (off < p->len && is_zero_page(buf + off)) {
			off += PAGE_SIZE_4K;
			r->zero_bytes += PAGE_SIZE_4K;
		}
		if (off == p->len)
			break;
		size_t end = off + PAGE_SIZE_4K;
		while (end < p->len && !is_zero_page(buf + end))
			end += PAGE_SIZE_4K;
		r->chunks++;
		if (image_add_chunk_copy(r->ctx, p->vaddr + off, buf + off, end - off) < 0)
			return -1;
		off = end;
	}
	return 0;
}

/* The page at p->vaddr + p->done cannot be read with process_vm_readv (or
 * /proc/PID/mem read stopped there).  Try it through /proc/PID/mem; past a
 * file's end it is EOF: the piece, and the rest of its mapping, stop there. */
static int piece_fault(struct reader *r, struct piece *p)
{
	p->done &= ~(size_t)(PAGE_SIZE_4K - 1);
	uint64_t a = p->vaddr + p->done;
	ssize_t n = pread(r->mem_fd, p->buf + p->done, PAGE_SIZE_4K, (off_t)a);
	if (n == PAGE_SIZE_4K) {
		p->done += PAGE_SIZE_4K;
		return 0;
	}
	int err = n < 0 ? errno : EIO;
	if (p->file && (err == EIO || err == EFAULT)) {
		p->len = p->done;
		r->eof_map = p->map;
		for (int i = (int)(p - r->pieces) + 1; i < r->npieces; i++)
			if (r->pieces[i].map == p->map)
				r->pieces[i].len = r->pieces[i].done = 0;
		return 0;
	}
	const struct map_entry *m = &r->ctx->maps[p->map];
	freeze_error("cannot read the target's memory at 0x%" PRIx64 " (%s, %" PRIx64 "-%" PRIx64
		     "): %s", a, map_name(m), m->start, m->end, strerror(err));
	return -1;
}

/* Read every piece of the batch: process_vm_readv with as many pieces per
 * call as fit, /proc/PID/mem for unreadable mappings. */
static int read_batch(struct reader *r)
{
	struct iovec local[MAX_PIECES], remote[MAX_PIECES];
	for (;;) {
		int n = 0, first = -1;
		size_t want = 0;
		for (int i = 0; i < r->npieces; i++) {
			struct piece *p = &r->pieces[i];
			if (p->via_mem || p->done == p->len)
				continue;
			if (first < 0)
				first = i;
			local[n].iov_base = p->buf + p->done;
			remote[n].iov_base = (void *)(uintptr_t)(p->vaddr + p->done);
			local[n].iov_len = remote[n].iov_len = p->len - p->done;
			want += p->len - p->done;
			n++;
		}
		if (!n)
			break;
		ssize_t got = process_vm_readv(r->ctx->pid, local, (unsigned long)n, remote,
					       (unsigned long)n, 0);
		int err = errno;
		if (got < 0 && err != EFAULT) {
			freeze_error("reading the target's memory: process_vm_readv: %s",
				     strerror(err));
			return -1;
		}
		size_t left = got < 0 ? 0 : (size_t)got;
		r->bytes_read += left;
		struct piece *stuck = NULL;
		for (int i = first; i < r->npieces; i++) {
			struct piece *p = &r->pieces[i];
			if (p->via_mem || p->done == p->len)
				continue;
			size_t take = p->len - p->done < left ? p->len - p->done : left;
			p->done += take;
			left -= take;
			if (p->done < p->len) {
				stuck = p;
				break;
			}
		}
		if (stuck && piece_fault(r, stuck) < 0)
			return -1;
		if (!stuck && (size_t)got != want) {
			freeze_error("process_vm_readv read more than asked");	/* cannot happen */
			return -1;
		}
	}
	for (int i = 0; i < r->npieces; i++) {
		struct piece *p = &r->pieces[i];
		while (p->via_mem && p->done < p->len) {
			ssize_t got = pread(r->mem_fd, p->buf + p->done, p->len - p->done,
					    (off_t)(p->vaddr + p->done));
			if (got > 0) {
				got &= ~(ssize_t)(PAGE_SIZE_4K - 1);
				p->done += (size_t)got;
				r->bytes_read += (size_t)got;
				if (got)
					continue;
			}
			if (piece_fault(r, p) < 0)
				return -1;
		}
	}
	return 0;
}

static void reset_batch(struct reader *r)
{
	r->npieces = 0;
	r->batch_bytes = 0;
}

static int flush(struct reader *r)
{
	if (freeze_interrupted()) {
		reset_batch(r);
		freeze_error("interrupted by a signal: freeze abandoned");
		return -1;
	}
	int rc = read_batch(r);
	for (int i = 0; rc == 0 && i < r->npieces; i++) {
		struct piece *p = &r->pieces[i];
		p->len = p->done;	/* a file's EOF may have cut it short */
		if (p->len && piece_to_chunks(r, p) < 0)
			rc = -1;
	}
	reset_batch(r);
	return rc;
}

/* Queue [start, end) of mapping mi for reading, in pieces of at most a chunk. */
static int add_range(struct reader *r, size_t mi, uint64_t start, uint64_t end, int via_mem,
		     int file)
{
	while (start < end) {
		if (r->eof_map == mi)
			return 0;
		size_t len = end - start > CRYO_CHUNK_MAX ? CRYO_CHUNK_MAX : (size_t)(end - start);
		if (r->batch_bytes + len > BATCH_BYTES && flush(r) < 0)
			return -1;
		struct piece *p = &r->pieces[r->npieces];
		memset(p, 0, sizeof(*p));
		p->buf = r->staging + r->batch_bytes;
		p->vaddr = start;
		p->len = len;
		p->map = mi;
		p->via_mem = via_mem;
		p->file = file;
		r->npieces++;
		r->batch_bytes += len;
		start += len;
		if (r->npieces == MAX_PIECES && flush(r) < 0)
			return -1;
	}
	return 0;
}

/* Queue the pages of [start, end) that pagemap says hold data. */
static int add_present(struct reader *r, size_t mi, uint64_t start, uint64_t end, int via_mem,
		       int file)
{
	if (r->ctx->maps[mi].vmflags & MAP_X_EMPTY) {
		/* smaps: nothing resident or swapped (a huge reservation
		 * costs no pagemap reading) */
		r->skipped_bytes += end - start;
		return 0;
	}
	uint64_t run = 0;	/* start of the current run of data pages, 0: none */
	for (uint64_t a = start; a < end;) {
		size_t n = (size_t)((end - a) / PAGE_SIZE_4K);
		if (n > PM_BATCH)
			n = PM_BATCH;
		ssize_t got = pread(r->pagemap_fd, r->pm, n * 8, (off_t)(a / PAGE_SIZE_4K * 8));
		if (got != (ssize_t)(n * 8)) {
			freeze_error("reading /proc/%d/pagemap: %s", (int)r->ctx->pid,
				     got < 0 ? strerror(errno) : "short read");
			return -1;
		}
		for (size_t i = 0; i < n; i++, a += PAGE_SIZE_4K) {
			int data = (r->pm[i] & (PM_PRESENT | PM_SWAPPED)) != 0;
			if (data && !run)
				run = a;
			else if (!data && run) {
				if (add_range(r, mi, run, a, via_mem, file) < 0)
					return -1;
				run = 0;
			}
			if (!data)
				r->skipped_bytes += PAGE_SIZE_4K;
		}
	}
	if (run)
		return add_range(r, mi, run, end, via_mem, file);
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* MAP_SHARED|MAP_ANONYMOUS, SysV shm and memfd live on the kernel's internal
 * shmem mount: their memory goes into the image. */
static int is_internal_shmem(const char *path)
{
	return strcmp(path, "/dev/zero (deleted)") == 0 || strncmp(path, "/SYSV", 5) == 0 ||
	       strncmp(path, "/memfd:", 7) == 0 || strncmp(path, "[anon_shmem:", 12) == 0;
}

/* stat of the mapped file itself (needs CAP_CHECKPOINT_RESTORE), else of
 * its path if that still names it. */
static int stat_mapped(const struct freeze_ctx *ctx, const struct map_entry *m, struct stat *st)
{
	char mf[96];
	snprintf(mf, sizeof(mf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)ctx->pid,
		 m->start, m->end);
	if (stat(mf, st) == 0)
		return 0;
	if (ends_with(m->path, " (deleted)"))
		return -1;
	return stat(m->path, st);
}

/* Decide a mapping's kind.  Returns 0 (kind set), 1 to skip it, or
 * FREEZE_REFUSED after a message. */
static int classify(const struct freeze_ctx *ctx, const struct map_entry *m, int *kind,
		    struct stat *st, int *have_st)
{
	const char *path = m->path;
	*have_st = 0;
	if (strcmp(path, "[vsyscall]") == 0)
		return 1;	/* fixed by the kernel in every process */
	if (strcmp(path, "[vdso]") == 0) {
		*kind = CRYO_VMA_VDSO;
		return 0;
	}
	if (strcmp(path, "[vvar]") == 0) {
		*kind = CRYO_VMA_VVAR;
		return 0;
	}
	if (strcmp(path, "[vvar_vclock]") == 0) {
		*kind = CRYO_VMA_VVAR_VCLOCK;
		return 0;
	}
	if (m->vmflags & MAP_X_HUGETLB) {
		freeze_error("%s at %" PRIx64 "-%" PRIx64 " is hugetlbfs memory, not supported yet",
			     map_name(m), m->start, m->end);
		return FREEZE_REFUSED;
	}
	if (m->vmflags & MAP_X_IO) {
		freeze_error("%s at %" PRIx64 "-%" PRIx64 " maps device memory, which cannot be "
			     "saved", map_name(m), m->start, m->end);
		return FREEZE_REFUSED;
	}
	if (!path[0] || path[0] == '[' || is_internal_shmem(path)) {
		if (strncmp(path, "/SYSV", 5) == 0)
			freeze_warn("%s at %" PRIx64 "-%" PRIx64 ": SysV shared memory comes back as "
				    "shared anonymous memory: its contents stay, its shm id and any "
				    "sharing with other processes do not", path, m->start, m->end);
		*kind = m->shared ? CRYO_VMA_ANON_SHARED : CRYO_VMA_ANON;
		return 0;
	}
	*have_st = stat_mapped(ctx, m, st) == 0;
	/* A shared mapping this process can never write through (a read-only
	 * fd: gconv-modules.cache, fonts) differs from a private one only in
	 * seeing other writers: embed it, so the image does not need the file. */
	int frozen_view = m->shared && !(m->vmflags & MAP_X_MAYWRITE);
	if (m->shared && !frozen_view) {
		if (ends_with(path, " (deleted)")) {
			freeze_error("shared mapping of a deleted file: %s at %" PRIx64 "-%" PRIx64
				     " (with no fd on it, its contents are read through "
				     "/proc/PID/map_files, which needs CAP_CHECKPOINT_RESTORE)",
				     path, m->start, m->end);
			return FREEZE_REFUSED;
		}
		if (!*have_st || !S_ISREG(st->st_mode)) {
			freeze_error("shared mapping of %s at %" PRIx64 "-%" PRIx64 ": %s", path,
				     m->start, m->end,
				     *have_st ? "not a regular file, cannot be saved"
					      : "the file cannot be found by its path");
			return FREEZE_REFUSED;
		}
		*kind = CRYO_VMA_FILE_SHARED;
		return 0;
	}
	/* A private mapping of a device (/dev/zero) is anonymous memory. */
	*kind = *have_st && !S_ISREG(st->st_mode) ? CRYO_VMA_ANON : CRYO_VMA_FILE_PRIVATE;
	return 0;
}

static void emit_vma(struct freeze_ctx *ctx, const struct map_entry *m, int kind)
{
	int anon = kind == CRYO_VMA_ANON || kind == CRYO_VMA_ANON_SHARED;
	struct cryo_vma v = {
		.start = m->start, .end = m->end, .prot = (uint64_t)m->prot, .kind = (uint64_t)kind,
		.flags = m->vmflags & ~MAP_X_MASK, .pgoff = anon ? 0 : m->pgoff,
	};
	if (m->path[0]) {
		v.path.data = (const uint8_t *)m->path;
		v.path.len = (uint32_t)strlen(m->path) + 1;
	}
	freeze_emit(ctx, CRYO_REC_VMA, &v);
}

/* Queue the data of one mapping. */
static int collect_one(struct reader *r, size_t mi)
{
	const struct map_entry *m = &r->ctx->maps[mi];
	int kind = r->kinds[mi].kind;
	int readable = (m->prot & PROT_READ) != 0;
	uint64_t end = m->end;
	switch (kind) {
	case CRYO_VMA_ANON:
		return add_present(r, mi, m->start, m->end, !readable, 0);
	case CRYO_VMA_ANON_SHARED:
		if (!readable)
			return add_present(r, mi, m->start, m->end, 1, 0);
		return add_range(r, mi, m->start, m->end, 0, 0);
	case CRYO_VMA_FILE_PRIVATE:
		/* Nothing past the file's last page: touching it is SIGBUS.
		 * Without a size (a deleted file, unprivileged), the first
		 * page that cannot be read marks the end. */
		if (r->kinds[mi].have_st) {
			uint64_t size = r->kinds[mi].size;
			uint64_t in_file = size > m->pgoff ? PAGE_ROUND_UP(size - m->pgoff) : 0;
			if (in_file < end - m->start)
				end = m->start + in_file;
			r->skipped_bytes += m->end - end;
		}
		/* Unreadable too (an ld.so gap, a file mapped PROT_NONE to be
		 * opened up later): what mprotect would reveal is the file's
		 * contents, so they travel too, read through /proc/PID/mem. */
		return add_range(r, mi, m->start, end, !readable, 1);
	default:
		return 0;	/* no data */
	}
}

static int open_proc(pid_t pid, const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		freeze_error("opening %s: %s", path, strerror(errno));
	return fd;
}

int collect_memory(struct freeze_ctx *ctx)
{
	struct reader *r = calloc(1, sizeof(*r));
	if (!r) {
		freeze_error("out of memory");
		return FREEZE_ERR;
	}
	r->ctx = ctx;
	r->eof_map = SIZE_MAX;
	r->pagemap_fd = open_proc(ctx->pid, "pagemap");
	r->mem_fd = open_proc(ctx->pid, "mem");
	int rc = FREEZE_ERR;
	if (r->pagemap_fd < 0 || r->mem_fd < 0)
		goto out;
	/* Memory is read into one reused staging area (no page faults of our
	 * own for the target's zero pages); non-zero runs are copied out. */
	r->staging = mmap(NULL, BATCH_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (r->staging == MAP_FAILED) {
		r->staging = NULL;
		freeze_error("out of memory: %s", strerror(errno));
		goto out;
	}
	madvise(r->staging, BATCH_BYTES, MADV_HUGEPAGE);
	/* Decide every mapping first: a refusal comes before any reading. */
	r->kinds = calloc(ctx->nmaps, sizeof(*r->kinds));
	if (!r->kinds) {
		freeze_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < ctx->nmaps; i++) {
		struct stat st;
		int have_st = 0;
		/* a shared mapping of a memfd or deleted file saved as a FILEOBJ
		 * is remapped from it (collect_fd_fileobj.c) */
		int fo = ctx->maps[i].shared ? collect_map_fileobj(ctx, &ctx->maps[i]) : 0;
		if (fo < 0) {
			rc = -fo;
			goto out;
		}
		if (fo)
			r->kinds[i].kind = CRYO_VMA_FILE_SHARED;
		int c = fo ? 0 : classify(ctx, &ctx->maps[i], &r->kinds[i].kind, &st, &have_st);
		if (c == 1)
			r->kinds[i].kind = 0;	/* skipped */
		else if (c != 0) {
			rc = c;
			goto out;
		}
		r->kinds[i].have_st = have_st;
		if (have_st)
			r->kinds[i].size = (uint64_t)st.st_size;
	}
	for (size_t i = 0; i < ctx->nmaps; i++) {
		if (!r->kinds[i].kind)
			continue;
		emit_vma(ctx, &ctx->maps[i], r->kinds[i].kind);
		if (collect_one(r, i) < 0)
			goto out;
	}
	if (flush(r) < 0)
		goto out;
	freeze_info(ctx, "memory: %zu mappings, read %" PRIu64 " MiB (%" PRIu64
		    " MiB of zero pages left as holes, %" PRIu64 " MiB never populated or past EOF), %" PRIu64
		    " chunks", ctx->nmaps, r->bytes_read >> 20, r->zero_bytes >> 20,
		    r->skipped_bytes >> 20, r->chunks);
	rc = FREEZE_OK;
out:
	reset_batch(r);
	free(r->kinds);
	if (r->staging)
		munmap(r->staging, BATCH_BYTES);
	if (r->pagemap_fd >= 0)
		close(r->pagemap_fd);
	if (r->mem_fd >= 0)
		close(r->mem_fd);
	free(r);
	return rc;
}
