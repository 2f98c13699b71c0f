/* The program's other threads (step 10 of docs/restore.md).
 *
 * The main thread is the process that ran app.cryo.  Every other thread is
 * a new stub thread (stub_clone_thread: the same clone the decompression
 * workers use; it shares everything and inherits the all-blocked mask and
 * the stub's FS block).  Each new thread puts back its own per-thread
 * kernel state, which only the thread itself can set: the TID address
 * (and glibc's cached TID there), the robust list, its name and scheduling,
 * its pending signals and its rseq.  It builds its rt_sigreturn frame and
 * waits at a futex barrier.  Only when every thread is ready does the main
 * thread let them all go (threads_release, right before its own
 * sigreturn): no program code runs while another thread is half-restored.
 *
 * Each thread's frame and stack live in one anonymous mapping made for
 * them; it stays mapped after the resume (a thread cannot unmap the memory
 * rt_sigreturn still has to read), like the stub's own segments.
 */
#include "stub.h"
#include "../../arch/x86_64/regs.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/mman.h>
#include <linux/prctl.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define THREAD_STACK 32768	/* the stub's C code before the barrier */
#define PRIO_PROCESS 0

struct slot {
	struct stub *s;
	const struct cryo_thread *t;
	void *frame;		/* arch_build_frame's area */
	volatile int ctid;	/* stub_clone_thread's TID word */
};

static volatile int ready;	/* threads at the barrier */
static long *new_tids;		/* new_tids[i]: xthread[i]'s tid now */
static volatile int go;		/* 1: sigreturn now */

static void futex_wait(volatile int *addr, int val)
{
	sys4(__NR_futex, addr, FUTEX_WAIT, val, 0);
}

static void futex_wake(volatile int *addr)
{
	sys3(__NR_futex, addr, FUTEX_WAKE, 0x7fffffff);
}

/* The main thread's policy and nice value are process attributes (ATTRS);
 * another thread's are its own.  A new thread inherited the main thread's:
 * change what differs. */
static void set_sched(const struct cryo_thread *t)
{
	if ((uint64_t)sys1(__NR_sched_getscheduler, 0) != t->sched_policy) {
		int prio = (int)t->sched_priority;
		long r = sys3(__NR_sched_setscheduler, 0, t->sched_policy, &prio);
		if (sys_failed(r))
			stub_warn("thread %lu: cannot restore scheduling policy %lu: %s", t->tid,
				  t->sched_policy, stub_strerror(-r));
	}
	/* getpriority's raw value is 20 - nice. */
	long cur = 20 - sys2(__NR_getpriority, PRIO_PROCESS, 0);
	if (cur != (int64_t)t->nice) {
		long r = sys3(__NR_setpriority, PRIO_PROCESS, 0, (int64_t)t->nice);
		if (sys_failed(r))
			stub_warn("thread %lu: cannot restore nice value %ld: %s", t->tid,
				  (int64_t)t->nice, stub_strerror(-r));
	}
}

/* [addr, addr + len) lies in one writable mapping of the program. */
static int writable(const struct stub *s, uint64_t addr, uint64_t len)
{
	const struct cryo_vma *v = image_vma_at(s, addr);
	return v && (v->prot & PROT_WRITE) && !(addr & 3) && addr + len <= v->end;
}

#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_MAX 4096		/* a longer list is a corrupt one */
#define GLIBC_OWNER_OFF 8	/* pthread_mutex_t.__owner, after __lock and __count */

/* One held robust mutex: its futex word holds the owner's TID, which the
 * kernel checks at FUTEX_UNLOCK_PI and at thread exit (OWNER_DIED), and
 * glibc keeps the same TID in __owner (checked at unlock: EPERM). */
static void translate_lock(const struct stub *s, uint64_t futex, uint32_t old, uint32_t new)
{
	if (!writable(s, futex, 4))
		return;
	volatile uint32_t *w = (volatile uint32_t *)futex;
	uint32_t v = *w;
	if ((v & FUTEX_TID_MASK) != old)
		return;
	*w = (v & ~FUTEX_TID_MASK) | new;
	uint64_t owner = futex + GLIBC_OWNER_OFF;
	if (writable(s, owner, 4) && *(volatile uint32_t *)owner == old)
		*(volatile uint32_t *)owner = new;
}

