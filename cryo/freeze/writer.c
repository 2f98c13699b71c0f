/* The output file: [stub ELF][chunk data][record area][trailer].
 *
 * image_open writes the relocated stub and starts a pool of compression
 * threads (one per CPU) and one writer thread.  image_add_chunk queues a
 * run of raw pages; a worker compresses it and checksums the stored bytes;
 * the writer thread appends the blobs in queue order and keeps the CHUNK
 * records, which image_finish emits (freeze_emit is single-threaded) before
 * END, the record area and the trailer.  Raw pages waiting for a worker are
 * bounded by half of MemAvailable: beyond that image_add_chunk waits.
 *
 * A file is written under a temporary name in the target directory, mode
 * 0700, fsync'd and renamed over the final name only when complete; any
 * failure unlinks it.  "-" streams to stdout (a pipe works: the file is
 * written strictly sequentially).
 */
#include "freeze.h"
#include "memory.h"
#include "stub_elf.h"
#include "../codec.h"
#include "../crc32c.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- stub placement ----------------------------------------------------- */

/* Room left free after the stub's segments, at least: the stub maps the
 * image there, and the kernel puts the stub's brk there. */
#define STUB_ROOM (1ull << 30)
/* The top of the address space is where the kernel puts the stub's own
 * stack, vdso and mmap base (randomised over about a TiB): stay below. */
#define STUB_TOP_LIMIT 0x7e0000000000ull
#define USER_TOP 0x7ffffffff000ull
#define STUB_ALIGN (2ull << 20)

static uint64_t mmap_min_addr(void)
{
	uint64_t v = 65536;
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");
	if (f) {
		unsigned long long x;
		if (fscanf(f, "%llu", &x) == 1 && x > v)
			v = x;
		fclose(f);
	}
	return PAGE_ROUND_UP(v);
}

/* Best base inside [lo, hi) for need bytes, or 0: the middle of the hole,
 * far from both neighbours (the heap grows up, the mmap area down). */
static uint64_t fit(uint64_t lo, uint64_t hi, uint64_t need)
{
	lo = (lo + STUB_ALIGN - 1) & ~(STUB_ALIGN - 1);
	if (hi <= lo || hi - lo < need)
		return 0;
	uint64_t base = lo + (hi - lo - need) / 2;
	return base & ~(STUB_ALIGN - 1);
}

/* An upper bound of the image's size: every readable mapping stored raw. */
static uint64_t image_bound(const struct freeze_ctx *ctx)
{
	uint64_t n = 0;
	for (size_t i = 0; i < ctx->nmaps; i++)
		if (ctx->maps[i].prot & PROT_READ)
			n += (ctx->maps[i].end - ctx->maps[i].start) * 101 / 100;
	return n;
}

/* Search windows, best first: the big gap between the heap and the mmap
 * area (well above where a legacy bottom-up mmap layout starts, well below
 * the stack), then anywhere below the top area, then anywhere at all; with
 * room after the stub for the whole image, then for STUB_ROOM, then none. */
enum { ROOM_IMAGE, ROOM_FIXED, ROOM_NONE };
static const struct { uint64_t lo, hi; int room; } windows[] = {
	{ 0x100000000000ull, STUB_TOP_LIMIT, ROOM_IMAGE },
	{ 0, STUB_TOP_LIMIT, ROOM_IMAGE },
	{ 0x100000000000ull, STUB_TOP_LIMIT, ROOM_FIXED },
	{ 0, STUB_TOP_LIMIT, ROOM_FIXED },
	{ 0, USER_TOP, ROOM_FIXED },
	{ 0, USER_TOP, ROOM_NONE },
};

