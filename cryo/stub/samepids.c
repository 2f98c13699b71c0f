/* --same-pids: the program gets back its original PID and its threads
 * their original TIDs (docs/restore.md, "Original PIDs").
 *
 * A PID is chosen only when a process is created (clone3 with set_tid), so
 * the process that ran app.cryo cannot become the program itself: right
 * before the first change (step 4) it creates a child with the old PID,
 * which carries on with the restore and becomes the program, and itself
 * stays behind as a thin parent (forward_loop): it closes every fd,
 * forwards the signals sent to it, mirrors the program's stops for the
 * shell's job control and exits with the program's status (or dies of its
 * signal).
 *
 * Two ways to own the PID:
 *  - direct: with CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN (root), clone3
 *    set_tid in the current pid namespace.  The PID and every thread's TID
 *    must be free here; that is checked before anything changes.
 *  - namespace (everyone else): a new user namespace mapping only the
 *    user's own uid and gid (getuid() is unchanged; the user owns it and so
 *    has CAP_CHECKPOINT_RESTORE in it), a new pid namespace whose PID 1 is a
 *    tiny reaper (ns_init), and a new mount namespace where /proc is the new
 *    pid namespace's, so /proc/self is the program's.  If the old PID was 1
 *    the program is that namespace's init itself.
 * Threads: clone3 CLONE_THREAD with set_tid = the old TID (clone_thread).
 */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/sched.h>
#include <linux/capability.h>
#include <linux/wait.h>
#include <linux/mount.h>
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/resource.h>
#include <asm/signal.h>

#define SI_KERNEL 0x80
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLONE_WORKER (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
		      CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static int mode;		/* 0 off, 1 direct, 2 namespace */
static struct __user_cap_data_struct caps0[2];	/* the stub's own, before the namespace */

struct ksiginfo {
	int32_t signo, err, code, pad;
	int32_t pid, uid, status, pad2;
	uint64_t rest[12];
};

struct ksigaction {
	uint64_t handler, flags, restorer, mask;
};

static long clone3(struct clone_args *a)
{
	return sys2(__NR_clone3, a, sizeof(*a));
}

/* long samepids_clone3_thread(struct clone_args *a, size_t size, fn, arg):
 * the child runs fn(arg) on a->stack + a->stack_size and exits. */
long samepids_clone3_thread(struct clone_args *a, size_t size, void (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl samepids_clone3_thread\n"
	".type samepids_clone3_thread, @function\n"
	"samepids_clone3_thread:\n"
	"	push %r12\n"
	"	push %r13\n"
	"	mov %rdx, %r12\n"
	"	mov %rcx, %r13\n"
	"	mov $" "435" ", %eax\n"	/* __NR_clone3 */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	mov %r13, %rdi\n"
	"	call *%r12\n"
	"	mov $60, %eax\n"	/* __NR_exit */
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	ud2\n"
	"1:	pop %r13\n"
	"	pop %r12\n"
	"	ret\n"
	".size samepids_clone3_thread, .-samepids_clone3_thread\n");

static void set_dfl(int sig)
{
	struct ksigaction ka = { 0, 0, 0, 0 };	/* SIG_DFL */
	sys4(__NR_rt_sigaction, sig, &ka, 0, 8);
}

static void probe_ns(void);

/* Any thread's old TID still taken in this pid namespace? */
static void check_free(const struct stub *s, uint64_t tid, const char *what)
{
	if (tid == (uint64_t)sys0(__NR_getpid))
		stub_fatal("--same-pids: %s %lu is this ./app.cryo process's own, which cannot "
			   "hand it on: run it again (nothing was changed)", what, tid);
	long r = sys2(__NR_kill, (long)tid, 0);
	if (r != -3)	/* ESRCH: free */
		stub_fatal("--same-pids: %s %lu is in use by another process here; "
			   "it cannot be given back (nothing was changed)", what, tid);
	(void)s;
}

void samepids_prepare(struct stub *s)
{
	if (!s->same_pids)
		return;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	if (sys_failed(sys2(__NR_capget, &h, caps0)))
		stub_fatal("--same-pids: cannot read its capabilities");
	int cr = !!(caps0[1].effective & (1u << (40 - 32)));	/* CAP_CHECKPOINT_RESTORE */
	int sa = !!(caps0[0].effective & (1u << 21));		/* CAP_SYS_ADMIN */
	mode = cr || sa ? 1 : 2;
	/* clone3 (Linux 5.3) with set_tid (5.5): ENOSYS or E2BIG/EINVAL. */
	struct clone_args probe = { 0 };
	long r = sys2(__NR_clone3, &probe, 0);	/* too small: EINVAL, never a process */
	if (r == -38)
		stub_fatal("--same-pids: this kernel has no clone3 (Linux 5.5 or later is needed)");
	if (mode == 1) {
		check_free(s, s->proc.pid, "pid");
		for (size_t i = 0; i < s->nxthread; i++)
			check_free(s, s->xthread[i].tid, "thread id");
	} else {
		probe_ns();
	}
}

/* ---- the parent left behind -------------------------------------------- */

/* Hold no descriptor of the program's (a pipe's reader must see EOF). */
static void close_all(void)
{
	if (sys_failed(sys3(__NR_close_range, 0, ~0u, 0)))	/* before Linux 5.9 */
		for (int fd = 0; fd < 65536; fd++)
			sys1(__NR_close, fd);
}

static void mirror_stop(int sig)
{
	uint64_t one = 1ull << (sig - 1), all = ~0ull, rest = ~one;
	struct { int64_t s, ns; } zero = { 0, 0 };
	struct ksiginfo si;
	if (sig != SIGSTOP) {
		/* drop what is queued already (the terminal's SIGTSTP): one stop */
		while (sys4(__NR_rt_sigtimedwait, &one, &si, &zero, 8) == sig)
			;
		set_dfl(sig);
	}
	sys2(__NR_kill, sys0(__NR_getpid), sig);
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &rest, 0, 8);	/* stops here */
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &all, 0, 8);
}

