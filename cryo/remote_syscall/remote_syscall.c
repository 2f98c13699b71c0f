/* Run a syscall inside a ptrace-stopped target and leave no trace.
 *
 * The target rests in a ptrace stop inside the kernel's get_signal() (the
 * PTRACE_INTERRUPT stop, or a group stop).  One call:
 *
 *   block all signals (PTRACE_SETSIGMASK), point rip at a `syscall`
 *   instruction with orig_rax = -1 (so the kernel's syscall-restart logic,
 *   which runs when get_signal() returns, leaves our registers alone),
 *   PTRACE_SYSCALL to the syscall-entry stop, PTRACE_SYSCALL to the exit
 *   stop (rax holds the result), then PTRACE_INTERRUPT + PTRACE_CONT: the
 *   pending trap stops the target in get_signal() again before it reaches
 *   user space.  There the original registers and mask are put back.
 *
 * Ending every call in a get_signal() stop matters: when the target is
 * finally resumed, the kernel finishes get_signal() and applies the syscall
 * restart (rip -= 2) to a syscall our PTRACE_INTERRUPT cut short.  A
 * syscall-exit stop would return straight to user space with rax =
 * -ERESTARTSYS.  The syscall-stop route (rather than PTRACE_SINGLESTEP)
 * avoids the forced SIGTRAP of single-stepping, which resets a blocked or
 * ignored SIGTRAP's handler to SIG_DFL.
 *
 * remote_init() first "settles" the target with one harmless syscall,
 * without touching the mask: rt_sigsuspend, ppoll, pselect6, epoll_pwait
 * run with a temporary mask and leave the real one in the kernel's
 * saved_sigmask (TIF_RESTORE_SIGMASK); the kernel puts it back when
 * get_signal() returns, and only then is PTRACE_GETSIGMASK the real mask
 * (PTRACE_SETSIGMASK would discard the saved one).  If a signal is pending
 * then, the target stops for its delivery; we let the kernel deliver it
 * (with the original registers, so the handler frame is right) and start
 * over from the handler's first instruction, as if we had come a moment
 * later.
 */
#include "remote_syscall.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_TIMEOUT_NS (5LL * 1000 * 1000 * 1000)
#define SETTLE_TRIES 64
#define SYSCALL_STOP (SIGTRAP | 0x80)	/* PTRACE_O_TRACESYSGOOD */

static void rs_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void rs_error(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "freeze: remote syscall: %s\n", line);
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Wait for the next state change of the tracee.  0 with *status if it
 * stopped; -1 if it died, waitpid failed, or it did not stop in time. */
static int wait_stop(pid_t tid, int *status)
{
	long long start = now_ns();
	for (;;) {
		pid_t p = waitpid(tid, status, __WALL | WNOHANG);
		if (p == tid) {
			if (WIFSTOPPED(*status))
				return 0;
			if (WIFEXITED(*status))
				rs_error("process %d exited (status %d)", (int)tid, WEXITSTATUS(*status));
			else if (WIFSIGNALED(*status))
				rs_error("process %d was killed by signal %d", (int)tid, WTERMSIG(*status));
			return -1;
		}
		if (p < 0 && errno != EINTR) {
			rs_error("waitpid(%d): %s", (int)tid, strerror(errno));
			return -1;
		}
		long long waited = now_ns() - start;
		if (waited > WAIT_TIMEOUT_NS) {
			rs_error("process %d did not stop within 5 s", (int)tid);
			return -1;
		}
		/* The stop normally comes within microseconds: yield first,
		 * then sleep a little. */
		if (waited < 2000000)
			sched_yield();
		else
			nanosleep(&(struct timespec){ 0, 100000 }, NULL);
	}
}

static int is_event_stop(int status)
{
	return (status >> 16) == PTRACE_EVENT_STOP;
}

