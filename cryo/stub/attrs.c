/* ATTRS: the root directory, nice, scheduling policy, no_new_privs,
 * dumpable, the parent death signal and the child subreaper bit.
 *
 * The root is checked in step 2 (a process that cannot enter it must not
 * be half-restored) and entered after task_restore, once every path has
 * been opened: the image's paths are as the freezer saw them, from the
 * outer root.  The rest are warnings when refused (an unprivileged
 * process cannot lower its nice value or take a real-time policy): the
 * program runs, a little less favoured than it was. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/sched.h>

#define CAP_SYS_CHROOT 18
#define CAP_VERSION_3 0x20080522
#define PRIO_PROCESS 0

struct cap_header { uint32_t version; int32_t pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

static int may_chroot(void)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];
	if (sys_failed(sys2(__NR_capget, &h, d)))
		return 0;
	return (d[0].effective >> CAP_SYS_CHROOT) & 1;
}

void attrs_prepare(struct stub *s)
{
	s->root_fd = -1;
	if (!s->have_attrs)
		return;
	const char *root = (const char *)s->attrs.root.data;
	if (!strcmp(root, "/"))
		return;	/* the resumer's root, whatever it is (a chroot too) */
	char self[4096];
	long n = sys3(__NR_readlink, "/proc/self/root", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		if (!strcmp(self, root))
			return;	/* already there */
	}
	long fd = sys3(__NR_open, root, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (sys_failed(fd))
		stub_fatal("the program ran with %s as its root directory: cannot open it here: %s",
			   root, stub_strerror(-fd));
	if (!may_chroot())
		stub_fatal("the program ran with %s as its root directory (chroot): resuming it "
			   "needs the privilege to chroot (CAP_SYS_CHROOT), which this process lacks",
			   root);
	s->root_fd = stub_tmpfd(s, (int)fd);
}

static void enter_root(struct stub *s)
{
	if (s->root_fd < 0)
		return;
	const char *root = (const char *)s->attrs.root.data;
	long r = sys1(__NR_fchdir, s->root_fd);
	if (!sys_failed(r))
		r = sys1(__NR_chroot, ".");
	if (sys_failed(r))
		stub_fatal("cannot enter the root directory %s: %s", root, stub_strerror(-r));
	/* chroot moved nothing but the root: back to the program's cwd. */
	r = sys1(__NR_fchdir, s->cwd_fd);
	if (sys_failed(r))
		stub_fatal("cannot return to the working directory %s: %s",
			   (const char *)s->proc.cwd.data, stub_strerror(-r));
}

static void set_sched(const struct cryo_attrs *a)
{
	long pol = sys1(__NR_sched_getscheduler, 0);
	struct { int32_t prio; } cur = { 0 }, want = { (int32_t)a->sched_priority };
	sys2(__NR_sched_getparam, 0, &cur);
	if ((uint64_t)pol == a->sched_policy && cur.prio == want.prio)
		return;
	long r = sys3(__NR_sched_setscheduler, 0, a->sched_policy, &want);
	if (sys_failed(r))
		stub_warn("cannot restore the scheduling policy %lu (priority %lu): %s",
			  a->sched_policy, a->sched_priority, stub_strerror(-r));
}

static void set_nice(const struct cryo_attrs *a)
{
	long want = (long)(int64_t)a->nice;
	/* The raw getpriority returns 20 - nice (never negative). */
	long cur = 20 - sys2(__NR_getpriority, PRIO_PROCESS, 0);
	if (cur == want)
		return;
	long r = sys3(__NR_setpriority, PRIO_PROCESS, 0, want);
	if (sys_failed(r))
		stub_warn("cannot restore nice %ld (it stays %ld): %s", want, cur,
			  stub_strerror(-r));
}

static void set_prctls(const struct cryo_attrs *a)
{
	long r;
	if (a->no_new_privs && sys_failed(r = sys5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)))
		stub_warn("cannot set no_new_privs: %s", stub_strerror(-r));
	if (a->pdeathsig && sys_failed(r = sys2(__NR_prctl, PR_SET_PDEATHSIG, a->pdeathsig)))
		stub_warn("cannot restore the parent death signal %lu: %s", a->pdeathsig,
			  stub_strerror(-r));
	if (a->child_subreaper &&
	    sys_failed(r = sys2(__NR_prctl, PR_SET_CHILD_SUBREAPER, 1)))
		stub_warn("cannot make the process a child subreaper again: %s", stub_strerror(-r));
}

/* Root and the per-thread bits the other threads must inherit
 * (no_new_privs): before files_install closes cwd_fd and root_fd, and
 * before threads_start. */
void attrs_restore(struct stub *s)
{
	if (!s->have_attrs)
		return;
	enter_root(s);
	set_prctls(&s->attrs);
}

/* Policy and nice are per thread: set on the main thread only once the
 * other threads were created (each sets its own); dumpable last, as a
 * non-dumpable process may no longer read its own /proc/self entries. */
void attrs_restore_late(struct stub *s)
{
	if (!s->have_attrs)
		return;
	set_sched(&s->attrs);
	set_nice(&s->attrs);
	long r;
	/* 2 (suid_dumpable "suidsafe") cannot be set by a process; 1 is ours. */
	if (s->attrs.dumpable == 0 && sys_failed(r = sys2(__NR_prctl, PR_SET_DUMPABLE, 0)))
		stub_warn("cannot make the process non-dumpable: %s", stub_strerror(-r));
}
