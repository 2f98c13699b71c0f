/* Per-process and per-thread kernel state (steps 8 and 10): the TID
 * address and glibc's cached TID, the robust futex list, signal handlers,
 * the alternate signal stack, interval timers, umask, cwd, personality,
 * the process name, resource limits, pending signals and rseq.
 *
 * Failures here are warnings, not errors: the address space is already
 * the program's, and a program with, say, a lower hard rlimit than it had
 * is better than no program. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <asm/signal.h>
#ifndef SS_ONSTACK
#define SS_ONSTACK 1
#endif
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/resource.h>
#include <linux/time.h>

struct kernel_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

void task_set_tid_address(struct stub *s, const struct cryo_thread *t)
{
	if (!t->tid_address)
		return;
	long tid = sys1(__NR_set_tid_address, t->tid_address);
	/* glibc keeps the TID in its thread descriptor, at the very address it
	 * gave set_tid_address (pthread_kill, mutex owners, raise() use it):
	 * it must be this process's TID now. */
	const struct cryo_vma *v = image_vma_at(s, t->tid_address);
	if (v && (v->prot & PROT_WRITE) && !(t->tid_address & 3) && t->tid_address + 4 <= v->end)
		*(volatile int32_t *)t->tid_address = (int32_t)tid;
	else
		stub_warn("the thread's TID address 0x%lx is not writable memory", t->tid_address);
}

static void set_signal_handlers(struct stub *s)
{
	for (size_t i = 0; i < s->nsigact; i++) {
		const struct cryo_sigaction *a = &s->sigact[i];
		if (a->signo == SIGKILL || a->signo == SIGSTOP)
			continue;
		/* As the kernel reported them, SA_RESTORER and its trampoline
		 * included: x86_64 delivers no signal to a handler without one. */
		struct kernel_sigaction ka = { a->handler, a->flags, a->restorer, a->mask };
		long r = sys4(__NR_rt_sigaction, a->signo, &ka, 0, 8);
		if (sys_failed(r))
			stub_warn("cannot restore the handler of signal %lu: %s", a->signo,
				  stub_strerror(-r));
	}
}

static void set_itimers(struct stub *s)
{
	/* All three: a timer the stub inherited across execve must not fire. */
	for (uint64_t which = 0; which < 3; which++) {
		struct { int64_t is, iu, vs, vu; } v = { 0, 0, 0, 0 };
		for (size_t i = 0; i < s->nitimer; i++)
			if (s->itimer[i].which == which) {
				v.is = (int64_t)s->itimer[i].interval_sec;
				v.iu = (int64_t)s->itimer[i].interval_usec;
				v.vs = (int64_t)s->itimer[i].value_sec;
				v.vu = (int64_t)s->itimer[i].value_usec;
			}
		/* Value 0 with an interval: ITIMER_REAL expired and its SIGALRM is
		 * still pending (the kernel re-arms it only when the signal is
		 * taken).  setitimer with value 0 would disarm it for good: arm
		 * it for one more interval instead; the SIGALRM is re-queued. */
		if (!v.vs && !v.vu && (v.is || v.iu)) {
			v.vs = v.is;
			v.vu = v.iu;
		}
		long r = sys3(__NR_setitimer, which, &v, 0);
		if (sys_failed(r))
			stub_warn("cannot restore interval timer %lu: %s", which, stub_strerror(-r));
	}
}

void task_restore(struct stub *s)
{
	const struct cryo_thread *t = &s->thread;
	task_set_tid_address(s, t);
	if (t->robust_head) {
		long r = sys2(__NR_set_robust_list, t->robust_head, t->robust_len);
		if (sys_failed(r))
			stub_warn("cannot restore the robust futex list: %s", stub_strerror(-r));
		threads_fix_robust(s, t);
	}
	/* Also in the sigreturn frame's uc_stack (sigreturn sets it again). */
	struct { uint64_t sp; int32_t flags; int32_t pad; uint64_t size; } ss = {
		t->ss_sp, (int32_t)(t->ss_flags & ~(uint64_t)SS_ONSTACK), 0, t->ss_size
	};
	long r = sys2(__NR_sigaltstack, &ss, 0);
	if (sys_failed(r))
		stub_warn("cannot restore the alternate signal stack: %s", stub_strerror(-r));
	set_signal_handlers(s);
	set_itimers(s);

	sys1(__NR_umask, s->proc.umask & 0777);
	r = sys1(__NR_fchdir, s->cwd_fd);
	if (sys_failed(r))
		stub_fatal("cannot return to the working directory %s: %s",
			   (const char *)s->proc.cwd.data, stub_strerror(-r));
	long pers = sys1(__NR_personality, 0xffffffff);
	if ((uint64_t)pers != s->proc.personality) {
		r = sys1(__NR_personality, s->proc.personality);
		if (sys_failed(r))
			stub_warn("cannot restore the personality 0x%lx: %s", s->proc.personality,
				  stub_strerror(-r));
	}
	char comm[17];
	memcpy(comm, s->proc.comm, 16);
	comm[16] = 0;
	sys2(__NR_prctl, PR_SET_NAME, comm);
}

