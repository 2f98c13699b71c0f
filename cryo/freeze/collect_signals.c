/* SIGACTION records (signals 1..64 but SIGKILL and SIGSTOP) and
 * SIGPENDING records (the thread's queue and the process's). */
#include "freeze.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#define NSIG_MAX 64

static int collect_actions(struct freeze_ctx *ctx)
{
	if (remote_scratch(&ctx->remote, 4096))
		return FREEZE_ERR;
	for (int sig = 1; sig <= NSIG_MAX; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		/* The kernel's struct sigaction: handler, flags, restorer, mask. */
		uint64_t ka[4];
		long ret;
		if (remote_syscall(&ctx->remote, &ret, SYS_rt_sigaction, (uint64_t)sig, 0,
				   ctx->remote.scratch, 8, 0, 0))
			return FREEZE_ERR;
		if (ret || remote_read(&ctx->remote, ctx->remote.scratch, ka, sizeof(ka))) {
			freeze_error("cannot read the action of signal %d of process %d: %s", sig,
				     (int)ctx->pid, ret ? strerror((int)-ret) : "scratch read failed");
			return FREEZE_ERR;
		}
		struct cryo_sigaction a = {
			.signo = (uint64_t)sig, .handler = ka[0], .flags = ka[1],
			.restorer = ka[2], .mask = ka[3],
		};
		if (a.handler > 1)
			freeze_info(ctx, "signal %d: handler %#llx flags %#llx mask %#llx", sig,
				    (unsigned long long)a.handler, (unsigned long long)a.flags,
				    (unsigned long long)a.mask);
		freeze_emit(ctx, CRYO_REC_SIGACTION, &a);
	}
	return FREEZE_OK;
}

/* Queued signals, read without dequeuing them. */
static int collect_queue(struct freeze_ctx *ctx, pid_t tid, int shared)
{
	uint8_t si[8][128];
	for (uint64_t off = 0;;) {
		struct __ptrace_peeksiginfo_args args = {
			.off = off, .flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0, .nr = 8,
		};
		long n = ptrace(PTRACE_PEEKSIGINFO, tid, &args, si);
		if (n < 0) {
			freeze_error("cannot read the pending signals of thread %d: %s",
				     (int)tid, strerror(errno));
			return FREEZE_ERR;
		}
		if (n == 0)
			return FREEZE_OK;
		for (long i = 0; i < n; i++) {
			struct cryo_sigpending p = {
				.shared = (uint64_t)shared, .tid = shared ? 0 : (uint64_t)tid,
			};
			int32_t signo;
			memcpy(&signo, si[i], 4);
			p.signo = (uint64_t)signo;
			for (int w = 0; w < 16; w++) {
				uint64_t v;
				memcpy(&v, si[i] + 8 * w, 8);
				p.siginfo[w] = v;
			}
			freeze_info(ctx, "pending signal %d (%s queue of %d)", signo,
				    shared ? "process" : "thread", (int)tid);
			freeze_emit(ctx, CRYO_REC_SIGPENDING, &p);
		}
		off += (uint64_t)n;
	}
}

int collect_signals(struct freeze_ctx *ctx)
{
	int rc;
	if ((rc = collect_actions(ctx)) || (rc = collect_queue(ctx, ctx->pid, 1)))
		return rc;
	for (size_t i = 0; i < ctx->ntids; i++)	/* each thread's own queue */
		if ((rc = collect_queue(ctx, ctx->tids[i], 0)))
			return rc;
	return FREEZE_OK;
}
