/* Step 2: find the stub's own file, map it, check every byte that will be
 * used, and decode the records.  Nothing is changed in the process until
 * this has passed: a corrupt or truncated image ends here with one line on
 * stderr and exit status 1.
 *
 * File layout (records.h): [stub ELF][data area: chunks][record area][trailer]
 */
#include "stub.h"
#include "../crc32c.h"
#include "../le.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <elf.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <asm/stat.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static const char *const type_names[CRYO_REC_TYPE_MAX] = {
	"?", "PROCESS", "AUXV", "THREAD", "VMA", "CHUNK", "SIGACTION", "SIGPENDING",
	"ITIMER", "RLIMIT", "FILE", "TERMIOS", "VDSO", "END", "ATTRS", "POSIX_TIMER", "LOCK",
	"EVENTFD", "TIMERFD", "SIGNALFD", "EPOLL_ITEM", "INOTIFY_WATCH",
	"PIPE", "FILEOBJ", "FILEDATA", "FILEMAP",
};

static int open_self(struct stub *s)
{
	long fd = sys3(__NR_open, "/proc/self/exe", O_RDONLY | O_CLOEXEC, 0);
	if (sys_failed(fd) && s->execfn[0])
		fd = sys3(__NR_open, s->execfn, O_RDONLY | O_CLOEXEC, 0);
	if (sys_failed(fd))
		stub_fatal("cannot open its own file (/proc/self/exe%s%s): %s",
			   s->execfn[0] ? ", " : "", s->execfn, stub_strerror(-fd));
	return stub_tmpfd(s, (int)fd);
}

static void pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;
	while (len) {
		long r = sys4(__NR_pread64, fd, p, len, off);
		if (r == -4)
			continue;
		if (r <= 0)
			stub_fatal("cannot read the image: %s", r ? stub_strerror(-r) : "unexpected end");
		p += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
}

/* Where the stub's own ELF ends in the file (section headers come last in
 * what the freezer writes), to tell "the bare stub" from "truncated". */
static uint64_t elf_end(int fd, uint64_t size)
{
	Elf64_Ehdr eh;
	if (size < sizeof(eh))
		return size;
	pread_all(fd, &eh, sizeof(eh), 0);
	uint64_t end = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
	if (eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize > end)
		end = eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize;
	return end;
}

static void read_trailer(struct stub *s)
{
	struct stat st;
	long r = sys2(__NR_fstat, s->img_fd, &st);
	if (sys_failed(r))
		stub_fatal("cannot stat its own file: %s", stub_strerror(-r));
	s->img_size = (uint64_t)st.st_size;

	uint8_t raw[CRYO_TRAILER_SIZE];
	int rc = -1;
	if (s->img_size >= CRYO_TRAILER_SIZE) {
		pread_all(s->img_fd, raw, sizeof(raw), s->img_size - CRYO_TRAILER_SIZE);
		rc = cryo_trailer_decode(raw, &s->tr);
	}
	switch (rc) {
	case 0:
		break;
	case -1:
		if (s->img_size <= elf_end(s->img_fd, s->img_size))
			stub_fatal("no image attached: this is the bare cryo restore stub");
		stub_fatal("image is truncated or damaged (no cryo trailer at the end of the file)");
	case -2:
		stub_corrupt("trailer checksum mismatch");
	case -3:
		stub_fatal("made by a newer cryo (format %u); this restorer reads format %u",
			   s->tr.version, CRYO_FORMAT_VERSION);
	}
	const struct cryo_trailer *t = &s->tr;
	if (t->file_size > s->img_size)
		stub_fatal("image is truncated (%lu of %lu bytes)", s->img_size, t->file_size);
	if (t->file_size != s->img_size)
		stub_corrupt("the file is %lu bytes, the trailer says %lu", s->img_size, t->file_size);
	if (t->data_off > t->records_off || t->records_off > s->img_size ||
	    t->records_len > s->img_size - CRYO_TRAILER_SIZE - t->records_off)
		stub_corrupt("trailer offsets out of range");
}

/* Map the file read-only right after the stub's own segments (the freezer
 * leaves room there), where the target has nothing. */