uint64_t stub_place(const struct freeze_ctx *ctx)
{
	uint64_t span = stub_elf_span();
	if (!span)
		return 0;
	uint64_t min = mmap_min_addr();
	uint64_t image_room = STUB_ROOM + PAGE_ROUND_UP(image_bound(ctx));
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		uint64_t room = windows[w].room == ROOM_IMAGE   ? image_room
				: windows[w].room == ROOM_FIXED ? STUB_ROOM
								: 0;
		uint64_t need = span + room + PAGE_SIZE_4K;
		uint64_t wlo = windows[w].lo > min ? windows[w].lo : min, whi = windows[w].hi;
		uint64_t best = 0, best_len = 0;
		uint64_t prev_end = 0;
		for (size_t i = 0; i <= ctx->nmaps; i++) {
			uint64_t next = i < ctx->nmaps ? ctx->maps[i].start : USER_TOP;
			/* the hole [prev_end, next), a guard page on each side,
			 * clipped to the window */
			uint64_t lo = prev_end + PAGE_SIZE_4K, hi = next - PAGE_SIZE_4K;
			if (next < PAGE_SIZE_4K)
				hi = 0;
			if (lo < wlo)
				lo = wlo;
			if (hi > whi)
				hi = whi;
			uint64_t base = hi > lo ? fit(lo, hi, need) : 0;
			if (base && hi - lo > best_len) {
				best = base;
				best_len = hi - lo;
			}
			if (i < ctx->nmaps && ctx->maps[i].end > prev_end)
				prev_end = ctx->maps[i].end;
		}
		if (best)
			return best;
	}
	freeze_error("no room in the target's address space for the restore stub (%" PRIu64
		     " KiB)", span >> 10);
	return 0;
}

/* ---- the writer --------------------------------------------------------- */

struct job {
	struct job *next_work;	/* queue of jobs to compress */
	struct job *next_write;	/* queue of jobs to write, in order */
	uint64_t vaddr;
	void *raw;		/* malloc'd, or a pool slot if pooled */
	size_t raw_len;
	int pooled;
	void *stored;		/* == raw for CODEC_NONE, else malloc'd */
	size_t stored_len;
	int codec;
	uint32_t crc;
	int done;		/* compressed */
};

struct image_writer {
	int fd;
	int to_stdout;
	char *tmp_path;		/* NULL for stdout */
	char *final_path;
	const char *name;	/* for messages */
	int codec;
	uint64_t off;		/* bytes written so far */
	uint64_t data_off;

	pthread_mutex_t lock;
	pthread_cond_t work_cv;		/* workers: a job to compress, or stop */
	pthread_cond_t done_cv;		/* writer: the head job is compressed, or stop */
	pthread_cond_t space_cv;	/* image_add_chunk: budget freed */
	struct job *work_head, *work_tail;
	struct job *write_head, *write_tail;
	size_t inflight, budget;
	int stopping;		/* no more jobs will come */
	int discard;		/* abort: drop jobs without writing */
	int err;		/* errno of the first write failure (writer thread) */
	int failed;		/* err is set: published under lock */
	int err_reported;

	/* Pool of CRYO_CHUNK_MAX slots for copies of the target's memory, in
	 * transparent-huge-page slabs: recycled slots are already faulted
	 * in, fresh ones fault 2 MiB at a time. */
	void **free_slots;
	size_t nfree, free_cap;
	void **slabs;
	size_t nslabs;

	pthread_t *workers;
	int nworkers;
	pthread_t writer_thr;
	int threads_started;

	/* owned by the writer thread until it is joined */
	struct cryo_chunk *chunks;
	size_t nchunks, chunks_cap;
	uint64_t raw_total, stored_total, codec_count[3];
};

static const uint8_t zero_page[PAGE_SIZE_4K];

#define POOL_NICE 10

static int write_all(struct image_writer *w, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->err = n < 0 ? errno : EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		w->off += (uint64_t)n;
	}
	return 0;
}

static int pad_to(struct image_writer *w, uint64_t align)
{
	while (w->off % align) {
		size_t n = align - w->off % align;
		if (write_all(w, zero_page, n > sizeof(zero_page) ? sizeof(zero_page) : n) < 0)
			return -1;
	}
	return 0;
}