static const char *const rlimit_names[16] = {
	"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK",
	"AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME",
};

/* After the files are in place: the stub raised its soft RLIMIT_NOFILE
 * for its temporary descriptors, and PR_SET_MM_MAP is checked against
 * RLIMIT_DATA. */
void task_restore_limits(struct stub *s)
{
	for (size_t i = 0; i < s->nrlimit; i++) {
		const struct cryo_rlimit *l = &s->rlimit[i];
		struct rlimit want = { l->cur, l->max }, have;
		long r = sys4(__NR_prlimit64, 0, l->resource, &want, 0);
		if (!sys_failed(r))
			continue;
		/* Raising a hard limit needs privilege: keep this system's
		 * hard limit and the soft one as close as it allows. */
		if (r == -1 && !sys_failed(sys4(__NR_prlimit64, 0, l->resource, 0, &have))) {
			if (want.rlim_max > have.rlim_max)
				want.rlim_max = have.rlim_max;
			if (want.rlim_cur > want.rlim_max)
				want.rlim_cur = want.rlim_max;
			r = sys4(__NR_prlimit64, 0, l->resource, &want, 0);
			stub_warn("RLIMIT_%s: the hard limit stays at %lu here (the program had %lu)",
				  rlimit_names[l->resource], (uint64_t)have.rlim_max, l->max);
			if (!sys_failed(r))
				continue;
		}
		stub_warn("cannot restore RLIMIT_%s: %s", rlimit_names[l->resource],
			  stub_strerror(-r));
	}
}

/* The process's queue and, with t, that thread's (t->tid is its old TID);
 * called in the thread whose queue it fills. */
static void queue_pending(struct stub *s, const struct cryo_thread *t)
{
	long pid = sys0(__NR_getpid), tid = sys0(__NR_gettid);
	for (size_t i = 0; i < s->npending; i++) {
		const struct cryo_sigpending *p = &s->pending[i];
		if (p->signo == SIGKILL || p->signo == SIGSTOP)
			continue;	/* would act on the restorer, now */
		if (p->shared ? t != &s->thread : p->tid != t->tid)
			continue;	/* the process's queue once, from the main thread */
		uint64_t info[16];
		memcpy(info, p->siginfo, sizeof(info));
		info[0] = (info[0] & ~0xffffffffull) | (uint32_t)p->signo;	/* si_signo */
		/* Every signal is blocked until the final sigreturn, which installs
		 * the program's mask: then what it allows is delivered. */
		long r = p->shared ? sys3(__NR_rt_sigqueueinfo, pid, p->signo, info)
				   : sys4(__NR_rt_tgsigqueueinfo, pid, tid, p->signo, info);
		if (sys_failed(r))
			stub_warn("cannot re-queue pending signal %lu: %s", p->signo, stub_strerror(-r));
	}
}

void task_queue_pending(struct stub *s)
{
	queue_pending(s, &s->thread);
}

void task_queue_thread_pending(struct stub *s, const struct cryo_thread *t)
{
	queue_pending(s, t);
}

void task_register_rseq(struct stub *s)
{
	const struct cryo_thread *t = &s->thread;
	if (!t->rseq_addr)
		return;
	/* glibc registered one per thread; execve dropped it and the stub
	 * registered none.  Last of all: from here on the kernel writes the
	 * CPU number into the program's memory on every return to user. */
	long r = sys4(__NR_rseq, t->rseq_addr, t->rseq_len, 0, t->rseq_sig);
	if (sys_failed(r))
		stub_warn("cannot register rseq again: %s", stub_strerror(-r));
}