static void map_image(struct stub *s, uint64_t at, int fixed)
{
	uint64_t len = STUB_PAGE_UP(s->img_size);
	long flags = MAP_PRIVATE | MAP_POPULATE | (fixed ? MAP_FIXED : MAP_FIXED_NOREPLACE);
	long r = sys6(__NR_mmap, (long)at, (long)len, PROT_READ, flags, s->img_fd, 0);
	if (sys_failed(r) && !fixed)	/* taken: anywhere for now, moved once the VMAs are known */
		r = sys6(__NR_mmap, 0, (long)len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, s->img_fd, 0);
	if (sys_failed(r))
		stub_fatal("cannot map the image (%lu bytes): %s", len, stub_strerror(-r));
	s->img = (const uint8_t *)r;
	s->img_map_len = len;
}

static const char *blob_str(const struct cryo_blob *b)
{
	if (!b->len || b->data[b->len - 1] != 0)
		return NULL;
	return (const char *)b->data;
}

/* Grow-by-doubling arrays in the arena. */
static void *grow(void *arr, size_t n, size_t elem)
{
	if (n && (n < 8 || (n & (n - 1))))
		return arr;	/* capacity is max(8, the next power of two): room left */
	size_t cap = n ? n * 2 : 8;
	void *p = xmalloc(cap * elem);
	if (n)
		memcpy(p, arr, n * elem);
	free(arr);
	return p;
}
#define PUSH(arr, n, rec) \
	do { (arr) = grow((arr), (n), sizeof(*(arr))); (arr)[(n)++] = (rec); } while (0)

static void check_vma(const struct stub *s, const struct cryo_vma *v, const struct cryo_vma *prev)
{
	if (v->start >= v->end || v->start % STUB_PAGE || v->end % STUB_PAGE ||
	    v->end > STUB_USER_TOP)
		stub_corrupt("mapping 0x%lx-0x%lx is not a page-aligned user range", v->start, v->end);
	if (prev && v->start < prev->end)
		stub_corrupt("mappings out of order at 0x%lx", v->start);
	if (v->kind < CRYO_VMA_ANON || v->kind > CRYO_VMA_VVAR_VCLOCK || (v->prot & ~7ull))
		stub_corrupt("mapping 0x%lx-0x%lx has a bad kind or protection", v->start, v->end);
	if (v->kind == CRYO_VMA_FILE_SHARED && (!blob_str(&v->path) || v->pgoff % STUB_PAGE))
		stub_corrupt("shared file mapping at 0x%lx has no path", v->start);
	(void)s;
}

static void check_chunk(const struct stub *s, const struct cryo_chunk *c)
{
	const struct cryo_trailer *t = &s->tr;
	if (c->vaddr % STUB_PAGE || c->raw_len % STUB_PAGE || !c->raw_len ||
	    c->raw_len > CRYO_CHUNK_MAX || c->codec > CRYO_CODEC_ZLIB)
		stub_corrupt("chunk at 0x%lx has a bad size or codec", c->vaddr);
	if (c->file_off < t->data_off || c->file_off > t->records_off ||
	    c->stored_len > t->records_off - c->file_off)
		stub_corrupt("chunk at 0x%lx lies outside the data area", c->vaddr);
	if (c->codec == CRYO_CODEC_NONE && (c->stored_len != c->raw_len || c->file_off % STUB_PAGE))
		stub_corrupt("uncompressed chunk at 0x%lx is misplaced", c->vaddr);
	const struct cryo_vma *v = image_vma_at(s, c->vaddr);
	if (!v || c->raw_len > v->end - c->vaddr ||
	    (v->kind != CRYO_VMA_ANON && v->kind != CRYO_VMA_ANON_SHARED &&
	     v->kind != CRYO_VMA_FILE_PRIVATE))
		stub_corrupt("chunk at 0x%lx is not inside a mapping that holds data", c->vaddr);
	if (crc32c(0, s->img + c->file_off, c->stored_len) != (uint32_t)c->crc)
		stub_corrupt("checksum mismatch in the memory chunk at 0x%lx", c->vaddr);
}

static void check_file(const struct stub *s, const struct cryo_file *f)
{
	if (f->fd > (1u << 20) || f->kind < CRYO_FILE_REGULAR ||
	    (f->kind > CRYO_FILE_TTY && !fd_event_kind(f->kind) && !fd_obj_kind(f->kind)))
		stub_corrupt("file descriptor %lu has a bad number or kind", f->fd);
	if (f->kind != CRYO_FILE_TTY && !blob_str(&f->path))
		stub_corrupt("file descriptor %lu has no path", f->fd);
	for (size_t i = 0; i < s->nfile; i++)
		if (s->file[i].rec.fd == f->fd)
			stub_corrupt("file descriptor %lu appears twice", f->fd);
}