static void report_err(struct image_writer *w)
{
	if (w->err && !w->err_reported) {
		freeze_error("writing %s: %s", w->name, strerror(w->err));
		w->err_reported = 1;
	}
}

/* ---- slot pool ---- */
#define SLAB_BYTES (64u << 20)

static void *slot_get(struct image_writer *w)	/* under w->lock */
{
	if (w->nfree)
		return w->free_slots[--w->nfree];
	size_t nslot = SLAB_BYTES / CRYO_CHUNK_MAX;
	void **fs = realloc(w->free_slots, (w->free_cap + nslot) * sizeof(*fs));
	void **sl = realloc(w->slabs, (w->nslabs + 1) * sizeof(*sl));
	if (fs)
		w->free_slots = fs;
	if (sl)
		w->slabs = sl;
	if (!fs || !sl)
		return NULL;
	w->free_cap += nslot;
	uint8_t *mem = mmap(NULL, SLAB_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	if (mem == MAP_FAILED)
		return NULL;
	madvise(mem, SLAB_BYTES, MADV_HUGEPAGE);
	w->slabs[w->nslabs++] = mem;
	for (size_t i = nslot; i-- > 1;)
		w->free_slots[w->nfree++] = mem + i * CRYO_CHUNK_MAX;
	return mem;
}

static void release_raw(struct image_writer *w, struct job *j)
{
	if (!j->raw)
		return;
	if (j->pooled) {
		pthread_mutex_lock(&w->lock);
		w->free_slots[w->nfree++] = j->raw;
		pthread_mutex_unlock(&w->lock);
	} else {
		free(j->raw);
	}
	j->raw = NULL;
}


/* Compress into the worker's scratch, keep a right-sized copy. */
static void compress_job(struct image_writer *w, struct job *j, uint8_t *scratch, size_t cap)
{
	j->stored = j->raw;
	j->stored_len = j->raw_len;
	j->codec = CRYO_CODEC_NONE;
	if (w->codec != CRYO_CODEC_NONE && scratch) {
		size_t n = cryo_compress(w->codec, scratch, cap, j->raw, j->raw_len);
		void *out = n && n < j->raw_len ? malloc(n) : NULL;
		if (out) {	/* else: store it raw */
			memcpy(out, scratch, n);
			release_raw(w, j);
			j->stored = out;
			j->stored_len = n;
			j->codec = w->codec;
		}
	}
	j->crc = crc32c(0, j->stored, j->stored_len);
}

/* The target stays stopped while collect_memory reads it: that thread
 * must not wait for a CPU behind compression, which can catch up after the
 * target runs again.  So the pool runs at a lower priority. */
static void lower_priority(void)
{
	setpriority(PRIO_PROCESS, (id_t)gettid(), POOL_NICE);
}

static void *worker_main(void *arg)
{
	struct image_writer *w = arg;
	lower_priority();
	size_t cap = cryo_compress_bound(w->codec, CRYO_CHUNK_MAX);
	uint8_t *scratch = w->codec != CRYO_CODEC_NONE ? malloc(cap) : NULL;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->work_head && !w->stopping)
			pthread_cond_wait(&w->work_cv, &w->lock);
		struct job *j = w->work_head;
		if (!j)
			break;
		w->work_head = j->next_work;
		if (!w->work_head)
			w->work_tail = NULL;
		int discard = w->discard || w->failed;
		pthread_mutex_unlock(&w->lock);
		if (!discard)
			compress_job(w, j, scratch, cap);
		pthread_mutex_lock(&w->lock);
		j->done = 1;
		if (j == w->write_head)
			pthread_cond_signal(&w->done_cv);
	}
	pthread_mutex_unlock(&w->lock);
	free(scratch);
	return NULL;
}

static int keep_chunk(struct image_writer *w, const struct cryo_chunk *c)
{
	if (w->nchunks == w->chunks_cap) {
		size_t cap = w->chunks_cap ? w->chunks_cap * 2 : 1024;
		struct cryo_chunk *n = realloc(w->chunks, cap * sizeof(*n));
		if (!n)
			return -1;
		w->chunks = n;
		w->chunks_cap = cap;
	}
	w->chunks[w->nchunks++] = *c;
	return 0;
}

