/* File descriptors.  Everything is opened in step 2, before anything is
 * changed, into temporary high fd numbers: a missing file must stop the
 * restore while the process can still exit cleanly (later its address
 * space is gone).  Step 9 moves them to their numbers and closes every
 * other descriptor the stub had. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/errno.h>
#include <linux/fcntl.h>
#include <asm/signal.h>
#include <linux/mman.h>
#include <asm/stat.h>
#include <asm/ioctls.h>
#include <linux/resource.h>

#define OPEN_STRIP (O_CREAT | O_TRUNC | O_EXCL)
#define STATUS_FLAGS (O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME)
#define SEEK_SET 0

/* The kernel's struct termios (TCGETS/TCSETS), NCCS = 19. */
struct kernel_termios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[19];
};

static int is_tty(long fd)
{
	struct kernel_termios t;
	return !sys_failed(sys3(__NR_ioctl, fd, TCGETS, &t));
}

int stub_tmpfd(struct stub *s, int fd)
{
	if (!s->next_tmpfd)
		return fd;	/* the target's fd numbers are not known yet */
	long r = sys3(__NR_fcntl, fd, F_DUPFD_CLOEXEC, s->next_tmpfd);
	if (sys_failed(r))
		stub_fatal("cannot move a descriptor out of the way (fcntl F_DUPFD: %s)",
			   stub_strerror(-r));
	sys1(__NR_close, fd);
	s->next_tmpfd = (int)r + 1;
	return (int)r;
}

static int dup_tmp(struct stub *s, int fd)
{
	long r = sys3(__NR_fcntl, fd, F_DUPFD_CLOEXEC, s->next_tmpfd);
	if (sys_failed(r))
		stub_fatal("cannot duplicate a descriptor (fcntl F_DUPFD: %s)", stub_strerror(-r));
	s->next_tmpfd = (int)r + 1;
	return (int)r;
}

/* Temporary numbers start above every fd number the image names; raise
 * the soft RLIMIT_NOFILE to the hard one so that they can (the program's
 * own limits come back at the end). */
static void tmpfd_base(struct stub *s)
{
	uint64_t max = 2, need = s->nfile + 3;	/* + image, cwd, slack */
	for (size_t i = 0; i < s->nfile; i++)
		if (s->file[i].rec.fd > max)
			max = s->file[i].rec.fd;
	for (size_t i = 0; i < s->nvma; i++)
		need += s->vma[i].kind == CRYO_VMA_FILE_SHARED;
	struct rlimit rl;
	if (!sys_failed(sys4(__NR_prlimit64, 0, RLIMIT_NOFILE, 0, &rl))) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			sys4(__NR_prlimit64, 0, RLIMIT_NOFILE, &rl, 0);
		}
		if (max + 1 + need > rl.rlim_cur)
			stub_fatal("the program used fd %lu: too close to this system's limit of %lu "
				   "open files", max, (uint64_t)rl.rlim_cur);
	}
	s->next_tmpfd = (int)max + 1;
	s->img_fd = stub_tmpfd(s, s->img_fd);
}

static void open_path(struct stub *s, struct stub_file *f)
{
	const struct cryo_file *r = &f->rec;
	const char *path = (const char *)r->path.data;
	long flags = (long)(r->flags & ~(uint64_t)OPEN_STRIP) | O_CLOEXEC | O_NOCTTY;
	long fd = sys3(__NR_open, path, flags, 0);
	if (fd == -ENOENT && s->skip_missing) {
		/* The user chose to go on without it: the fd stays closed. */
		stub_warn("fd %lu (%s) is missing: dropped, the program finds fd %lu closed",
			  r->fd, path, r->fd);
		f->tmpfd = -1;
		return;
	}
	if (sys_failed(fd))
		stub_fatal("cannot reopen fd %lu (%s): %s%s", r->fd, path, stub_strerror(-fd),
			   fd == -ENOENT ? " (./app.cryo --skip-missing resumes without it)" : "");
	if (r->pos && r->kind != CRYO_FILE_CHARDEV) {
		long p = sys3(__NR_lseek, fd, r->pos, SEEK_SET);
		if (sys_failed(p))
			stub_warn("cannot restore the offset of fd %lu (%s): %s", r->fd, path,
				  stub_strerror(-p));
	}
	struct stat st;
	if (r->kind == CRYO_FILE_REGULAR && !sys_failed(sys2(__NR_fstat, fd, &st)) &&
	    (uint64_t)st.st_size != r->size)
		stub_warn("fd %lu (%s) changed size since the freeze (%lu -> %lu bytes)", r->fd,
			  path, r->size, (uint64_t)st.st_size);
	f->tmpfd = stub_tmpfd(s, (int)fd);
}

