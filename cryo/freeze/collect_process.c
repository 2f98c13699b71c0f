/* PROCESS (mm layout, cwd, umask, personality, name), AUXV and RLIMIT
 * records. */
#include "freeze.h"
#include "../le.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int remote_call(struct freeze_ctx *ctx, const char *what, long *ret, long nr,
		       uint64_t a1, uint64_t a2)
{
	if (remote_syscall(&ctx->remote, ret, nr, a1, a2, 0, 0, 0, 0)) {
		freeze_error("cannot query the %s of process %d", what, (int)ctx->pid);
		return FREEZE_ERR;
	}
	return FREEZE_OK;
}

static int collect_umask(struct freeze_ctx *ctx, uint64_t *umask_out)
{
	/* umask() can only be read by setting it: set 022, get the old value
	 * back, and put it back at once. */
	long old, again;
	int rc = remote_call(ctx, "umask", &old, SYS_umask, 022, 0);
	if (rc)
		return rc;
	rc = remote_call(ctx, "umask", &again, SYS_umask, (uint64_t)old, 0);
	if (rc)
		return rc;
	*umask_out = (uint64_t)old;
	return FREEZE_OK;
}

static int collect_personality(struct freeze_ctx *ctx, uint64_t *out)
{
	char *s = proc_read(ctx->pid, "personality", NULL);
	if (s) {
		*out = strtoull(s, NULL, 16);
		free(s);
		return FREEZE_OK;
	}
	long ret;
	int rc = remote_call(ctx, "personality", &ret, SYS_personality, 0xffffffff, 0);
	if (rc)
		return rc;
	*out = (uint64_t)(uint32_t)ret;
	return FREEZE_OK;
}

static int emit_process(struct freeze_ctx *ctx)
{
	struct cryo_process p = { 0 };
	uint64_t f[52];
	if (proc_stat(ctx->pid, NULL, f, 52)) {
		freeze_error("cannot read /proc/%d/stat: %s", (int)ctx->pid, strerror(errno));
		return FREEZE_ERR;
	}
	p.pid = (uint64_t)ctx->pid;
	p.flags = ctx->was_job_stopped ? CRYO_PROC_JOB_STOPPED : 0;
	p.start_code = f[26];
	p.end_code = f[27];
	p.start_stack = f[28];
	p.start_data = f[45];
	p.end_data = f[46];
	p.start_brk = f[47];
	p.arg_start = f[48];
	p.arg_end = f[49];
	p.env_start = f[50];
	p.env_end = f[51];
	if (!p.arg_start || !p.start_brk) {
		/* The kernel hides these without ptrace access; we have it. */
		freeze_error("/proc/%d/stat hides the memory layout (fields 45-51)", (int)ctx->pid);
		return FREEZE_ERR;
	}

	long brk;
	int rc = remote_call(ctx, "program break", &brk, SYS_brk, 0, 0);
	if (rc)
		return rc;
	p.brk = (uint64_t)brk;

	if ((rc = collect_umask(ctx, &p.umask)) || (rc = collect_personality(ctx, &p.personality)))
		return rc;

	char *comm = proc_read(ctx->pid, "comm", NULL);
	if (comm) {
		comm[strcspn(comm, "\n")] = '\0';
		strncpy((char *)p.comm, comm, sizeof(p.comm) - 1);
		free(comm);
	}

	char link[64], cwd[PATH_MAX + 1];
	snprintf(link, sizeof(link), "/proc/%d/cwd", (int)ctx->pid);
	ssize_t n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n < 0) {
		freeze_error("cannot read the working directory of process %d (%s): %s",
			     (int)ctx->pid, link, strerror(errno));
		return FREEZE_ERR;
	}
	cwd[n] = '\0';
	if (n > 10 && !strcmp(cwd + n - 10, " (deleted)"))
		freeze_warn("the working directory of process %d, %s, was removed", (int)ctx->pid,
			    cwd);
	p.cwd.data = (const uint8_t *)cwd;
	p.cwd.len = (uint32_t)n + 1;

	freeze_info(ctx, "brk %#llx (start %#llx), umask %03llo, cwd %s",
		    (unsigned long long)p.brk, (unsigned long long)p.start_brk,
		    (unsigned long long)p.umask, cwd);
	freeze_emit(ctx, CRYO_REC_PROCESS, &p);
	return FREEZE_OK;
}

static int emit_auxv(struct freeze_ctx *ctx)
{
	size_t len;
	char *raw = proc_read(ctx->pid, "auxv", &len);
	if (!raw) {
		freeze_error("cannot read /proc/%d/auxv: %s", (int)ctx->pid, strerror(errno));
		return FREEZE_ERR;
	}
	/* Keep the (type, value) pairs up to and including AT_NULL. */
	size_t words = 0;
	while ((words + 2) * 8 <= len) {
		uint64_t type;
		memcpy(&type, raw + words * 8, 8);
		words += 2;
		if (type == 0)
			break;
	}
	uint8_t *enc = malloc(words * 8 + 1);
	if (!enc) {
		free(raw);
		freeze_error("out of memory");
		return FREEZE_ERR;
	}
	for (size_t i = 0; i < words; i++) {
		uint64_t v;
		memcpy(&v, raw + i * 8, 8);
		le64_put(enc + i * 8, v);
	}
	struct cryo_auxv a = { .count = words, .words = { enc, (uint32_t)(words * 8) } };
	freeze_emit(ctx, CRYO_REC_AUXV, &a);
	free(enc);
	free(raw);
	return FREEZE_OK;
}

static int emit_rlimits(struct freeze_ctx *ctx)
{
	for (int res = 0; res < RLIM_NLIMITS; res++) {
		struct rlimit rl;
		struct cryo_rlimit r = { .resource = (uint64_t)res };
		if (prlimit(ctx->pid, res, NULL, &rl) == 0) {
			r.cur = rl.rlim_cur;
			r.max = rl.rlim_max;
		} else {
			/* prlimit on another process needs matching uids; the
			 * target can always tell its own. */
			long ret;
			if (remote_scratch(&ctx->remote, 16) ||
			    remote_syscall(&ctx->remote, &ret, SYS_prlimit64, 0, (uint64_t)res, 0,
					   ctx->remote.scratch, 0, 0) ||
			    ret || remote_read(&ctx->remote, ctx->remote.scratch, &rl, 16)) {
				freeze_error("cannot read resource limit %d of process %d", res,
					     (int)ctx->pid);
				return FREEZE_ERR;
			}
			r.cur = rl.rlim_cur;
			r.max = rl.rlim_max;
		}
		freeze_emit(ctx, CRYO_REC_RLIMIT, &r);
	}
	return FREEZE_OK;
}

int collect_process(struct freeze_ctx *ctx)
{
	int rc;
	if ((rc = emit_process(ctx)) || (rc = emit_auxv(ctx)) || (rc = emit_rlimits(ctx)))
		return rc;
	return FREEZE_OK;
}