/* Append one compressed job to the data area and remember its record. */
static void write_job(struct image_writer *w, struct job *j)
{
	if (w->err)
		return;
	/* Stored-raw chunks start on a page: the stub may map them. */
	if (j->codec == CRYO_CODEC_NONE && pad_to(w, PAGE_SIZE_4K) < 0)
		return;
	struct cryo_chunk c = {
		.vaddr = j->vaddr, .raw_len = j->raw_len, .stored_len = j->stored_len,
		.file_off = w->off, .codec = (uint64_t)j->codec, .crc = j->crc,
	};
	if (write_all(w, j->stored, j->stored_len) < 0)
		return;
	if (keep_chunk(w, &c) < 0) {
		w->err = ENOMEM;
		return;
	}
	w->raw_total += j->raw_len;
	w->stored_total += j->stored_len;
	w->codec_count[j->codec]++;
}

static void *writer_main(void *arg)
{
	struct image_writer *w = arg;
	lower_priority();
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!(w->write_head && w->write_head->done) && !(w->stopping && !w->write_head))
			pthread_cond_wait(&w->done_cv, &w->lock);
		struct job *j = w->write_head;
		if (!j)
			break;
		w->write_head = j->next_write;
		if (!w->write_head)
			w->write_tail = NULL;
		int discard = w->discard;
		pthread_mutex_unlock(&w->lock);
		if (!w->err && freeze_interrupted())
			w->err = EINTR;
		if (!discard)
			write_job(w, j);
		if (j->stored != j->raw)
			free(j->stored);
		release_raw(w, j);
		pthread_mutex_lock(&w->lock);
		if (w->err)
			w->failed = 1;
		w->inflight -= j->raw_len;
		free(j);
		pthread_cond_broadcast(&w->space_cv);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Half of MemAvailable, at least 64 MiB: raw pages may wait that long for a
 * compressor before the reader (and the stopped target) waits. */
static size_t memory_budget(void)
{
	size_t budget = 64u << 20;
	FILE *f = fopen("/proc/meminfo", "re");
	if (f) {
		char line[128];
		unsigned long long kb;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "MemAvailable: %llu", &kb) == 1 && kb / 2 * 1024 > budget)
				budget = (size_t)(kb / 2 * 1024);
		fclose(f);
	}
	return budget;
}

static int start_threads(struct image_writer *w)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	w->nworkers = n < 1 ? 1 : n > 64 ? 64 : (int)n;
	w->workers = calloc((size_t)w->nworkers, sizeof(*w->workers));
	if (!w->workers)
		return -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work_cv, NULL);
	pthread_cond_init(&w->done_cv, NULL);
	pthread_cond_init(&w->space_cv, NULL);
	w->threads_started = 1;
	int started = 0;
	for (int i = 0; i < w->nworkers; i++)
		if (pthread_create(&w->workers[i], NULL, worker_main, w) == 0)
			started++;
		else
			break;
	w->nworkers = started;
	if (!started || pthread_create(&w->writer_thr, NULL, writer_main, w) != 0) {
		freeze_error("cannot start compression threads");
		w->threads_started = 0;
		/* workers idle on work_cv: let them go */
		pthread_mutex_lock(&w->lock);
		w->stopping = 1;
		pthread_cond_broadcast(&w->work_cv);
		pthread_mutex_unlock(&w->lock);
		for (int i = 0; i < started; i++)
			pthread_join(w->workers[i], NULL);
		return -1;
	}
	return 0;
}

static void stop_threads(struct image_writer *w, int discard)
{
	if (!w->threads_started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	if (discard)
		w->discard = 1;
	pthread_cond_broadcast(&w->work_cv);
	pthread_cond_broadcast(&w->done_cv);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < w->nworkers; i++)
		pthread_join(w->workers[i], NULL);
	pthread_join(w->writer_thr, NULL);
	w->threads_started = 0;
}

