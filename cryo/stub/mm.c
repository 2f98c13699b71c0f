/* The address space: check the new vdso (step 2), tear down what the
 * kernel gave the stub (step 4), move the new [vvar]/[vvar_vclock]/[vdso]
 * to the old addresses (step 5), rebuild every mapping (step 6), and tell
 * the kernel the old mm layout: brk, arg/env, auxv (step 7). */
#include "stub.h"
#include "../codec.h"
#include "../vdso.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/mman.h>
#include <linux/prctl.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* ---- the special areas ([vvar], [vvar_vclock], [vdso]) ------------------ */

static const char *const special_name[SELF_KINDS] = {
	[SELF_VDSO] = "[vdso]", [SELF_VVAR] = "[vvar]", [SELF_VVAR_VCLOCK] = "[vvar_vclock]",
};

static int self_kind_of(uint64_t vma_kind)
{
	switch (vma_kind) {
	case CRYO_VMA_VDSO: return SELF_VDSO;
	case CRYO_VMA_VVAR: return SELF_VVAR;
	case CRYO_VMA_VVAR_VCLOCK: return SELF_VVAR_VCLOCK;
	}
	return SELF_OTHER;
}

/* The old (image) and new (kernel-given) location of each special area. */
struct specials {
	const struct cryo_vma *old[SELF_KINDS];
	struct self_map *cur[SELF_KINDS];
};

static void find_specials(struct stub *s, struct specials *sp)
{
	memset(sp, 0, sizeof(*sp));
	for (size_t i = 0; i < s->nvma; i++) {
		int k = self_kind_of(s->vma[i].kind);
		if (k == SELF_OTHER)
			continue;
		if (sp->old[k])
			stub_corrupt("two %s mappings", special_name[k]);
		sp->old[k] = &s->vma[i];
	}
	for (size_t i = 0; i < s->nself; i++) {
		int k = s->self[i].kind;
		if (k == SELF_VDSO || k == SELF_VVAR || k == SELF_VVAR_VCLOCK)
			sp->cur[k] = &s->self[i];
	}
}

static __attribute__((noreturn)) void vdso_differs(const char *why)
{
	stub_fatal("the vdso of this kernel differs from the one the image was frozen on (%s): "
		   "resume it on a kernel like the one it was frozen on", why);
}

void mm_check(struct stub *s)
{
	struct specials sp;
	find_specials(s, &sp);
	const struct cryo_vma *ov = sp.old[SELF_VDSO];
	if (!ov) {
		if (sp.old[SELF_VVAR] || sp.old[SELF_VVAR_VCLOCK])
			stub_corrupt("[vvar] without [vdso]");
		return;		/* the program had no vdso: the new one is simply removed */
	}
	if (!s->have_vdso)
		stub_corrupt("the image has a [vdso] mapping but no VDSO record");
	struct self_map *nv = sp.cur[SELF_VDSO];
	if (!nv)
		vdso_differs("this kernel gave no vdso");
	for (int k = SELF_VDSO; k <= SELF_VVAR_VCLOCK; k++) {
		const struct cryo_vma *o = sp.old[k];
		const struct self_map *c = sp.cur[k];
		if (!o != !c)
			vdso_differs(o ? "an area is missing here" : "this kernel has an extra area");
		if (!o)
			continue;
		if (o->end - o->start != c->end - c->start)
			vdso_differs("sizes differ");
		/* The vdso code reaches [vvar] at a fixed distance: keep it. */
		if (o->start - ov->start != c->start - nv->start)
			vdso_differs("relative placement differs");
	}
	if (s->vdso.vdso_size != ov->end - ov->start)
		stub_corrupt("VDSO record and [vdso] mapping disagree");
	uint64_t fp = cryo_vdso_fingerprint((const void *)nv->start, nv->end - nv->start);
	if (!fp || fp != s->vdso.fingerprint)
		vdso_differs("symbol layout differs");
}

/* ---- step 4 -------------------------------------------------------------- */

void mm_teardown(struct stub *s)
{
	struct specials sp;
	find_specials(s, &sp);
	for (size_t i = 0; i < s->nself; i++) {
		const struct self_map *m = &s->self[i];
		if (m->kind == SELF_VSYSCALL)
			continue;	/* fixed by the kernel, cannot be unmapped */
		if (m->kind != SELF_OTHER && sp.old[m->kind])
			continue;	/* moved in step 5 */
		if (m->start < s->self_end && s->self_start < m->end)
			continue;	/* the stub's own segments */
		long r = sys2(__NR_munmap, m->start, m->end - m->start);
		if (sys_failed(r))
			stub_fatal("cannot unmap 0x%lx-0x%lx: %s", m->start, m->end, stub_strerror(-r));
	}
}