static int set_regs(struct remote *r, const struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_SETREGS, r->tid, 0, regs)) {
		rs_error("PTRACE_SETREGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int get_regs(struct remote *r, struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_GETREGS, r->tid, 0, regs)) {
		rs_error("PTRACE_GETREGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int set_mask(struct remote *r, uint64_t mask)
{
	if (ptrace(PTRACE_SETSIGMASK, r->tid, sizeof(mask), &mask)) {
		rs_error("PTRACE_SETSIGMASK: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int resume(struct remote *r, int req, int sig)
{
	if (ptrace(req, r->tid, 0, sig)) {
		rs_error("ptrace resume: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Resume with req until the next syscall stop.  A group stop (a SIGSTOP
 * arrived; it stays in effect and is honoured at detach) is resumed past;
 * a SIGSTOP's delivery stop is passed on so it becomes that group stop.
 * Any other signal can only be one our syscall provoked (all others are
 * blocked): it is suppressed and the call fails. */
static int run_to_syscall_stop(struct remote *r, int req)
{
	int sig = 0;
	for (;;) {
		int status;
		if (resume(r, req, sig) || wait_stop(r->tid, &status))
			return -1;
		sig = 0;
		int s = WSTOPSIG(status);
		if (s == SYSCALL_STOP)
			return 0;
		if (is_event_stop(status))
			continue;
		if (s == SIGSTOP) {
			sig = s;
			continue;
		}
		rs_error("unexpected signal %d in process %d during the call", s, (int)r->tid);
		return -1;
	}
}

/* From a syscall-exit stop back to a get_signal() stop, before any user
 * code runs: the pending PTRACE_INTERRUPT trap is taken first. */
static int back_to_trap(struct remote *r)
{
	if (ptrace(PTRACE_INTERRUPT, r->tid, 0, 0)) {
		rs_error("PTRACE_INTERRUPT: %s", strerror(errno));
		return -1;
	}
	int sig = 0;
	for (;;) {
		int status;
		if (resume(r, PTRACE_CONT, sig) || wait_stop(r->tid, &status))
			return -1;
		sig = 0;
		if (is_event_stop(status))
			return 0;
		if (WSTOPSIG(status) == SIGSTOP) {
			sig = SIGSTOP;
			continue;
		}
		rs_error("unexpected stop %#x of process %d", status, (int)r->tid);
		return -1;
	}
}

static void call_regs(const struct remote *r, struct user_regs_struct *regs, long nr,
		      const uint64_t a[6])
{
	*regs = r->saved;
	regs->rip = r->syscall_ip;
	regs->orig_rax = (uint64_t)-1;
	regs->rax = (uint64_t)nr;
	regs->rdi = a[0];
	regs->rsi = a[1];
	regs->rdx = a[2];
	regs->r10 = a[3];
	regs->r8 = a[4];
	regs->r9 = a[5];
}

/* The second half of a call: entry stop -> exit stop -> trap stop, then
 * the original registers and mask back. */
static int finish_call(struct remote *r, long *ret)
{
	struct user_regs_struct regs;
	if (run_to_syscall_stop(r, PTRACE_SYSCALL) || get_regs(r, &regs) || back_to_trap(r))
		goto fail;
	*ret = (long)regs.rax;
	if (set_regs(r, &r->saved) || set_mask(r, r->saved_sigmask))
		return -1;
	return 0;
fail:
	/* Best effort: exact if the target is in a signal stop, close to it
	 * otherwise. */
	set_regs(r, &r->saved);
	set_mask(r, r->saved_sigmask);
	return -1;
}

int remote_syscall(struct remote *r, long *ret, long nr, uint64_t a1, uint64_t a2,
		   uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6)
{
	const uint64_t a[6] = { a1, a2, a3, a4, a5, a6 };
	struct user_regs_struct regs;
	call_regs(r, &regs, nr, a);
	if (set_mask(r, ~0ULL) || set_regs(r, &regs))
		goto restore;
	if (run_to_syscall_stop(r, PTRACE_SYSCALL))
		goto restore;
	return finish_call(r, ret);
restore:
	/* Still in the get_signal() stop: put everything back. */
	set_regs(r, &r->saved);
	set_mask(r, r->saved_sigmask);
	return -1;
}

static void save_rseq(struct remote *r);

/* A signal was dequeued for delivery while we settled: deliver it as the
 * kernel would have, with the original registers, and trap again right
 * after its frame is set up (no user code runs). */
static int deliver_pending(struct remote *r, int sig)
{
	if (set_regs(r, &r->saved))
		return -1;
	if (ptrace(PTRACE_INTERRUPT, r->tid, 0, 0)) {
		rs_error("PTRACE_INTERRUPT: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		int status;
		if (resume(r, PTRACE_CONT, sig) || wait_stop(r->tid, &status))
			return -1;
		if (is_event_stop(status)) {
			/* Delivery may have aborted an rseq critical section. */
			save_rseq(r);
			return get_regs(r, &r->saved);
		}
		sig = WSTOPSIG(status);	/* another one: deliver it too */
	}
}

/* See the top of the file.  Leaves r->saved and r->saved_sigmask exact. */
static int settle(struct remote *r)
{
	static const uint64_t none[6];
	for (int tries = 0; tries < SETTLE_TRIES; tries++) {
		struct user_regs_struct regs;
		call_regs(r, &regs, SYS_getpid, none);
		if (set_regs(r, &regs) || resume(r, PTRACE_SYSCALL, 0))
			return -1;
		int status;
		if (wait_stop(r->tid, &status))
			return -1;
		int s = WSTOPSIG(status);
		if (s == SYSCALL_STOP) {
			/* Entry stop: the real mask is in place now. */
			long ret;
			if (ptrace(PTRACE_GETSIGMASK, r->tid, sizeof(r->saved_sigmask),
				   &r->saved_sigmask)) {
				rs_error("PTRACE_GETSIGMASK: %s", strerror(errno));
				return -1;
			}
			if (set_mask(r, ~0ULL))
				return -1;
			return finish_call(r, &ret);
		}
		if (is_event_stop(status)) {
			/* Group stop: we are back in get_signal(); go again. */
			if (set_regs(r, &r->saved))
				return -1;
			continue;
		}
		if (deliver_pending(r, s))
			return -1;
	}
	rs_error("process %d keeps receiving signals; try again", (int)r->tid);
	return -1;
}

/* Find "0f 05" (syscall) in the target: in its vdso, else in any
 * executable mapping. */
static int find_syscall_insn(struct remote *r)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)r->tid);
	FILE *f = fopen(path, "re");
	if (!f) {
		rs_error("%s: %s", path, strerror(errno));
		return -1;
	}
	uint64_t cand_start[64], cand_end[64];
	int n = 0;
	char line[4352];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e;
		char perms[8];
		int off = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &s, &e, perms, &off) < 3)
			continue;
		if (perms[2] != 'x' || perms[0] != 'r')
			continue;
		int vdso = off && !strncmp(line + off, "[vdso]", 6);
		if (vdso && n > 0) {	/* vdso first */
			cand_start[n] = cand_start[0];
			cand_end[n] = cand_end[0];
			cand_start[0] = s;
			cand_end[0] = e;
			n++;
		} else if (n < 64) {
			cand_start[n] = s;
			cand_end[n] = e;
			n++;
		}
		if (n == 64)
			break;
	}
	fclose(f);

	size_t bufsz = 1 << 16;
	uint8_t *buf = malloc(bufsz);
	if (!buf)
		return -1;
	for (int i = 0; i < n; i++) {
		for (uint64_t a = cand_start[i]; a < cand_end[i]; a += bufsz - 1) {
			size_t len = cand_end[i] - a < bufsz ? cand_end[i] - a : bufsz;
			if (remote_read(r, a, buf, len))
				break;
			for (size_t k = 0; k + 1 < len; k++)
				if (buf[k] == 0x0f && buf[k + 1] == 0x05) {
					r->syscall_ip = a + k;
					free(buf);
					return 0;
				}
		}
	}
	free(buf);
	rs_error("no syscall instruction found in process %d", (int)r->tid);
	return -1;
}

static void save_rseq(struct remote *r)
{
	struct __ptrace_rseq_configuration conf;
	r->rseq_cs_addr = r->rseq_cs = 0;
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, r->tid, sizeof(conf), &conf) <= 0 ||
	    !conf.rseq_abi_pointer)
		return;
	uint64_t addr = conf.rseq_abi_pointer + 8;	/* struct rseq.rseq_cs */
	if (remote_read(r, addr, &r->rseq_cs, 8) == 0)
		r->rseq_cs_addr = addr;
}

int remote_init(struct remote *r, pid_t tid)
{
	memset(r, 0, sizeof(*r));
	r->tid = tid;
	if (ptrace(PTRACE_SETOPTIONS, tid, 0, PTRACE_O_TRACESYSGOOD)) {
		rs_error("PTRACE_SETOPTIONS: %s", strerror(errno));
		return -1;
	}
	if (get_regs(r, &r->saved))
		return -1;
	if (ptrace(PTRACE_GETSIGMASK, tid, sizeof(r->saved_sigmask), &r->saved_sigmask)) {
		rs_error("PTRACE_GETSIGMASK: %s", strerror(errno));
		return -1;
	}
	if (find_syscall_insn(r))
		return -1;
	save_rseq(r);
	if (settle(r)) {
		/* Best effort, as in remote_syscall(). */
		set_regs(r, &r->saved);
		set_mask(r, r->saved_sigmask);
		return -1;
	}
	return 0;
}

int remote_scratch(struct remote *r, size_t len)
{
	if (r->scratch && r->scratch_len >= len)
		return 0;
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t want = (len + pg - 1) / pg * pg;
	long ret;
	if (r->scratch) {
		if (remote_syscall(r, &ret, SYS_munmap, r->scratch, r->scratch_len, 0, 0, 0, 0))
			return -1;
		r->scratch = 0;
		r->scratch_len = 0;
	}
	if (remote_syscall(r, &ret, SYS_mmap, 0, want, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0))
		return -1;
	if ((unsigned long)ret > -4096UL) {
		rs_error("mmap of a scratch page in process %d: %s", (int)r->tid, strerror((int)-ret));
		return -1;
	}
	r->scratch = (uint64_t)ret;
	r->scratch_len = want;
	return 0;
}

int remote_write(struct remote *r, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	if (process_vm_writev(r->tid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)r->tid);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pwrite(fd, buf, len, (off_t)addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

int remote_read(struct remote *r, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	if (process_vm_readv(r->tid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)r->tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

int remote_fini(struct remote *r)
{
	int rc = 0;
	if (r->scratch) {
		long ret;
		if (remote_syscall(r, &ret, SYS_munmap, r->scratch, r->scratch_len, 0, 0, 0, 0) ||
		    ret) {
			rs_error("munmap of the scratch page in process %d failed", (int)r->tid);
			rc = -1;
		}
		r->scratch = 0;
		r->scratch_len = 0;
	}
	if (r->rseq_cs_addr) {
		uint64_t now;
		if (remote_read(r, r->rseq_cs_addr, &now, 8) == 0 && now != r->rseq_cs &&
		    remote_write(r, r->rseq_cs_addr, &r->rseq_cs, 8)) {
			rs_error("cannot restore the rseq area of process %d", (int)r->tid);
			rc = -1;
		}
	}
	if (set_regs(r, &r->saved) || set_mask(r, r->saved_sigmask))
		rc = -1;
	return rc;
}