void threads_fix_robust(struct stub *s, const struct cryo_thread *t)
{
	uint64_t head = t->robust_head;
	uint32_t old = (uint32_t)t->tid, new = (uint32_t)sys0(__NR_gettid);
	if (!head || old == new || !writable(s, head, 24))
		return;
	/* struct robust_list_head: list.next, futex_offset, list_op_pending */
	const volatile uint64_t *h = (const volatile uint64_t *)head;
	int64_t off = (int64_t)h[1];
	uint64_t e = h[0];
	for (int n = 0; e != head && n < ROBUST_MAX; n++) {
		if (!writable(s, e, 8))
			return;
		translate_lock(s, e + (uint64_t)off, old, new);
		e = *(const volatile uint64_t *)e;
	}
	if (h[2] && h[2] != head)	/* a lock being taken or released */
		translate_lock(s, h[2] + (uint64_t)off, old, new);
}

static void thread_main(void *arg)
{
	struct slot *sl = arg;
	struct stub *s = sl->s;
	const struct cryo_thread *t = sl->t;

	/* None saved: drop the one stub_clone_thread set, in the arena, which
	 * the kernel would otherwise clear at this thread's exit. */
	if (!t->tid_address)
		sys1(__NR_set_tid_address, 0);
	task_set_tid_address(s, t);
	if (t->robust_head) {
		long r = sys2(__NR_set_robust_list, t->robust_head, t->robust_len);
		if (sys_failed(r))
			stub_warn("thread %lu: cannot restore the robust futex list: %s", t->tid,
				  stub_strerror(-r));
		threads_fix_robust(s, t);
	}
	char comm[17];
	memcpy(comm, t->comm, 16);
	comm[16] = 0;
	sys2(__NR_prctl, PR_SET_NAME, comm);
	set_sched(t);
	task_queue_thread_pending(s, t);
	/* On this stack: the slot and the record are in the arena. */
	void *uc = arch_build_frame(t, sl->frame);	/* the sigaltstack too */
	uint64_t fs = t->regs[REG_FS_BASE], gs = t->regs[REG_GS_BASE];
	if (t->rseq_addr) {	/* last: the kernel writes it from then on */
		long r = sys4(__NR_rseq, t->rseq_addr, t->rseq_len, 0, t->rseq_sig);
		if (sys_failed(r))
			stub_warn("thread %lu: cannot register rseq again: %s", t->tid,
				  stub_strerror(-r));
	}

	samepids_drop_caps();
	__atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
	futex_wake(&ready);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		futex_wait(&go, 0);
	/* Nothing of the stub's arena or image may be touched from here on:
	 * the main thread has unmapped them. */
	stub_sigreturn(uc, fs, gs);
}

void threads_start(struct stub *s)
{
	size_t n = s->nxthread;
	if (!n)
		return;
	/* Per thread: the frame (64-byte aligned), then the stack above it. */
	uint64_t frame = (arch_frame_size() + 63) & ~63ull;
	uint64_t each = STUB_PAGE_UP(frame + THREAD_STACK);
	long base = sys6(__NR_mmap, 0, (long)(each * n), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sys_failed(base))
		stub_fatal("no memory for %zu threads: %s", n, stub_strerror(-base));
	struct slot *slots = xmalloc(n * sizeof(*slots));
	new_tids = xmalloc(n * sizeof(*new_tids));
	for (size_t i = 0; i < n; i++) {
		uint8_t *area = (uint8_t *)base + i * each;
		slots[i] = (struct slot){ .s = s, .t = &s->xthread[i], .frame = area };
		long r = samepids_clone_thread(s, thread_main, &slots[i], area + each, &slots[i].ctid,
					       s->xthread[i].tid);
		if (r < 0)
			stub_fatal("cannot create thread %zu of %zu: %s", i + 2, n + 1,
				   stub_strerror(-r));
		new_tids[i] = r;
	}
	int k;
	while ((k = __atomic_load_n(&ready, __ATOMIC_ACQUIRE)) < (int)n)
		futex_wait(&ready, k);
}

long threads_new_tid(const struct stub *s, uint64_t old)
{
	for (size_t i = 0; new_tids && i < s->nxthread; i++)
		if (s->xthread[i].tid == old)
			return new_tids[i];
	return 0;
}

void threads_release(void)
{
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	futex_wake(&go);
}
