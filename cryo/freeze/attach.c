/* Seize the target and stop it, every thread of it; let it go again
 * exactly as it was.
 *
 * PTRACE_SEIZE + PTRACE_INTERRUPT, never PTRACE_ATTACH: its SIGSTOP would
 * be seen by the target's parent (the shell) as a job-control stop.
 */
#include "freeze.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ATTACH_TIMEOUT_NS (5LL * 1000 * 1000 * 1000)
#define PF_KTHREAD 0x00200000	/* /proc/PID/stat field 9 */

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* A "Name:\tvalue" line of /proc/PID/status, as a number (first field). */
static long status_field(pid_t pid, const char *name)
{
	char *s = proc_read(pid, "status", NULL);
	if (!s)
		return -1;
	long v = -1;
	size_t n = strlen(name);
	for (char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == ':') {
			v = strtol(p + n + 1, NULL, 10);
			break;
		}
	free(s);
	return v;
}

static void comm_of(pid_t pid, char *buf, size_t len)
{
	char *s = proc_read(pid, "comm", NULL);
	snprintf(buf, len, "%s", s ? s : "?");
	buf[strcspn(buf, "\n")] = '\0';
	free(s);
}

/* Explain why ptrace was refused, and what to do. */
static void explain_eperm(pid_t pid)
{
	char comm[32];
	comm_of(pid, comm, sizeof(comm));
	freeze_error("not allowed to trace process %d (%s)", (int)pid, comm);

	long tracer = status_field(pid, "TracerPid");
	if (tracer > 0) {
		char tcomm[32];
		comm_of((pid_t)tracer, tcomm, sizeof(tcomm));
		freeze_error("it is already being traced by process %ld (%s): "
			     "detach the debugger or tracer first", tracer, tcomm);
		return;
	}
	long uid = status_field(pid, "Uid");
	if (uid >= 0 && (uid_t)uid != geteuid() && geteuid() != 0) {
		freeze_error("it belongs to uid %ld, not to you (uid %d): run freeze as that user",
			     uid, (int)geteuid());
		return;
	}
	char *scope = proc_read(0, "sys/kernel/yama/ptrace_scope", NULL);
	if (scope && atoi(scope) > 0) {
		int v = atoi(scope);
		if (v == 1)
			freeze_error("Yama ptrace_scope is 1: only a process's ancestors may trace it; "
				     "start the program from a shell and freeze it from a child of that "
				     "shell, run freeze as root, or allow it with "
				     "'echo 0 | sudo tee /proc/sys/kernel/yama/ptrace_scope'");
		else
			freeze_error("Yama ptrace_scope is %d: tracing needs root%s", v,
				     v >= 3 ? " and is disabled until reboot" : "");
	}
	free(scope);
	/* The files in /proc/PID of a non-dumpable process are owned by root. */
	char path[32];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (stat(path, &st) == 0 && uid >= 0 && st.st_uid != (uid_t)uid)
		freeze_error("it is not dumpable (setuid, setgid, file capabilities or "
			     "prctl(PR_SET_DUMPABLE, 0)): such processes cannot be traced");
	else
		freeze_error("processes you do not own, setuid or non-dumpable processes, and "
			     "processes under another tracer cannot be traced");
}

/* Wait until the seized target is in a ptrace stop of ours.  Signals
 * arriving before our trap are passed on: the trap comes right after.
 * Returns FREEZE_OK, or an exit code after a message. */
static int wait_for_trap(struct freeze_ctx *ctx, pid_t tid)
{
	long long start = now_ns();
	for (;;) {
		int status;
		pid_t p = waitpid(tid, &status, __WALL | WNOHANG);
		if (p < 0 && errno != EINTR) {
			freeze_error("waitpid(%d): %s", (int)tid, strerror(errno));
			return FREEZE_ERR;
		}
		if (p == tid) {
			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				if (tid == ctx->pid)	/* a thread may just end */
					freeze_error("process %d exited while being attached",
						     (int)ctx->pid);
				return FREEZE_NOPROC;
			}
			if (WIFSTOPPED(status) && (status >> 16) == PTRACE_EVENT_STOP) {
				/* The kernel reports a group stop (job control) with
				 * the stopping signal, our interrupt with SIGTRAP:
				 * more exact than the state read before seizing. */
				ctx->was_job_stopped = WSTOPSIG(status) != SIGTRAP;
				return FREEZE_OK;
			}
			if (WIFSTOPPED(status)) {
				/* signal-delivery-stop: deliver it. */
				if (ptrace(PTRACE_CONT, tid, 0, WSTOPSIG(status))) {
					freeze_error("ptrace(PTRACE_CONT, %d): %s", (int)tid,
						     strerror(errno));
					return FREEZE_ERR;
				}
			}
			continue;
		}
		long long waited = now_ns() - start;
		if (waited > ATTACH_TIMEOUT_NS) {
			char state = '?';
			proc_stat(tid, &state, NULL, 0);
			freeze_error("thread %d of process %d did not stop within 5 s "
				     "(state %c%s); try again", (int)tid, (int)ctx->pid, state,
				     state == 'D' ? ": in uninterruptible sleep, e.g. waiting for a disk "
						    "or a network file system" : "");
			return FREEZE_ERR;
		}
		if (waited < 2000000)
			sched_yield();
		else
			nanosleep(&(struct timespec){ 0, 100000 }, NULL);
	}
}

