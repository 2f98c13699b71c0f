/* ATTRS record: the process attributes that PROCESS does not carry: root
 * directory, nice, scheduling policy, no_new_privs, dumpable, the parent
 * death signal and the child subreaper bit.  (cwd, umask, personality and
 * the name are in PROCESS; rlimits in RLIMIT.) */
#include "freeze.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* prctl in the target.  The PR_GET_* that return through a pointer
 * (pdeathsig, subreaper) write an int into the scratch page. */
static int remote_prctl(struct freeze_ctx *ctx, int op, int by_pointer, uint64_t *out)
{
	long ret;
	if (remote_scratch(&ctx->remote, 4096))
		return FREEZE_ERR;
	int32_t v = 0;
	if (remote_syscall(&ctx->remote, &ret, SYS_prctl, (uint64_t)op,
			   by_pointer ? ctx->remote.scratch : 0, 0, 0, 0, 0))
		return FREEZE_ERR;
	if (ret < 0 || (by_pointer && remote_read(&ctx->remote, ctx->remote.scratch, &v, 4))) {
		freeze_error("cannot read prctl %d of process %d: %s", op, (int)ctx->pid,
			     ret < 0 ? strerror((int)-ret) : "scratch read failed");
		return FREEZE_ERR;
	}
	*out = by_pointer ? (uint64_t)(int64_t)v : (uint64_t)ret;
	return FREEZE_OK;
}

static int collect_sched(struct freeze_ctx *ctx, struct cryo_attrs *a)
{
	/* Read from here: these need no privilege on another process. */
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, (id_t)ctx->pid);
	if (nice == -1 && errno) {
		freeze_error("cannot read the nice value of process %d: %s", (int)ctx->pid,
			     strerror(errno));
		return FREEZE_ERR;
	}
	int pol = sched_getscheduler(ctx->pid);
	struct sched_param sp;
	if (pol < 0 || sched_getparam(ctx->pid, &sp)) {
		freeze_error("cannot read the scheduling policy of process %d: %s", (int)ctx->pid,
			     strerror(errno));
		return FREEZE_ERR;
	}
	a->nice = (uint64_t)(int64_t)nice;
	a->sched_policy = (uint64_t)pol;
	a->sched_priority = (uint64_t)sp.sched_priority;
	return FREEZE_OK;
}

int collect_attrs(struct freeze_ctx *ctx)
{
	struct cryo_attrs a = { 0 };
	int rc;
	if ((rc = collect_sched(ctx, &a)) ||
	    (rc = remote_prctl(ctx, PR_GET_NO_NEW_PRIVS, 0, &a.no_new_privs)) ||
	    (rc = remote_prctl(ctx, PR_GET_DUMPABLE, 0, &a.dumpable)) ||
	    (rc = remote_prctl(ctx, PR_GET_PDEATHSIG, 1, &a.pdeathsig)) ||
	    (rc = remote_prctl(ctx, PR_GET_CHILD_SUBREAPER, 1, &a.child_subreaper)))
		return rc;

	/* As seen from the freezer's root: the paths of FILE records are too. */
	char link[64], root[PATH_MAX + 1];
	snprintf(link, sizeof(link), "/proc/%d/root", (int)ctx->pid);
	ssize_t n = readlink(link, root, sizeof(root) - 1);
	if (n < 0) {
		freeze_error("cannot read the root directory of process %d (%s): %s",
			     (int)ctx->pid, link, strerror(errno));
		return FREEZE_ERR;
	}
	root[n] = '\0';
	a.root.data = (const uint8_t *)root;
	a.root.len = (uint32_t)n + 1;
	freeze_info(ctx, "root %s, nice %d, policy %llu/%llu, no_new_privs %llu, dumpable %llu, "
		    "pdeathsig %llu, subreaper %llu", root, (int)(int64_t)a.nice,
		    (unsigned long long)a.sched_policy, (unsigned long long)a.sched_priority,
		    (unsigned long long)a.no_new_privs, (unsigned long long)a.dumpable,
		    (unsigned long long)a.pdeathsig, (unsigned long long)a.child_subreaper);
	freeze_emit(ctx, CRYO_REC_ATTRS, &a);
	return FREEZE_OK;
}
