/* THREAD record: registers, xstate, signal mask, rseq, TID address,
 * robust list, sigaltstack.  Single-threaded for now: the main thread. */
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
static int get_regs(struct freeze_ctx *ctx, struct cryo_thread *t)
{
	if (arch_get_gregs(ctx->pid, t->regs)) {
		freeze_error("cannot read the registers of process %d: %s", (int)ctx->pid,
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
		freeze_info(ctx, "in syscall %lld (rax %lld): resumes with rip %#llx rax %lld",
			    (long long)nr, (long long)rax, (unsigned long long)t->regs[REG_RIP],
			    (long long)t->regs[REG_RAX]);
	return FREEZE_OK;
}

/* rseq: the registration, and the abort of a critical section the freeze
 * stopped inside (the kernel would abort it at the next preemption). */
static int get_rseq(struct freeze_ctx *ctx, struct cryo_thread *t)
{
	struct __ptrace_rseq_configuration conf;
	long n = ptrace(PTRACE_GET_RSEQ_CONFIGURATION, ctx->pid, sizeof(conf), &conf);
	if (n <= 0) {
		if (errno == EIO || errno == EINVAL)	/* kernel < 5.13 */
			return FREEZE_OK;
		freeze_error("cannot read the rseq registration of process %d: %s",
			     (int)ctx->pid, strerror(errno));
		return FREEZE_ERR;
	}
	t->rseq_addr = conf.rseq_abi_pointer;
	t->rseq_len = conf.rseq_abi_size;
	t->rseq_sig = conf.signature;
	if (!t->rseq_addr || !ctx->remote.rseq_cs)
		return FREEZE_OK;

	/* The live rseq_cs may have been cleared by our remote syscalls: use
	 * the value remote_init saw. */
	struct { uint32_t version, flags; uint64_t start_ip, post_commit_offset, abort_ip; } cs;
	if (proc_read_mem(ctx->pid, ctx->remote.rseq_cs, &cs, sizeof(cs))) {
		freeze_error("cannot read the rseq critical section of process %d at %#llx",
			     (int)ctx->pid, (unsigned long long)ctx->remote.rseq_cs);
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

static int get_tid_address(struct freeze_ctx *ctx, struct cryo_thread *t)
{
	long ret;
	if (remote_scratch(&ctx->remote, 4096) ||
	    remote_syscall(&ctx->remote, &ret, SYS_prctl, PR_GET_TID_ADDRESS,
			   ctx->remote.scratch, 0, 0, 0, 0))
		return FREEZE_ERR;
	if (ret) {
		/* Kernels without CONFIG_CHECKPOINT_RESTORE: glibc's
		 * clear_child_tid for the main thread only matters to
		 * pthread_join on it. */
		freeze_warn("cannot read the TID address of process %d: %s", (int)ctx->pid,
			    strerror((int)-ret));
		return FREEZE_OK;
	}
	if (remote_read(&ctx->remote, ctx->remote.scratch, &t->tid_address, 8)) {
		freeze_error("cannot read the scratch page of process %d", (int)ctx->pid);
		return FREEZE_ERR;
	}
	return FREEZE_OK;
}

static int get_robust_list(struct freeze_ctx *ctx, struct cryo_thread *t)
{
	uint64_t head = 0;
	size_t len = 0;
	if (syscall(SYS_get_robust_list, ctx->pid, &head, &len)) {
		freeze_error("get_robust_list(%d): %s", (int)ctx->pid, strerror(errno));
		return FREEZE_ERR;
	}
	t->robust_head = head;
	t->robust_len = len;
	return FREEZE_OK;
}

static int get_sigaltstack(struct freeze_ctx *ctx, struct cryo_thread *t)
{
	long ret;
	uint64_t ss[3];	/* stack_t: void *ss_sp; int ss_flags; size_t ss_size */
	if (remote_scratch(&ctx->remote, 4096) ||
	    remote_syscall(&ctx->remote, &ret, SYS_sigaltstack, 0, ctx->remote.scratch, 0, 0, 0,
			   0))
		return FREEZE_ERR;
	if (ret || remote_read(&ctx->remote, ctx->remote.scratch, ss, sizeof(ss))) {
		freeze_error("cannot read the signal stack of process %d", (int)ctx->pid);
		return FREEZE_ERR;
	}
	t->ss_sp = ss[0];
	t->ss_flags = (uint32_t)ss[1];
	t->ss_size = ss[2];
	return FREEZE_OK;
}

int collect_thread(struct freeze_ctx *ctx)
{
	struct cryo_thread t = { .tid = (uint64_t)ctx->pid };
	uint8_t *xstate = NULL;
	size_t xlen = 0;
	int rc;

	if ((rc = get_regs(ctx, &t)))
		return rc;
	if (arch_get_xstate(ctx->pid, &xstate, &xlen, &t.xfeatures)) {
		freeze_error("cannot read the FPU/vector registers of process %d: %s",
			     (int)ctx->pid, strerror(errno));
		return FREEZE_ERR;
	}
	t.xstate.data = xstate;
	t.xstate.len = (uint32_t)xlen;
	/* The real mask (remote_init read it after the kernel restored any
	 * temporary sigsuspend/ppoll mask). */
	t.sigmask = ctx->remote.saved_sigmask;

	if (!(rc = get_rseq(ctx, &t)) && !(rc = get_tid_address(ctx, &t)) &&
	    !(rc = get_robust_list(ctx, &t)) && !(rc = get_sigaltstack(ctx, &t))) {
		freeze_info(ctx, "thread %d: rip %#llx rsp %#llx, xstate %zu bytes (xfeatures %#llx), "
			    "rseq %#llx", (int)ctx->pid, (unsigned long long)t.regs[REG_RIP],
			    (unsigned long long)t.regs[REG_RSP], xlen,
			    (unsigned long long)t.xfeatures, (unsigned long long)t.rseq_addr);
		freeze_emit(ctx, CRYO_REC_THREAD, &t);
	}
	free(xstate);
	return rc;
}