/* A temporary name next to path: "DIR/.NAME.XXXXXX.tmp", created O_EXCL. */
static int open_tmp(struct image_writer *w, const char *path)
{
	char *d = strdup(path), *b = strdup(path);
	if (!d || !b) {
		free(d);
		free(b);
		errno = ENOMEM;
		return -1;
	}
	const char *dir = dirname(d), *base = basename(b);
	size_t cap = strlen(dir) + strlen(base) + 32;
	w->tmp_path = malloc(cap);
	int fd = -1;
	for (int tries = 0; w->tmp_path && tries < 100 && fd < 0; tries++) {
		uint32_t r;
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)getpid() * 2654435761u + (uint32_t)tries;
		snprintf(w->tmp_path, cap, "%s/.%s.%08x.tmp", dir, base, r);
		fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	free(d);
	free(b);
	if (fd < 0) {
		free(w->tmp_path);
		w->tmp_path = NULL;
		return -1;
	}
	/* 0700 whatever the umask: it holds all of the process's memory */
	if (fchmod(fd, 0700) < 0) {
		int e = errno;
		close(fd);
		unlink(w->tmp_path);
		free(w->tmp_path);
		w->tmp_path = NULL;
		errno = e;
		return -1;
	}
	return fd;
}

/* Build the stub ELF in a memfd with libelf, then copy it to the output. */
static int write_stub(struct image_writer *w, uint64_t base)
{
	int mfd = memfd_create("cryo-stub", MFD_CLOEXEC);
	if (mfd < 0) {
		freeze_error("memfd_create: %s", strerror(errno));
		return -1;
	}
	uint64_t size = stub_elf_write(base, mfd);
	if (!size) {
		close(mfd);
		return -1;
	}
	uint8_t *buf = malloc(size);
	ssize_t n = buf ? pread(mfd, buf, size, 0) : -1;
	close(mfd);
	if (n != (ssize_t)size) {
		free(buf);
		freeze_error("reading back the stub ELF: %s", n < 0 ? strerror(errno) : "short read");
		return -1;
	}
	int r = write_all(w, buf, size);
	free(buf);
	if (r == 0)
		r = pad_to(w, PAGE_SIZE_4K);
	if (r < 0)
		report_err(w);
	return r;
}

static void writer_free(struct image_writer *w)
{
	for (size_t i = 0; i < w->nslabs; i++)
		munmap(w->slabs[i], SLAB_BYTES);
	free(w->slabs);
	free(w->free_slots);
	free(w->workers);
	free(w->chunks);
	free(w->tmp_path);
	free(w->final_path);
	free(w);
}

int image_open(struct freeze_ctx *ctx, uint64_t stub_base)
{
	if (!stub_base)
		return -1;	/* stub_place said why */
	struct image_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		freeze_error("out of memory");
		return -1;
	}
	w->codec = ctx->opt.codec;
	if (w->codec < 0 || w->codec > CRYO_CODEC_ZLIB) {
		freeze_error("unknown codec %d", w->codec);
		free(w);
		return -1;
	}
	if (strcmp(ctx->opt.out, "-") == 0) {
		w->to_stdout = 1;
		w->fd = STDOUT_FILENO;
		w->name = "standard output";
		if (isatty(w->fd)) {
			freeze_error("refusing to write an image to a terminal: redirect the output "
				     "or use -o FILE");
			free(w);
			return -1;
		}
		/* Offsets in the image count from its first byte, which must be
		 * the file's first byte ('>' is fine, '>>' onto a file is not). */
		struct stat st;
		int fl = fcntl(w->fd, F_GETFL);
		if (fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (lseek(w->fd, 0, SEEK_CUR) != 0 || (fl >= 0 && (fl & O_APPEND) && st.st_size))) {
			freeze_error("standard output is a file that already holds data: the image "
				     "must start the file (use > rather than >>, or -o FILE)");
			free(w);
			return -1;
		}
	} else {
		w->name = ctx->opt.out;
		w->final_path = strdup(ctx->opt.out);
		w->fd = w->final_path ? open_tmp(w, ctx->opt.out) : -1;
		if (w->fd < 0) {
			freeze_error("creating %s: %s", ctx->opt.out, strerror(errno));
			writer_free(w);
			return -1;
		}
	}
	ctx->writer = w;
	crc32c(0, NULL, 0);	/* probe the CPU once, before the threads */
	if (write_stub(w, stub_base) < 0)
		goto fail;
	w->data_off = w->off;
	w->budget = memory_budget();
	if (start_threads(w) < 0)
		goto fail;
	return 0;