/* ---- step 5 -------------------------------------------------------------- */

static void move_area(uint64_t from, uint64_t len, uint64_t to)
{
	if (from == to)
		return;
	/* A special mapping can only be moved whole: the kernel refuses to
	 * split it.  Its contents are never copied: they are this kernel's. */
	long r = sys5(__NR_mremap, from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (sys_failed(r) || (uint64_t)r != to)
		stub_fatal("cannot move the vdso area 0x%lx to 0x%lx: %s", from, to,
			   stub_strerror(sys_failed(r) ? -r : 22));
}

void mm_move_vdso(struct stub *s)
{
	struct specials sp;
	find_specials(s, &sp);
	if (!sp.old[SELF_VDSO])
		return;
	/* If a destination overlaps an area that has not moved yet, first move
	 * all of them, keeping their order, to a free range. */
	int clash = 0;
	uint64_t lo = ~0ull, hi = 0;
	for (int k = SELF_VDSO; k <= SELF_VVAR_VCLOCK; k++) {
		if (!sp.cur[k])
			continue;
		if (sp.cur[k]->start < lo)
			lo = sp.cur[k]->start;
		if (sp.cur[k]->end > hi)
			hi = sp.cur[k]->end;
		for (int j = SELF_VDSO; j <= SELF_VVAR_VCLOCK; j++)
			if (sp.cur[j] && sp.old[k]->start < sp.cur[j]->end &&
			    sp.cur[j]->start < sp.old[k]->end && sp.old[k]->start != sp.cur[j]->start)
				clash = 1;
	}
	if (clash) {
		uint64_t to = stub_find_free(s, STUB_PAGE_UP((uint64_t)s->img + s->img_map_len), hi - lo);
		if (!to)
			stub_fatal("no room to move the vdso");
		for (int k = SELF_VDSO; k <= SELF_VVAR_VCLOCK; k++) {
			struct self_map *c = sp.cur[k];
			if (!c)
				continue;
			uint64_t dst = to + (c->start - lo);
			move_area(c->start, c->end - c->start, dst);
			c->end = dst + (c->end - c->start);
			c->start = dst;
		}
	}
	for (int k = SELF_VDSO; k <= SELF_VVAR_VCLOCK; k++) {
		struct self_map *c = sp.cur[k];
		if (!c)
			continue;
		move_area(c->start, c->end - c->start, sp.old[k]->start);
		c->end = sp.old[k]->end;
		c->start = sp.old[k]->start;
	}
}

/* ---- step 6 -------------------------------------------------------------- */

/* May an uncompressed chunk of this VMA be mapped straight from the file
 * (copy-on-write page cache: instant, and shared between side-by-side
 * resumes)?  Not where the mapping must stay anonymous: shared memory,
 * the brk heap (brk() extends an anonymous VMA), a growing stack, and
 * MADV_WIPEONFORK (anonymous private only). */
static int chunk_mappable(const struct cryo_vma *v)
{
	return (v->kind == CRYO_VMA_ANON || v->kind == CRYO_VMA_FILE_PRIVATE) &&
	       !(v->flags & (CRYO_VMA_GROWSDOWN | CRYO_VMA_HEAP | CRYO_VMA_STACK |
			     CRYO_VMA_WIPEONFORK));
}

static void map_vma(struct stub *s, size_t i, int has_data)
{
	const struct cryo_vma *v = &s->vma[i];
	uint64_t len = v->end - v->start;
	long prot = has_data ? PROT_READ | PROT_WRITE : (long)v->prot;
	long flags = MAP_FIXED_NOREPLACE, fd = -1, off = 0;
	switch (v->kind) {
	case CRYO_VMA_ANON:
	case CRYO_VMA_FILE_PRIVATE:	/* contents embedded: rebuilt anonymous */
		flags |= MAP_PRIVATE | MAP_ANONYMOUS;
		if (v->flags & CRYO_VMA_GROWSDOWN)
			flags |= MAP_GROWSDOWN;
		break;
	case CRYO_VMA_ANON_SHARED:
		flags |= MAP_SHARED | MAP_ANONYMOUS;
		break;
	case CRYO_VMA_FILE_SHARED:
		flags |= MAP_SHARED;
		fd = s->vma_fd[i];
		off = (long)v->pgoff;
		prot = (long)v->prot;
		break;
	default:
		return;	/* the special areas: step 5 */
	}
	long r = sys6(__NR_mmap, (long)v->start, (long)len, prot, flags, fd, off);
	if (sys_failed(r) || (uint64_t)r != v->start)
		stub_fatal("cannot rebuild the mapping 0x%lx-0x%lx%s%s: %s", v->start, v->end,
			   v->path.len ? " " : "", v->path.len ? (const char *)v->path.data : "",
			   stub_strerror(sys_failed(r) ? -r : 17));
	/* Before the data goes in, so that the fill can use huge pages. */
	if (v->flags & CRYO_VMA_HUGEPAGE)
		sys3(__NR_madvise, v->start, len, MADV_HUGEPAGE);
	if (v->flags & CRYO_VMA_NOHUGEPAGE)
		sys3(__NR_madvise, v->start, len, MADV_NOHUGEPAGE);
}

static void fill_chunk(struct stub *s, const struct cryo_chunk *c, const struct cryo_vma *v)
{
	if (c->codec == CRYO_CODEC_NONE && chunk_mappable(v)) {
		long r = sys6(__NR_mmap, (long)c->vaddr, (long)c->raw_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_FIXED, s->img_fd, (long)c->file_off);
		if (!sys_failed(r))
			return;
	}
	/* Fault the pages in one go rather than one by one (Linux >= 5.14;
	 * older kernels say EINVAL and the decompressor faults them). */
	sys3(__NR_madvise, c->vaddr, c->raw_len, MADV_POPULATE_WRITE);
	if (cryo_decompress((int)c->codec, (void *)c->vaddr, c->raw_len, s->img + c->file_off,
			    c->stored_len) < 0)
		stub_corrupt("the memory chunk at 0x%lx does not decompress", c->vaddr);
}

/* Parallel fill: chunks are independent, so the stub's worker threads and
 * the main thread take them in turn.  Decompression and page faults both
 * scale with cores; resume is then bound by page faults, not by zstd. */
#define MAX_WORKERS 7
#define WORKER_STACK (128u << 10)

static struct {
	struct stub *s;
	size_t next;		/* next chunk index, taken atomically */
} fill;
static uint8_t worker_stack[MAX_WORKERS][WORKER_STACK] __attribute__((aligned(64)));
static volatile int worker_tid[MAX_WORKERS];

static void fill_worker(void *arg)
{
	(void)arg;
	struct stub *s = fill.s;
	for (;;) {
		size_t i = __atomic_fetch_add(&fill.next, 1, __ATOMIC_RELAXED);
		if (i >= s->nchunk)
			return;
		fill_chunk(s, &s->chunk[i], image_vma_at(s, s->chunk[i].vaddr));
	}
}

static int cpu_count(void)
{
	uint64_t mask[16];
	long r = sys3(__NR_sched_getaffinity, 0, sizeof(mask), mask);
	if (sys_failed(r))
		return 1;
	int n = 0;
	for (long i = 0; i < r / 8; i++)
		n += __builtin_popcountll(mask[i]);
	return n ? n : 1;
}

static void fill_all(struct stub *s)
{
	uint64_t work = 0;
	for (size_t i = 0; i < s->nchunk; i++)
		if (s->chunk[i].codec != CRYO_CODEC_NONE)
			work += s->chunk[i].raw_len;
	int workers = 0;
	if (work >= (8u << 20)) {	/* below that, threads cost more than they save */
		workers = cpu_count() - 1;
		if ((uint64_t)workers > work / (4u << 20))
			workers = (int)(work / (4u << 20));
		if (workers > MAX_WORKERS)
			workers = MAX_WORKERS;
	}
	fill.s = s;
	fill.next = 0;
	int started = 0;
	for (; started < workers; started++)
		if (stub_clone_thread(fill_worker, NULL, worker_stack[started] + WORKER_STACK,
				      &worker_tid[started]) < 0)
			break;	/* fewer threads: the main thread does the rest */
	fill_worker(NULL);
	for (int i = 0; i < started; i++) {
		int tid;
		while ((tid = __atomic_load_n(&worker_tid[i], __ATOMIC_ACQUIRE)) != 0)
			sys4(__NR_futex, &worker_tid[i], 0 /* FUTEX_WAIT */, tid, 0);
	}
}

static void finish_vma(const struct cryo_vma *v, int has_data)
{
	static int lock_warned;
	uint64_t len = v->end - v->start;
	if (has_data && v->prot != (PROT_READ | PROT_WRITE)) {
		long r = sys3(__NR_mprotect, v->start, len, v->prot);
		if (sys_failed(r))
			stub_fatal("cannot protect 0x%lx-0x%lx: %s", v->start, v->end,
				   stub_strerror(-r));
	}
	if (v->flags & CRYO_VMA_DONTFORK)
		sys3(__NR_madvise, v->start, len, MADV_DONTFORK);
	if (v->flags & CRYO_VMA_WIPEONFORK)
		sys3(__NR_madvise, v->start, len, MADV_WIPEONFORK);
	if (v->flags & CRYO_VMA_DONTDUMP)
		sys3(__NR_madvise, v->start, len, MADV_DONTDUMP);
	if (v->flags & CRYO_VMA_LOCKED) {
		long r = sys2(__NR_mlock, v->start, len);
		if (sys_failed(r) && !lock_warned++)
			stub_warn("cannot lock memory in RAM as the program had it (mlock: %s)",
				  stub_strerror(-r));
	}
}

void mm_rebuild(struct stub *s)
{
	/* Which VMAs receive data: those are mapped writable, filled, then
	 * given their protection.  The others get it at once (a huge
	 * PROT_NONE reservation mapped writable would be charged as commit). */
	uint8_t *has_data = xmalloc(s->nvma + 1);
	memset(has_data, 0, s->nvma + 1);
	for (size_t i = 0; i < s->nchunk; i++)
		has_data[image_vma_at(s, s->chunk[i].vaddr) - s->vma] = 1;

	for (size_t i = 0; i < s->nvma; i++)
		map_vma(s, i, has_data[i]);
	fill_all(s);
	for (size_t i = 0; i < s->nvma; i++)
		if (self_kind_of(s->vma[i].kind) == SELF_OTHER)
			finish_vma(&s->vma[i], has_data[i]);
	for (size_t i = 0; i < s->nvma; i++)
		if (s->vma_fd[i] >= 0) {
			sys1(__NR_close, s->vma_fd[i]);
			s->vma_fd[i] = -1;
		}
	free(has_data);
}

/* ---- step 7 -------------------------------------------------------------- */

void mm_set_mm_map(struct stub *s)
{
	const struct cryo_process *p = &s->proc;
	uint64_t *auxv = xmalloc(s->auxv.words.len + 16);
	memcpy(auxv, s->auxv.words.data, s->auxv.words.len);	/* LE, as the host */
	struct prctl_mm_map m = {
		.start_code = p->start_code, .end_code = p->end_code,
		.start_data = p->start_data, .end_data = p->end_data,
		.start_brk = p->start_brk, .brk = p->brk, .start_stack = p->start_stack,
		.arg_start = p->arg_start, .arg_end = p->arg_end,
		.env_start = p->env_start, .env_end = p->env_end,
		.auxv = (__u64 *)auxv, .auxv_size = s->auxv.words.len, .exe_fd = (uint32_t)-1,
	};
	/* PR_SET_MM_MAP with exe_fd -1 needs no capability (CONFIG_CHECKPOINT_RESTORE,
	 * on every major distribution). */
	long r = sys5(__NR_prctl, PR_SET_MM, PR_SET_MM_MAP, &m, sizeof(m), 0);
	if (r == -22 && m.auxv_size) {	/* an auxv longer than this kernel keeps */
		m.auxv_size = 0;
		r = sys5(__NR_prctl, PR_SET_MM, PR_SET_MM_MAP, &m, sizeof(m), 0);
	}
	free(auxv);
	if (!sys_failed(r))
		return;

	/* Fallback: field by field (needs CAP_SYS_RESOURCE).  Each call is
	 * checked against the others' current values, so retry in rounds. */
	static const int opt[] = {
		PR_SET_MM_BRK, PR_SET_MM_START_BRK, PR_SET_MM_START_STACK,
		PR_SET_MM_ARG_START, PR_SET_MM_ARG_END, PR_SET_MM_ENV_START, PR_SET_MM_ENV_END,
		PR_SET_MM_START_CODE, PR_SET_MM_END_CODE, PR_SET_MM_START_DATA, PR_SET_MM_END_DATA,
	};
	const uint64_t val[] = {
		p->brk, p->start_brk, p->start_stack, p->arg_start, p->arg_end, p->env_start,
		p->env_end, p->start_code, p->end_code, p->start_data, p->end_data,
	};
	int done[sizeof(opt) / sizeof(opt[0])] = { 0 }, left = 0;
	for (int round = 0; round < 4; round++) {
		left = 0;
		for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++) {
			if (done[i])
				continue;
			long e = sys5(__NR_prctl, PR_SET_MM, opt[i], val[i], 0, 0);
			done[i] = !sys_failed(e);
			left += !done[i];
		}
		if (!left)
			return;
	}
	int brk_ok = done[0] && done[1], args_ok = done[3] && done[4] && done[5] && done[6];
	stub_warn("cannot restore the memory layout (prctl PR_SET_MM_MAP: %s)%s%s",
		  stub_strerror(-r),
		  args_ok ? "" : ": /proc/self/cmdline shows the restorer's",
		  brk_ok ? "" : "; brk() cannot extend the old heap (malloc then uses mmap)");
}