__attribute__((noreturn)) static void die_like(int sig)
{
	struct rlimit no = { 0, 0 };
	sys4(__NR_prlimit64, 0, RLIMIT_CORE, &no, 0);	/* the program dumped already */
	set_dfl(sig);
	sys2(__NR_kill, sys0(__NR_getpid), sig);
	uint64_t rest = ~(1ull << (sig - 1));
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &rest, 0, 8);
	stub_exit(128 + sig);
}

__attribute__((noreturn)) static void forward_loop(long child, long init)
{
	uint64_t all = ~0ull;
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &all, 0, 8);
	set_dfl(SIGCHLD);	/* an inherited SIG_IGN would reap the program unseen */
	close_all();
	for (;;) {
		struct ksiginfo si;
		long sig = sys4(__NR_rt_sigtimedwait, &all, &si, 0, 8);
		if (sys_failed(sig))
			continue;
		if (sig != SIGCHLD) {
			/* From the terminal (SI_KERNEL) it reached the program's
			 * process group already; anything else was meant for it. */
			if (si.code != SI_KERNEL)
				sys2(__NR_kill, child, sig);
			continue;
		}
		for (;;) {
			struct ksiginfo w;
			memset(&w, 0, sizeof(w));
			long r = sys5(__NR_waitid, P_PID, child, &w,
				      WEXITED | WSTOPPED | WCONTINUED | WNOHANG, 0);
			if (sys_failed(r) || !w.pid)
				break;
			if (w.code == CLD_EXITED || w.code == CLD_KILLED || w.code == CLD_DUMPED) {
				if (init > 0) {
					struct ksiginfo x;
					sys2(__NR_kill, init, SIGKILL);
					sys5(__NR_waitid, P_PID, init, &x, WEXITED, 0);
				}
				if (w.code == CLD_EXITED)
					stub_exit(w.status);
				die_like(w.status);
			}
			if (w.code == CLD_STOPPED)
				mirror_stop(w.status);
		}
		if (init > 0) {	/* the namespace's init died: so did the program */
			struct ksiginfo w;
			memset(&w, 0, sizeof(w));
			long r = sys5(__NR_waitid, P_PID, init, &w, WEXITED | WNOHANG, 0);
			if (!sys_failed(r) && w.pid)
				init = 0;
		}
	}
}