fail:
	image_abort(ctx);
	return -1;
}

/* Chunks at least this long are copied into pool slots, smaller ones into
 * malloc'd buffers (a sparse mapping makes many one-page chunks). */
#define POOL_MIN (64u << 10)

static int bad_chunk(uint64_t vaddr, size_t raw_len)
{
	freeze_error("internal error: bad memory chunk at 0x%" PRIx64 " (%zu bytes)", vaddr,
		     raw_len);
	return -1;
}

/* Wait for room in the budget; 0, or -1 if the output failed (reported). */
static int reserve(struct image_writer *w, size_t raw_len)	/* under w->lock */
{
	while (w->inflight && w->inflight + raw_len > w->budget && !w->failed)
		pthread_cond_wait(&w->space_cv, &w->lock);
	if (w->failed) {
		freeze_error("writing %s: %s", w->name, strerror(w->err));
		w->err_reported = 1;
		return -1;
	}
	w->inflight += raw_len;
	return 0;
}

static void enqueue(struct image_writer *w, struct job *j)	/* under w->lock */
{
	if (w->work_tail)
		w->work_tail->next_work = j;
	else
		w->work_head = j;
	w->work_tail = j;
	if (w->write_tail)
		w->write_tail->next_write = j;
	else
		w->write_head = j;
	w->write_tail = j;
	pthread_cond_signal(&w->work_cv);
}

static int usable(struct image_writer *w, uint64_t vaddr, size_t raw_len)
{
	if (!w || !w->threads_started || vaddr % PAGE_SIZE_4K || raw_len % PAGE_SIZE_4K ||
	    !raw_len || raw_len > CRYO_CHUNK_MAX)
		return bad_chunk(vaddr, raw_len);
	if (freeze_interrupted()) {
		freeze_error("interrupted by a signal: freeze abandoned");
		return -1;
	}
	return 0;
}

