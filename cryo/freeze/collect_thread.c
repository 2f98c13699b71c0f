/* THREAD records, one per thread (the main thread first): registers,
 * xstate, signal mask, rseq, TID address, robust list, sigaltstack, name,
 * scheduling.  What only a syscall tells (PR_GET_TID_ADDRESS, sigaltstack)
 * is asked remotely in the thread itself, as those are per-thread. */
#include "freeze.h"
#include "../../arch/x86_64/freeze_regs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Registers, with the fixups that make them resumable elsewhere; applied
 * to the record only, never to the live target. */
static int get_regs(struct freeze_ctx *ctx, pid_t tid, struct cryo_thread *t)
{
	if (arch_get_gregs(tid, t->regs)) {
		freeze_error("cannot read the registers of thread %d: %s", (int)tid,
			     strerror(errno));
		return FREEZE_ERR;
	}
	if (!arch_is_64bit(t->regs)) {
		freeze_error("process %d runs 32-bit code: only x86_64 processes can be frozen",
			     (int)ctx->pid);
		return FREEZE_REFUSED;
	}
	uint64_t nr = t->regs[REG_ORIG_RAX], rax = t->regs[REG_RAX];
	if (arch_fixup_syscall_restart(t->regs))
		freeze_info(ctx, "thread %d in syscall %lld (rax %lld): resumes with rip %#llx "
			    "rax %lld", (int)tid, (long long)nr, (long long)rax,
			    (unsigned long long)t->regs[REG_RIP], (long long)t->regs[REG_RAX]);
	return FREEZE_OK;
}

/* rseq: the registration, and the abort of a critical section the freeze
 * stopped inside (the kernel would abort it at the next preemption). */
static int get_rseq(struct freeze_ctx *ctx, struct remote *r, struct cryo_thread *t)
{
	struct __ptrace_rseq_configuration conf;
	long n = ptrace(PTRACE_GET_RSEQ_CONFIGURATION, r->tid, sizeof(conf), &conf);
	if (n <= 0) {
		if (errno == EIO || errno == EINVAL)	/* kernel < 5.13 */
			return FREEZE_OK;
		freeze_error("cannot read the rseq registration of thread %d: %s",
			     (int)r->tid, strerror(errno));
		return FREEZE_ERR;
	}
	t->rseq_addr = conf.rseq_abi_pointer;
	t->rseq_len = conf.rseq_abi_size;
	t->rseq_sig = conf.signature;
	if (!t->rseq_addr || !r->rseq_cs)
		return FREEZE_OK;

	/* The live rseq_cs may have been cleared by our remote syscalls: use
	 * the value remote_init saw. */
	struct { uint32_t version, flags; uint64_t start_ip, post_commit_offset, abort_ip; } cs;
	if (proc_read_mem(ctx->pid, r->rseq_cs, &cs, sizeof(cs))) {
		freeze_error("cannot read the rseq critical section of thread %d at %#llx",
			     (int)r->tid, (unsigned long long)r->rseq_cs);
		return FREEZE_ERR;
	}
	uint64_t ip = t->regs[REG_RIP];
	if (ip >= cs.start_ip && ip - cs.start_ip < cs.post_commit_offset) {
		freeze_info(ctx, "rip %#llx inside an rseq critical section: abort to %#llx",
			    (unsigned long long)ip, (unsigned long long)cs.abort_ip);
		t->regs[REG_RIP] = cs.abort_ip;
	}
	return FREEZE_OK;
}

static int get_tid_address(struct remote *r, struct cryo_thread *t)
{
	long ret;
	if (remote_syscall(r, &ret, SYS_prctl, PR_GET_TID_ADDRESS, r->scratch, 0, 0, 0, 0))
		return FREEZE_ERR;
	if (ret) {
		/* Kernels without CONFIG_CHECKPOINT_RESTORE: glibc's
		 * clear_child_tid for the main thread only matters to
		 * pthread_join on it. */
		freeze_warn("cannot read the TID address of thread %d: %s", (int)r->tid,
			    strerror((int)-ret));
		return FREEZE_OK;
	}
	if (remote_read(r, r->scratch, &t->tid_address, 8)) {
		freeze_error("cannot read the scratch page of thread %d", (int)r->tid);
		return FREEZE_ERR;
	}
	return FREEZE_OK;
}

static int get_robust_list(pid_t tid, struct cryo_thread *t)
{
	uint64_t head = 0;
	size_t len = 0;
	if (syscall(SYS_get_robust_list, tid, &head, &len)) {
		freeze_error("get_robust_list(%d): %s", (int)tid, strerror(errno));
		return FREEZE_ERR;
	}
	t->robust_head = head;
	t->robust_len = len;
	return FREEZE_OK;
}