/* A descriptor that was on a terminal goes to the terminal that runs the
 * image: the stub's own fd of that number if it is a tty, else any of its
 * fds 0-2 that is, else /dev/tty. */
static void open_tty(struct stub *s, struct stub_file *f)
{
	const struct cryo_file *r = &f->rec;
	long src = -1, opened = -1;
	if (r->fd <= 0x7fffffff && is_tty((long)r->fd))
		src = (long)r->fd;
	for (long fd = 0; src < 0 && fd <= 2; fd++)
		if (is_tty(fd))
			src = fd;
	if (src < 0) {
		opened = sys3(__NR_open, "/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC, 0);
		if (!sys_failed(opened))
			src = opened;
	}
	if (src < 0) {
		/* No terminal at all (a script, a pipe): keep what the stub was given. */
		long fl = sys2(__NR_fcntl, (long)r->fd, F_GETFL);
		if (r->fd <= 0x7fffffff && !sys_failed(fl)) {
			src = (long)r->fd;
		} else {
			opened = sys3(__NR_open, "/dev/null", O_RDWR | O_CLOEXEC, 0);
			if (sys_failed(opened))
				stub_fatal("cannot reopen fd %lu (a terminal): no terminal and no /dev/null",
					   r->fd);
			src = opened;
		}
		stub_warn("fd %lu was a terminal and there is none here", r->fd);
	}

	/* The same open file description as the stub's when the flags agree
	 * (what a shell's children share); else a new one of the same device,
	 * so that e.g. O_NONBLOCK does not leak into the shell's. */
	long fl = sys2(__NR_fcntl, src, F_GETFL);
	uint64_t want = r->flags & (STATUS_FLAGS | O_ACCMODE);
	if (!sys_failed(fl) && ((uint64_t)fl & (STATUS_FLAGS | O_ACCMODE)) != want && is_tty(src)) {
		char path[32] = "/proc/self/fd/";
		char num[12];
		int n = 0;
		long v = src;
		do
			num[n++] = (char)('0' + v % 10);
		while ((v /= 10));
		size_t k = strlen(path);
		while (n)
			path[k++] = num[--n];
		path[k] = 0;
		long fd = sys3(__NR_open, path,
			       (long)(r->flags & ~(uint64_t)OPEN_STRIP) | O_NOCTTY | O_CLOEXEC, 0);
		if (!sys_failed(fd)) {
			f->tmpfd = stub_tmpfd(s, (int)fd);
			if (opened >= 0)
				sys1(__NR_close, opened);
			return;
		}
	}
	f->tmpfd = dup_tmp(s, (int)src);
	if (opened >= 0)
		sys1(__NR_close, opened);
}

static void sort_files(struct stub *s)
{
	for (size_t i = 1; i < s->nfile; i++)
		for (size_t j = i; j && s->file[j - 1].rec.fd > s->file[j].rec.fd; j--) {
			struct stub_file t = s->file[j];
			s->file[j] = s->file[j - 1];
			s->file[j - 1] = t;
		}
}

/* fds that shared one open file description (dup, fork) share it again:
 * one offset, one set of status flags. */
static const struct stub_file *shared_with(const struct stub *s, const struct stub_file *f)
{
	if (!f->rec.share_fd)
		return NULL;
	for (const struct stub_file *o = s->file; o < f; o++)
		if (o->rec.fd == f->rec.share_fd - 1)
			return o;
	stub_corrupt("fd %lu shares an open file with fd %lu, which is not saved before it",
		     f->rec.fd, f->rec.share_fd - 1);
}

void files_prepare(struct stub *s)
{
	tmpfd_base(s);
	sort_files(s);
	/* The stub's own stderr, kept for its messages until the very end. */
	long err = sys3(__NR_fcntl, 2, F_DUPFD_CLOEXEC, s->next_tmpfd);
	if (!sys_failed(err)) {
		s->next_tmpfd = (int)err + 1;
		stub_set_err_fd((int)err);
	}
	for (size_t i = 0; i < s->nfile; i++) {
		const struct stub_file *o = shared_with(s, &s->file[i]);
		if (o && o->tmpfd < 0)
			s->file[i].tmpfd = -1;	/* shares a dropped file (--skip-missing) */
		else if (o)
			s->file[i].tmpfd = dup_tmp(s, o->tmpfd);
		else if (s->file[i].rec.kind == CRYO_FILE_TTY)
			open_tty(s, &s->file[i]);
		else if (fd_event_kind(s->file[i].rec.kind))
			fd_event_open(s, &s->file[i]);
		else if (fd_obj_kind(s->file[i].rec.kind))
			fd_obj_open(s, &s->file[i]);	/* fd_fileobj.c, fd_pipe.c */
		else
			open_path(s, &s->file[i]);
	}

	s->vma_fd = xmalloc((s->nvma + 1) * sizeof(int));
	for (size_t i = 0; i < s->nvma; i++) {
		const struct cryo_vma *v = &s->vma[i];
		s->vma_fd[i] = -1;
		if (v->kind != CRYO_VMA_FILE_SHARED)
			continue;
		long ofd = fd_obj_vma_fd(s, v);	/* a recreated unlinked file or memfd */
		if (ofd >= 0) {
			s->vma_fd[i] = stub_tmpfd(s, (int)ofd);
			continue;
		}
		const char *path = (const char *)v->path.data;
		long fd = sys3(__NR_open, path, (v->prot & PROT_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
		if (sys_failed(fd))
			stub_fatal("cannot reopen the shared mapping at 0x%lx (%s): %s", v->start, path,
				   stub_strerror(-fd));
		s->vma_fd[i] = stub_tmpfd(s, (int)fd);
	}

	const char *cwd = (const char *)s->proc.cwd.data;
	long fd = sys3(__NR_open, cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (sys_failed(fd))
		stub_fatal("cannot return to the working directory %s: %s", cwd, stub_strerror(-fd));
	s->cwd_fd = stub_tmpfd(s, (int)fd);
	fd_obj_finish(s);	/* every fd and mapping of those files is open now */
}

static void close_gap(unsigned first, unsigned last)
{
	if (first > last)
		return;
	if (!sys_failed(sys3(__NR_close_range, first, last, 0)))
		return;
	/* before Linux 5.9: no close_range; the stub's fds are few and low */
	for (unsigned fd = first; fd <= last && fd < 4096; fd++)
		sys1(__NR_close, fd);
}

static void restore_termios(struct stub *s)
{
	long fd = -1;
	if (s->termios.fd <= 0x7fffffff && is_tty((long)s->termios.fd))
		fd = (long)s->termios.fd;
	for (size_t i = 0; fd < 0 && i < s->nfile; i++)
		if (s->file[i].rec.kind == CRYO_FILE_TTY && is_tty((long)s->file[i].rec.fd))
			fd = (long)s->file[i].rec.fd;
	if (fd < 0)
		return;
	/* Only from the foreground: a background job writing the terminal's
	 * settings would get SIGTTOU.
	 *
	 * The process keeps the process group and session of ./app.cryo, not
	 * its old ones (which named its old pid; often it led both, as a
	 * program tmux or a terminal started does): the invoking shell knows
	 * the image as a job in that group, and Ctrl-Z, Ctrl-C, fg and bg
	 * must reach it there.  A program that cached its own group id keeps
	 * a stale one: an interactive bash gives the terminal back to it
	 * (tcsetpgrp) after every foreground job, which then fails and leaves
	 * it in the background: job control inside a resumed bash needs the
	 * same pid (issue 5). */
	int fg = 0;
	long pgrp = sys1(__NR_getpgid, 0);
	if (sys_failed(sys3(__NR_ioctl, fd, TIOCGPGRP, &fg)) || fg != pgrp)
		return;
	struct kernel_termios t;
	memset(&t, 0, sizeof(t));
	t.iflag = (uint32_t)s->termios.iflag;
	t.oflag = (uint32_t)s->termios.oflag;
	t.cflag = (uint32_t)s->termios.cflag;
	t.lflag = (uint32_t)s->termios.lflag;
	t.line = (uint8_t)s->termios.line;
	memcpy(t.cc, s->termios.cc, sizeof(t.cc));
	long r = sys3(__NR_ioctl, fd, TCSETS, &t);
	if (sys_failed(r))
		stub_warn("cannot restore the terminal settings: %s", stub_strerror(-r));
}

void files_install(struct stub *s)
{
	/* s->file is sorted by fd number (files_prepare) */
	int tty = 0;
	for (size_t i = 0; i < s->nfile; i++) {
		const struct stub_file *f = &s->file[i];
		if (f->tmpfd < 0)
			continue;	/* dropped (--skip-missing): closed below */
		long r = sys3(__NR_dup3, f->tmpfd, f->rec.fd, f->rec.cloexec ? O_CLOEXEC : 0);
		if (sys_failed(r))
			stub_fatal("cannot place fd %lu: %s", f->rec.fd, stub_strerror(-r));
		tty |= f->rec.kind == CRYO_FILE_TTY;
	}
	/* Close everything else: the temporaries, the image, and whatever the
	 * stub inherited on numbers the program did not have.  The stub's
	 * stderr stays open for its messages until the sigreturn. */
	unsigned next = 0;
	for (size_t i = 0; i < s->nfile; i++) {
		if (s->file[i].tmpfd < 0)
			continue;	/* dropped: its number is closed with the gap */
		unsigned fd = (unsigned)s->file[i].rec.fd;
		if (fd > next)
			close_gap(next, fd - 1);
		next = fd + 1;
	}
	unsigned err = (unsigned)stub_err_fd();	/* a temporary: above them all */
	if (err >= next) {
		if (err > next)
			close_gap(next, err - 1);
		next = err + 1;
	}
	close_gap(next, ~0u);
	s->img_fd = -1;

	if (s->have_termios)
		restore_termios(s);
	s->winch = tty;
	fd_event_install(s);	/* needs every fd at its number */
}

/* ---- SIGWINCH once the program runs again ------------------------------- */
/* Full-screen programs redraw when told the terminal's size changed, and
 * the terminal that runs the image is not the one they were frozen on.
 * The notice must come as a real resize would: while the program is back
 * in its own code, typically blocked in read() on the terminal, so that the
 * read is interrupted (EINTR without SA_RESTART) and the program redraws
 * at once.  Queued before the final sigreturn, the signal would be handled
 * first and the read re-entered and blocked until the next key.
 *
 * So a short-lived helper thread of the stub waits until the program's
 * thread is blocked in a syscall outside the stub (or 200 ms have passed),
 * sends SIGWINCH to the process and exits.  It blocks every signal (the
 * stub's mask at clone time), so the signal goes to the program's thread;
 * it runs on its own stack in the stub's .bss, which stays mapped, and
 * allocates nothing (the arena is gone by then). */

static struct {
	int pid, tid;
	uint64_t self_start, self_end;
} winch;
static uint8_t winch_stack[16384] __attribute__((aligned(64)));
static volatile int winch_tid;

/* Is the program's thread blocked in a syscall of its own?  Reads
 * /proc/self/task/TID/syscall: "nr args... sp pc", or "running". */
static int program_blocked(void)
{
	char path[48] = "/proc/self/task/", buf[256];
	size_t k = strlen(path);
	char num[12];
	int n = 0, v = winch.tid;
	do
		num[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		path[k++] = num[--n];
	memcpy(path + k, "/syscall", 9);
	long fd = sys3(__NR_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (sys_failed(fd))
		return 1;	/* cannot tell: do not wait */
	long r = sys3(__NR_read, fd, buf, sizeof(buf) - 1);
	sys1(__NR_close, fd);
	if (r <= 0)
		return 1;
	buf[r] = 0;
	if (buf[0] < '0' || buf[0] > '9')
		return 0;	/* "running" (or -1: not in a syscall) */
	const char *last = buf;
	for (const char *p = buf; *p; p++)
		if (*p == ' ' && p[1] && p[1] != '\n')
			last = p + 1;
	uint64_t pc = 0;
	if (last[0] == '0' && last[1] == 'x')
		for (last += 2;; last++) {
			char c = *last;
			if (c >= '0' && c <= '9')
				pc = pc * 16 + (uint64_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				pc = pc * 16 + (uint64_t)(c - 'a' + 10);
			else
				break;
		}
	return pc < winch.self_start || pc >= winch.self_end;
}

static void winch_helper(void *arg)
{
	(void)arg;
	struct { int64_t sec, nsec; } tick = { 0, 2000000 };	/* 2 ms */
	for (int i = 0; i < 100 && !program_blocked(); i++)
		sys2(__NR_nanosleep, &tick, 0);
	sys2(__NR_kill, winch.pid, SIGWINCH);
}

void files_winch_later(struct stub *s)
{
	if (!s->winch)
		return;
	/* Nothing to do for a program that does not handle SIGWINCH. */
	int handled = 0;
	for (size_t i = 0; i < s->nsigact; i++)
		if (s->sigact[i].signo == SIGWINCH && s->sigact[i].handler > 1)
			handled = 1;
	if (!handled)
		return;
	winch.pid = (int)sys0(__NR_getpid);
	winch.tid = (int)sys0(__NR_gettid);
	winch.self_start = s->self_start;
	winch.self_end = s->self_end;
	if (stub_clone_thread(winch_helper, NULL, winch_stack + sizeof(winch_stack), &winch_tid) < 0)
		sys2(__NR_kill, winch.pid, SIGWINCH);	/* at least a late redraw */
}