/* PID 1 of the new pid namespace: reaps orphans until the parent dies. */
__attribute__((noreturn)) static void ns_init(void)
{
	sys2(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL);
	close_all();
	uint64_t all = ~0ull;
	for (;;) {
		struct ksiginfo si;
		long sig = sys4(__NR_rt_sigtimedwait, &all, &si, 0, 8);
		if (sig == SIGCHLD)
			while (sys4(__NR_wait4, -1, 0, WNOHANG | __WALL, 0) > 0)
				;
	}
}

static void write_file(const char *path, const char *text)
{
	long fd = sys3(__NR_open, path, O_WRONLY | O_CLOEXEC, 0);
	long r = fd;
	if (!sys_failed(fd)) {
		r = sys3(__NR_write, fd, text, strlen(text));
		sys1(__NR_close, fd);
	}
	if (sys_failed(r))
		stub_fatal("--same-pids: cannot write %s: %s (nothing was changed)", path,
			   stub_strerror(-r));
}

static char *utoa(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	*p = 0;
	return p;
}

static void id_map(const char *path, uint64_t id)
{
	char buf[64], *p = buf;
	p = utoa(p, id);
	*p++ = ' ';
	p = utoa(p, id);
	*p++ = ' ';
	*p++ = '1';
	*p++ = '\n';
	*p = 0;
	write_file(path, buf);
}

/* The stub's process into a new user namespace mapping its own ids. */
static void user_ns(void)
{
	uint64_t uid = (uint64_t)sys0(__NR_geteuid), gid = (uint64_t)sys0(__NR_getegid);
	long r = sys1(__NR_unshare, CLONE_NEWUSER);
	if (sys_failed(r))
		stub_fatal("--same-pids: cannot create a user namespace: %s (unprivileged "
			   "user namespaces are disabled here: see "
			   "/proc/sys/user/max_user_namespaces, kernel.unprivileged_userns_clone or "
			   "AppArmor's kernel.apparmor_restrict_unprivileged_userns; as root it "
			   "needs none; nothing was changed)", stub_strerror(-r));
	id_map("/proc/self/uid_map", uid);
	write_file("/proc/self/setgroups", "deny");
	id_map("/proc/self/gid_map", gid);
}