static int get_sigaltstack(struct remote *r, struct cryo_thread *t)
{
	long ret;
	uint64_t ss[3];	/* stack_t: void *ss_sp; int ss_flags; size_t ss_size */
	if (remote_syscall(r, &ret, SYS_sigaltstack, 0, r->scratch, 0, 0, 0, 0))
		return FREEZE_ERR;
	if (ret || remote_read(r, r->scratch, ss, sizeof(ss))) {
		freeze_error("cannot read the signal stack of thread %d", (int)r->tid);
		return FREEZE_ERR;
	}
	t->ss_sp = ss[0];
	t->ss_flags = (uint32_t)ss[1];
	t->ss_size = ss[2];
	return FREEZE_OK;
}

/* Name and scheduling, from /proc (nothing remote). */
static void get_name_sched(struct freeze_ctx *ctx, pid_t tid, struct cryo_thread *t)
{
	char name[48];
	snprintf(name, sizeof(name), "task/%d/comm", (int)tid);
	char *comm = proc_read(ctx->pid, name, NULL);
	if (comm) {
		size_t n = strcspn(comm, "\n");
		memcpy(t->comm, comm, n < sizeof(t->comm) - 1 ? n : sizeof(t->comm) - 1);
		free(comm);
	}
	uint64_t f[42];
	if (proc_stat(tid, NULL, f, 42) == 0) {
		t->nice = f[19];
		t->sched_priority = f[40];
		t->sched_policy = f[41];
	}
}

/* One thread, with r a remote-syscall context running in it. */
static int collect_one(struct freeze_ctx *ctx, struct remote *r)
{
	pid_t tid = r->tid;
	struct cryo_thread t = { .tid = (uint64_t)tid };
	uint8_t *xstate = NULL;
	size_t xlen = 0;
	int rc;

	if ((rc = get_regs(ctx, tid, &t)))
		return rc;
	if (arch_get_xstate(tid, &xstate, &xlen, &t.xfeatures)) {
		freeze_error("cannot read the FPU/vector registers of thread %d: %s", (int)tid,
			     strerror(errno));
		return FREEZE_ERR;
	}
	t.xstate.data = xstate;
	t.xstate.len = (uint32_t)xlen;
	/* The real mask (remote_init read it after the kernel restored any
	 * temporary sigsuspend/ppoll mask). */
	t.sigmask = r->saved_sigmask;
	get_name_sched(ctx, tid, &t);

	if (!(rc = get_rseq(ctx, r, &t)) && !(rc = get_tid_address(r, &t)) &&
	    !(rc = get_robust_list(tid, &t)) && !(rc = get_sigaltstack(r, &t))) {
		freeze_info(ctx, "thread %d (%s): rip %#llx rsp %#llx, xstate %zu bytes "
			    "(xfeatures %#llx), rseq %#llx, tid address %#llx", (int)tid,
			    (const char *)t.comm, (unsigned long long)t.regs[REG_RIP],
			    (unsigned long long)t.regs[REG_RSP], xlen,
			    (unsigned long long)t.xfeatures, (unsigned long long)t.rseq_addr,
			    (unsigned long long)t.tid_address);
		freeze_emit(ctx, CRYO_REC_THREAD, &t);
	}
	free(xstate);
	return rc;
}

/* Another thread: its own remote context, borrowing the main thread's
 * scratch page (one address space), put back exactly as found. */
static int collect_other(struct freeze_ctx *ctx, pid_t tid)
{
	struct remote r;
	if (remote_init(&r, tid)) {
		freeze_error("cannot run system calls in thread %d", (int)tid);
		return FREEZE_ERR;
	}
	r.scratch = ctx->remote.scratch;
	r.scratch_len = ctx->remote.scratch_len;
	int rc = collect_one(ctx, &r);
	r.scratch = 0;	/* the main thread's remote_fini unmaps it */
	r.scratch_len = 0;
	if (remote_fini(&r)) {
		freeze_error("could not undo everything done in thread %d; check it", (int)tid);
		rc = rc ? rc : FREEZE_ERR;
	}
	return rc;
}

int collect_thread(struct freeze_ctx *ctx)
{
	if (remote_scratch(&ctx->remote, 4096))
		return FREEZE_ERR;
	int rc = collect_one(ctx, &ctx->remote);
	for (size_t i = 1; i < ctx->ntids && !rc; i++)
		rc = collect_other(ctx, ctx->tids[i]);
	return rc;
}