static int have_tid(const struct freeze_ctx *ctx, pid_t tid)
{
	for (size_t i = 0; i < ctx->ntids; i++)
		if (ctx->tids[i] == tid)
			return 1;
	return 0;
}

/* Seize and stop one more thread.  FREEZE_OK and added to ctx->tids; or
 * -1 if it ended meanwhile (not an error); or an exit code. */
static int attach_thread(struct freeze_ctx *ctx, pid_t tid)
{
	pid_t *n = realloc(ctx->tids, (ctx->ntids + 1) * sizeof(*n));
	if (!n)
		return FREEZE_ERR;
	ctx->tids = n;
	if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD)) {
		char state = 'X';
		if (errno == ESRCH || proc_stat(tid, &state, NULL, 0) || state == 'Z' ||
		    state == 'X')
			return -1;	/* exiting or gone */
		freeze_error("ptrace(PTRACE_SEIZE, thread %d): %s", (int)tid, strerror(errno));
		return FREEZE_ERR;
	}
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0)) {
		int e = errno;
		ptrace(PTRACE_DETACH, tid, 0, 0);
		if (e == ESRCH)
			return -1;
		freeze_error("cannot stop thread %d: %s", (int)tid, strerror(e));
		return FREEZE_ERR;
	}
	int rc = wait_for_trap(ctx, tid);
	if (rc == FREEZE_NOPROC)
		return -1;	/* it exited before stopping: reaped */
	if (rc) {
		ptrace(PTRACE_DETACH, tid, 0, 0);
		return rc;
	}
	ctx->tids[ctx->ntids++] = tid;
	return FREEZE_OK;
}

/* One pass over /proc/PID/task: seize every thread not yet stopped.
 * *added counts them.  FREEZE_OK or an exit code. */
static int scan_threads(struct freeze_ctx *ctx, int *added)
{
	char path[48];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)ctx->pid);
	DIR *d = opendir(path);
	if (!d) {
		freeze_error("cannot list %s: %s", path, strerror(errno));
		return FREEZE_ERR;
	}
	int rc = FREEZE_OK;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		pid_t tid = (pid_t)atoi(e->d_name);
		if (tid <= 0 || have_tid(ctx, tid))
			continue;
		rc = attach_thread(ctx, tid);
		if (rc == FREEZE_OK)
			(*added)++;
		else if (rc == -1)
			rc = FREEZE_OK;
	}
	closedir(d);
	return rc;
}

/* Every thread, not only the one seized first.  A thread running while we
 * scan may create another; once all are stopped none can appear, because
 * clone() has linked the new thread into /proc/PID/task before its creator
 * can stop: so scan again until a pass finds nothing new. */
static int attach_threads(struct freeze_ctx *ctx)
{
	ctx->tids = malloc(sizeof(*ctx->tids));
	if (!ctx->tids)
		return FREEZE_ERR;
	ctx->tids[0] = ctx->pid;
	ctx->ntids = 1;
	for (int pass = 0; pass < 1000; pass++) {
		int added = 0, rc = scan_threads(ctx, &added);
		if (rc || !added)
			return rc;
	}
	freeze_error("process %d keeps creating threads faster than they can be stopped",
		     (int)ctx->pid);
	return FREEZE_ERR;
}