int image_add_chunk(struct freeze_ctx *ctx, uint64_t vaddr, void *raw, size_t raw_len)
{
	struct image_writer *w = ctx->writer;
	struct job *j = NULL;
	if (usable(w, vaddr, raw_len) < 0 || !(j = calloc(1, sizeof(*j)))) {
		if (!j)
			freeze_error("out of memory");
		free(raw);
		return -1;
	}
	j->vaddr = vaddr;
	j->raw = raw;
	j->raw_len = raw_len;
	pthread_mutex_lock(&w->lock);
	if (reserve(w, raw_len) < 0) {
		pthread_mutex_unlock(&w->lock);
		free(raw);
		free(j);
		return -1;
	}
	enqueue(w, j);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int image_add_chunk_copy(struct freeze_ctx *ctx, uint64_t vaddr, const void *src, size_t raw_len)
{
	struct image_writer *w = ctx->writer;
	struct job *j = NULL;
	if (usable(w, vaddr, raw_len) < 0)
		return -1;
	if (!(j = calloc(1, sizeof(*j)))) {
		freeze_error("out of memory");
		return -1;
	}
	j->vaddr = vaddr;
	j->raw_len = raw_len;
	pthread_mutex_lock(&w->lock);
	if (reserve(w, raw_len) < 0) {
		pthread_mutex_unlock(&w->lock);
		free(j);
		return -1;
	}
	if (raw_len >= POOL_MIN) {
		j->raw = slot_get(w);
		j->pooled = j->raw != NULL;
	}
	pthread_mutex_unlock(&w->lock);
	if (!j->raw)
		j->raw = malloc(raw_len);
	if (!j->raw) {
		pthread_mutex_lock(&w->lock);
		w->inflight -= raw_len;
		pthread_mutex_unlock(&w->lock);
		free(j);
		freeze_error("out of memory copying the target's memory");
		return -1;
	}
	memcpy(j->raw, src, raw_len);
	pthread_mutex_lock(&w->lock);
	enqueue(w, j);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* fsync that tolerates outputs that cannot be synced (pipes, ttys). */
static int sync_fd(int fd)
{
	if (fsync(fd) == 0 || errno == EINVAL || errno == EROFS)
		return 0;
	return -1;
}

static int sync_dir(const char *path)
{
	char *d = strdup(path);
	if (!d)
		return -1;
	int fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	if (fd < 0)
		return -1;
	int r = sync_fd(fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int image_finish(struct freeze_ctx *ctx)
{
	struct image_writer *w = ctx->writer;
	if (!w)
		return -1;
	stop_threads(w, 0);
	if (w->err)
		goto write_failed;

	/* CHUNK records, then END: the record area is complete. */
	for (size_t i = 0; i < w->nchunks; i++)
		freeze_emit(ctx, CRYO_REC_CHUNK, &w->chunks[i]);
	struct cryo_end end = { .records = ctx->nrecords };
	freeze_emit(ctx, CRYO_REC_END, &end);

	struct cryo_trailer t = {
		.version = CRYO_FORMAT_VERSION,
		.data_off = w->data_off,
		.records_off = w->off,
		.records_len = ctx->records.len,
		.records_crc = crc32c(0, ctx->records.data, ctx->records.len),
	};
	t.file_size = t.records_off + t.records_len + CRYO_TRAILER_SIZE;
	uint8_t tr[CRYO_TRAILER_SIZE];
	cryo_trailer_encode(&t, tr);
	if (write_all(w, ctx->records.data, ctx->records.len) < 0 ||
	    write_all(w, tr, sizeof(tr)) < 0)
		goto write_failed;
	if (sync_fd(w->fd) < 0) {
		w->err = errno;
		goto write_failed;
	}
	freeze_info(ctx, "image: %zu chunks, %" PRIu64 " MiB of memory stored in %" PRIu64
		    " MiB (none %" PRIu64 ", zstd %" PRIu64 ", zlib %" PRIu64 "), file %" PRIu64
		    " bytes", w->nchunks, w->raw_total >> 20, w->stored_total >> 20,
		    w->codec_count[0], w->codec_count[1], w->codec_count[2], t.file_size);
	if (!w->to_stdout) {
		if (close(w->fd) < 0) {
			w->fd = -1;
			w->err = errno;
			goto write_failed;
		}
		w->fd = -1;
		if (rename(w->tmp_path, w->final_path) < 0) {
			freeze_error("renaming %s to %s: %s", w->tmp_path, w->final_path,
				     strerror(errno));
			goto fail;
		}
		free(w->tmp_path);
		w->tmp_path = NULL;	/* it is the image now: keep it */
		if (sync_dir(w->final_path) < 0) {
			freeze_error("syncing the directory of %s: %s", w->final_path,
				     strerror(errno));
			unlink(w->final_path);
			goto fail;
		}
	}
	writer_free(w);
	ctx->writer = NULL;
	return 0;
write_failed:
	report_err(w);
fail:
	image_abort(ctx);
	return -1;
}

void image_abort(struct freeze_ctx *ctx)
{
	struct image_writer *w = ctx->writer;
	if (!w)
		return;
	stop_threads(w, 1);
	if (!w->to_stdout && w->fd >= 0)
		close(w->fd);
	if (w->tmp_path)
		unlink(w->tmp_path);
	writer_free(w);
	ctx->writer = NULL;
}