/* Decode every record into s.  Blobs point into the image mapping. */
static void parse_records(struct stub *s)
{
	const struct cryo_trailer *t = &s->tr;
	if (crc32c(0, s->img + t->records_off, t->records_len) != t->records_crc)
		stub_corrupt("record area checksum mismatch");

	s->vma = NULL, s->nvma = 0;
	s->chunk = NULL, s->nchunk = 0;
	s->sigact = NULL, s->nsigact = 0;
	s->pending = NULL, s->npending = 0;
	s->itimer = NULL, s->nitimer = 0;
	s->rlimit = NULL, s->nrlimit = 0;
	s->file = NULL, s->nfile = 0;
	s->have_termios = s->have_vdso = 0;
	s->ptimer = NULL, s->nptimer = 0;
	s->lock = NULL, s->nlock = 0;
	s->have_attrs = 0;
	s->xthread = NULL, s->nxthread = 0;

	struct cryo_rec_iter it = { s->img + t->records_off, t->records_len, 0 };
	uint32_t type;
	const uint8_t *pl;
	size_t len;
	uint64_t n = 0, nproc = 0, nauxv = 0, nthread = 0;
	int end = 0, r;
	union {
		struct cryo_process proc;
		struct cryo_auxv auxv;
		struct cryo_thread thread;
		struct cryo_vma vma;
		struct cryo_chunk chunk;
		struct cryo_sigaction sa;
		struct cryo_sigpending sp;
		struct cryo_itimer it;
		struct cryo_rlimit rl;
		struct cryo_file file;
		struct cryo_termios tio;
		struct cryo_vdso vdso;
		struct cryo_timerfd tfd;	/* event-fd companions (fd_event.c) */
		struct cryo_inotify_watch inw;
		struct cryo_end end;
		struct cryo_attrs attrs;
		struct cryo_posix_timer ptimer;
		struct cryo_lock lock;
	} u;
	while ((r = cryo_rec_next(&it, &type, &pl, &len)) == 1) {
		if (end)
			stub_corrupt("records after the END record");
		const struct cryo_rec_desc *d = cryo_rec_desc(type);
		if (!d)
			stub_corrupt("record %lu has an unknown type %u", n, type);
		if (cryo_rec_decode(d, pl, len, &u) < 0)
			stub_corrupt("record %lu (%s) is malformed", n, type_names[type]);
		switch (type) {
		case CRYO_REC_PROCESS:
			if (nproc++ || !blob_str(&u.proc.cwd))
				stub_corrupt("bad PROCESS record");
			s->proc = u.proc;
			break;
		case CRYO_REC_AUXV:
			if (nauxv++ || u.auxv.count * 8 != u.auxv.words.len || u.auxv.count % 2)
				stub_corrupt("bad AUXV record");
			s->auxv = u.auxv;
			break;
		case CRYO_REC_THREAD:
			if (u.thread.xstate.len && u.thread.xstate.len < 576)
				stub_corrupt("the xstate area is %u bytes", u.thread.xstate.len);
			if (nthread++)	/* the main thread comes first */
				PUSH(s->xthread, s->nxthread, u.thread);
			else
				s->thread = u.thread;
			break;
		case CRYO_REC_VMA:
			check_vma(s, &u.vma, s->nvma ? &s->vma[s->nvma - 1] : NULL);
			PUSH(s->vma, s->nvma, u.vma);
			break;
		case CRYO_REC_CHUNK:
			PUSH(s->chunk, s->nchunk, u.chunk);	/* checked once all VMAs are known */
			break;
		case CRYO_REC_SIGACTION:
			if (u.sa.signo < 1 || u.sa.signo > 64)
				stub_corrupt("SIGACTION for signal %lu", u.sa.signo);
			PUSH(s->sigact, s->nsigact, u.sa);
			break;
		case CRYO_REC_SIGPENDING:
			if (u.sp.signo < 1 || u.sp.signo > 64)
				stub_corrupt("SIGPENDING for signal %lu", u.sp.signo);
			PUSH(s->pending, s->npending, u.sp);
			break;
		case CRYO_REC_ITIMER:
			if (u.it.which > 2)
				stub_corrupt("ITIMER %lu", u.it.which);
			PUSH(s->itimer, s->nitimer, u.it);
			break;
		case CRYO_REC_RLIMIT:
			if (u.rl.resource >= 16)
				stub_corrupt("RLIMIT %lu", u.rl.resource);
			PUSH(s->rlimit, s->nrlimit, u.rl);
			break;
		case CRYO_REC_FILE: {
			check_file(s, &u.file);
			struct stub_file f = { u.file, -1 };
			PUSH(s->file, s->nfile, f);
			break;
		}
		case CRYO_REC_EVENTFD:
		case CRYO_REC_TIMERFD:
		case CRYO_REC_SIGNALFD:
		case CRYO_REC_EPOLL_ITEM:
		case CRYO_REC_INOTIFY_WATCH:
			fd_event_record(s, type, &u);	/* fd_event.c */
			break;
		case CRYO_REC_PIPE:
		case CRYO_REC_FILEOBJ:
		case CRYO_REC_FILEDATA:
		case CRYO_REC_FILEMAP:
			fd_obj_record(s, type, &u);	/* fd_fileobj.c */
			break;
		case CRYO_REC_TERMIOS:
			if (s->have_termios++)
				stub_corrupt("two TERMIOS records");
			s->termios = u.tio;
			break;
		case CRYO_REC_VDSO:
			if (s->have_vdso++)
				stub_corrupt("two VDSO records");
			s->vdso = u.vdso;
			break;
		case CRYO_REC_ATTRS:
			if (s->have_attrs++ || !blob_str(&u.attrs.root))
				stub_corrupt("bad ATTRS record");
			s->attrs = u.attrs;
			break;
		case CRYO_REC_POSIX_TIMER:
			if (u.ptimer.id > 0x7fffffff)
				stub_corrupt("POSIX_TIMER with id %lu", u.ptimer.id);
			PUSH(s->ptimer, s->nptimer, u.ptimer);
			break;
		case CRYO_REC_LOCK:
			if (u.lock.kind < CRYO_LOCK_POSIX || u.lock.kind > CRYO_LOCK_OFD)
				stub_corrupt("LOCK of kind %lu", u.lock.kind);
			PUSH(s->lock, s->nlock, u.lock);
			break;
		case CRYO_REC_END:
			if (u.end.records != n)
				stub_corrupt("END counts %lu records, the image has %lu", u.end.records, n);
			end = 1;
			break;
		}
		n++;
	}
	if (r < 0)
		stub_corrupt("record %lu is damaged (checksum or length)", n);
	if (!end)
		stub_corrupt("no END record");
	if (nproc != 1 || nauxv != 1)
		stub_corrupt("the PROCESS or AUXV record is missing");
	if (nthread < 1 || s->thread.tid != s->proc.pid)
		stub_corrupt("the main thread's THREAD record is missing");
	if (s->thread.xstate.len && s->thread.xstate.len < 576)
		stub_corrupt("the xstate area is %u bytes", s->thread.xstate.len);
}