int freeze_attach(struct freeze_ctx *ctx)
{
	pid_t pid = ctx->opt.pid;
	ctx->pid = pid;
	if (pid == getpid()) {
		freeze_error("process %d is freeze itself", (int)pid);
		return FREEZE_USAGE;
	}

	char state;
	uint64_t f[10];
	if (proc_stat(pid, &state, f, 10)) {
		freeze_error("no process %d%s", (int)pid,
			     errno == ENOENT ? ": check the PID (ps, pgrep)" : "");
		return FREEZE_NOPROC;
	}
	if (f[9] & PF_KTHREAD) {
		freeze_error("process %d is a kernel thread", (int)pid);
		return FREEZE_REFUSED;
	}
	if (state == 'Z' && status_field(pid, "Threads") > 1) {
		/* pthread_exit() in main: the other threads run on, but the
		 * main thread's registers and kernel state are gone. */
		freeze_error("the main thread of process %d has exited while other threads run: "
			     "not supported", (int)pid);
		return FREEZE_REFUSED;
	}
	if (state == 'Z' || state == 'X') {
		freeze_error("process %d has exited (it is a zombie)", (int)pid);
		return FREEZE_NOPROC;
	}

	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD)) {
		int e = errno;
		if (e == ESRCH) {
			freeze_error("no process %d", (int)pid);
			return FREEZE_NOPROC;
		}
		if (e == EPERM) {
			explain_eperm(pid);
			return FREEZE_PERM;
		}
		freeze_error("ptrace(PTRACE_SEIZE, %d): %s", (int)pid, strerror(e));
		return FREEZE_ERR;
	}
	ctx->attached = 1;
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0)) {
		freeze_error("ptrace(PTRACE_INTERRUPT, %d): %s", (int)pid, strerror(errno));
		freeze_detach(ctx);
		return errno == ESRCH ? FREEZE_NOPROC : FREEZE_ERR;
	}
	int rc = wait_for_trap(ctx, pid);
	if (rc) {
		/* Not in a stop: PTRACE_DETACH would fail; our exit detaches. */
		ptrace(PTRACE_DETACH, pid, 0, 0);
		ctx->attached = 0;
		return rc;
	}
	if (ptrace(PTRACE_GETREGS, pid, 0, &ctx->regs)) {
		freeze_error("ptrace(PTRACE_GETREGS, %d): %s", (int)pid, strerror(errno));
		freeze_detach(ctx);
		return FREEZE_ERR;
	}
	if ((rc = attach_threads(ctx))) {
		freeze_detach(ctx);
		return rc;
	}
	freeze_info(ctx, "attached to process %d, %zu thread%s%s", (int)pid, ctx->ntids,
		    ctx->ntids > 1 ? "s" : "",
		    ctx->was_job_stopped ? " (stopped by job control)" : "");
	return FREEZE_OK;
}

void freeze_detach(struct freeze_ctx *ctx)
{
	if (!ctx->attached)
		return;
	/* -S: a SIGSTOP queued now is acted on as soon as the target runs.
	 * A target stopped by job control before we came stops again by
	 * itself: the kernel re-enters the group stop at detach. */
	if (ctx->opt.stop && !ctx->was_job_stopped && kill(ctx->pid, SIGSTOP))
		freeze_warn("cannot stop process %d: %s", (int)ctx->pid, strerror(errno));
	/* The other threads first: the main thread's detach lets the
	 * group stop (job control, -S) take effect for all of them. */
	for (size_t i = ctx->ntids; i-- > 1;)
		if (ptrace(PTRACE_DETACH, ctx->tids[i], 0, 0) && errno != ESRCH)
			freeze_warn("ptrace(PTRACE_DETACH, thread %d): %s", (int)ctx->tids[i],
				    strerror(errno));
	if (ptrace(PTRACE_DETACH, ctx->pid, 0, 0) && errno != ESRCH)
		freeze_warn("ptrace(PTRACE_DETACH, %d): %s", (int)ctx->pid, strerror(errno));
	ctx->attached = 0;
	freeze_info(ctx, "detached from process %d%s", (int)ctx->pid,
		    ctx->opt.stop || ctx->was_job_stopped ? " (left stopped)" : "");
}

void freeze_reap_threads(struct freeze_ctx *ctx)
{
	/* Traced threads report their death to us; until we collect it the
	 * thread group (and the main thread's exit status for its parent)
	 * is not complete. */
	for (size_t i = 1; i < ctx->ntids; i++)
		for (int k = 0; k < 5000; k++) {
			int status;
			pid_t p = waitpid(ctx->tids[i], &status, __WALL | WNOHANG);
			if ((p == ctx->tids[i] && (WIFEXITED(status) || WIFSIGNALED(status))) ||
			    (p < 0 && errno != EINTR))
				break;
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		}
}