static void mount_proc(void)
{
	long r = sys5(__NR_mount, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
	if (sys_failed(r))
		stub_fatal("--same-pids: cannot mount /proc for the new pid namespace: "
			   "%s (nothing was changed)", stub_strerror(-r));
}

/* Step 2: try the namespaces in a throwaway child (and grandchild, PID 1
 * of a new pid namespace, which mounts its /proc); it says why not. */
static void probe_ns(void)
{
	struct clone_args a = { 0 };
	a.exit_signal = SIGCHLD;
	long c = clone3(&a);
	if (c == 0) {
		user_ns();
		long r = sys1(__NR_unshare, CLONE_NEWPID | CLONE_NEWNS);
		if (sys_failed(r))
			stub_fatal("--same-pids: cannot create pid and mount namespaces: %s "
				   "(nothing was changed)", stub_strerror(-r));
		long g = clone3(&a);
		if (g == 0) {
			mount_proc();
			stub_exit(0);
		}
		int st = 1;
		if (!sys_failed(g))
			sys4(__NR_wait4, g, &st, 0, 0);
		stub_exit(st == 0 ? 0 : 1);
	}
	int st = 1;
	if (sys_failed(c))
		stub_fatal("--same-pids: cannot fork to try the namespaces: %s", stub_strerror(-c));
	sys4(__NR_wait4, c, &st, 0, 0);
	if (st != 0)
		stub_exit(1);	/* the child said why */
}

/* Returns in the child that becomes the program; the parent never returns. */
void samepids_start(struct stub *s)
{
	if (!mode)
		return;
	uint64_t set_tid = s->proc.pid;
	struct clone_args a = { 0 };
	a.exit_signal = SIGCHLD;
	long init = 0;
	if (mode == 2) {
		long r;
		user_ns();
		a.flags = CLONE_NEWNS;
		if (set_tid == 1) {
			a.flags |= CLONE_NEWPID;	/* the program is that namespace's init */
		} else {
			struct clone_args ia = { 0 };
			ia.flags = CLONE_NEWPID;
			ia.exit_signal = SIGCHLD;
			init = clone3(&ia);
			if (init == 0)
				ns_init();
			if (sys_failed(init))
				stub_fatal("--same-pids: cannot create a pid namespace: %s (nothing was "
					   "changed)", stub_strerror(-init));
			char path[48] = "/proc/", *p = path + 6;
			p = utoa(p, (uint64_t)init);
			memcpy(p, "/ns/pid", 8);
			long fd = sys3(__NR_open, path, O_RDONLY | O_CLOEXEC, 0);
			r = sys_failed(fd) ? fd : sys2(__NR_setns, fd, CLONE_NEWPID);
			if (!sys_failed(fd))
				sys1(__NR_close, fd);
			if (sys_failed(r)) {
				sys2(__NR_kill, init, SIGKILL);
				stub_fatal("--same-pids: cannot enter the new pid namespace: %s (nothing "
					   "was changed)", stub_strerror(-r));
			}
		}
	}
	if (!(a.flags & CLONE_NEWPID)) {
		a.set_tid = (uint64_t)&set_tid;
		a.set_tid_size = 1;
	}
	long child = clone3(&a);
	if (child == 0) {
		if (mode == 2) {
			mount_proc();	/* of the new pid namespace: /proc/self is the program */
		}
		return;
	}
	if (sys_failed(child)) {
		if (init > 0)
			sys2(__NR_kill, init, SIGKILL);
		if (child == -17)
			stub_fatal("--same-pids: pid %lu is in use by another process here; it cannot "
				   "be given back (nothing was changed)", s->proc.pid);
		if (child == -1)
			stub_fatal("--same-pids: not permitted to choose the pid here (clone3 set_tid "
				   "needs CAP_CHECKPOINT_RESTORE in the pid namespace's user namespace; "
				   "nothing was changed)");
		stub_fatal("--same-pids: cannot create the process with pid %lu: %s (nothing was "
			   "changed)", s->proc.pid, stub_strerror(-child));
	}
	forward_loop(child, init);
}

int samepids_clone_thread(struct stub *s, void (*fn)(void *), void *arg, void *stack_top,
			  volatile int *tid, uint64_t old_tid)
{
	if (!mode)
		return stub_clone_thread(fn, arg, stack_top, tid);
	uint64_t set_tid = old_tid;
	uint64_t top = ((uint64_t)stack_top & ~15ull);
	struct clone_args a = { 0 };
	a.flags = CLONE_WORKER;
	a.parent_tid = a.child_tid = (uint64_t)tid;
	a.stack = top - 4096;	/* the child starts at stack + stack_size */
	a.stack_size = 4096;
	a.set_tid = (uint64_t)&set_tid;
	a.set_tid_size = 1;
	long r = -17;
	/* EEXIST: a decompression worker that just exited may hold it a moment */
	for (int n = 0; n < 200 && r == -17; n++) {
		r = samepids_clone3_thread(&a, sizeof(a), fn, arg);
		if (r == -17) {
			struct { int64_t s, ns; } ms = { 0, 1000000 };
			sys2(__NR_nanosleep, &ms, 0);
		}
	}
	if (r == -17)
		stub_fatal("thread id %lu is in use by another process: --same-pids cannot give "
			   "it back", old_tid);
	(void)s;
	return (int)r;
}

/* In the namespace the program got every capability in it: give back the
 * stub's own (each thread its own, once nothing privileged is left). */
void samepids_drop_caps(void)
{
	if (mode != 2)
		return;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memcpy(d, caps0, sizeof(d));
	long r = sys2(__NR_capset, &h, d);
	if (sys_failed(r))
		stub_warn("--same-pids: cannot drop the namespace's capabilities: %s",
			  stub_strerror(-r));
}