const struct cryo_vma *image_vma_at(const struct stub *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nvma;
	while (lo < hi) {	/* first VMA with end > addr */
		size_t mid = lo + (hi - lo) / 2;
		if (s->vma[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (lo < s->nvma && s->vma[lo].start <= addr)
		return &s->vma[lo];
	return NULL;
}

int image_overlaps_target(const struct stub *s, uint64_t start, uint64_t end)
{
	size_t lo = 0, hi = s->nvma;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->vma[mid].end > start)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < s->nvma && s->vma[lo].start < end;
}

void image_open(struct stub *s)
{
	s->img_fd = open_self(s);
	read_trailer(s);

	uint64_t hint = STUB_PAGE_UP(s->self_end);
	map_image(s, hint, 0);
	parse_records(s);

	/* The stub itself must sit in a hole of the target's address space. */
	if (image_overlaps_target(s, s->self_start, s->self_end))
		stub_fatal("the restorer at 0x%lx-0x%lx overlaps the program's memory "
			   "(a bug in the freezer's placement)", s->self_start, s->self_end);

	/* The image mapping must too; it stays until the very end. */
	uint64_t at = (uint64_t)s->img;
	if (image_overlaps_target(s, at, at + s->img_map_len)) {
		const uint8_t *old = s->img;
		uint64_t len = s->img_map_len;
		s->img = NULL;	/* let stub_find_free ignore the current mapping */
		uint64_t to = stub_find_free(s, hint, len);
		if (!to)
			stub_fatal("no room for the image in the address space");
		sys2(__NR_munmap, old, len);
		map_image(s, to, 1);
		parse_records(s);	/* blobs must point into the new mapping */
	}
	for (size_t i = 0; i < s->nchunk; i++)
		check_chunk(s, &s->chunk[i]);
}
