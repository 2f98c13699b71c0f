/* LOCK: POSIX record locks, OFD locks and flock() locks.
 *
 * flock and OFD locks belong to the open file description: they are taken
 * in step 2 on the descriptor prepared for the file, and follow it when it
 * moves to its number.  A lock another process took meanwhile then stops
 * the restore while nothing is changed yet.
 * POSIX locks belong to the process and are dropped whenever it closes
 * ANY descriptor of the file, which files_install does (the temporaries):
 * step 2 only checks that nobody holds a conflicting one (F_GETLK), and
 * they are taken after files_install, on the final descriptors. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/errno.h>
#include <linux/fcntl.h>

#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#endif
#define SEEK_SET 0

struct kflock {
	int16_t type, whence;
	int64_t start, len;
	int32_t pid, pad;
};

/* The FILE whose prepared descriptor carries the lock; NULL (said once,
 * in step 2) when that fd is of a kind reopened some other way. */
static const struct stub_file *file_of(const struct stub *s, const struct cryo_lock *l, int say)
{
	for (size_t i = 0; i < s->nfile; i++)
		if (s->file[i].rec.fd == l->fd && s->file[i].tmpfd >= 0)
			return &s->file[i];
	if (say)
		stub_warn("the lock held through fd %lu is not restored (no file reopened by path "
			  "there)", l->fd);
	return NULL;
}

static const char *kind_name(uint64_t kind)
{
	return kind == CRYO_LOCK_POSIX ? "POSIX record" : kind == CRYO_LOCK_FLOCK ? "flock()" : "OFD";
}

static void lock_failed(const struct stub_file *f, const struct cryo_lock *l, long err, int pid)
{
	const char *what = l->type == F_WRLCK ? "write" : "read";
	if (pid > 0)
		stub_fatal("cannot take back the %s %s lock on fd %lu (%s): process %d holds a "
			   "conflicting lock now", kind_name(l->kind), what, l->fd,
			   (const char *)f->rec.path.data, pid);
	stub_fatal("cannot take back the %s %s lock on fd %lu (%s): %s", kind_name(l->kind), what,
		   l->fd, (const char *)f->rec.path.data,
		   err == EAGAIN || err == EACCES || err == EWOULDBLOCK
			   ? "another process holds a conflicting lock now" : stub_strerror(err));
}

void locks_prepare(struct stub *s)
{
	for (size_t i = 0; i < s->nlock; i++) {
		const struct cryo_lock *l = &s->lock[i];
		const struct stub_file *f = file_of(s, l, 1);
		if (!f)
			continue;
		struct kflock fl = { (int16_t)l->type, SEEK_SET, (int64_t)l->start, (int64_t)l->len, 0, 0 };
		long r;
		if (l->kind == CRYO_LOCK_FLOCK) {
			r = sys2(__NR_flock, f->tmpfd, (l->type == F_WRLCK ? LOCK_EX : LOCK_SH) | LOCK_NB);
			if (sys_failed(r))
				lock_failed(f, l, -r, 0);
		} else if (l->kind == CRYO_LOCK_OFD) {
			r = sys3(__NR_fcntl, f->tmpfd, F_OFD_SETLK, &fl);
			if (sys_failed(r))
				lock_failed(f, l, -r, 0);
		} else {
			r = sys3(__NR_fcntl, f->tmpfd, F_GETLK, &fl);
			if (sys_failed(r))
				lock_failed(f, l, -r, 0);
			if (fl.type != F_UNLCK)
				lock_failed(f, l, EAGAIN, fl.pid);
		}
	}
}

void locks_restore(struct stub *s)
{
	for (size_t i = 0; i < s->nlock; i++) {
		const struct cryo_lock *l = &s->lock[i];
		const struct stub_file *f = file_of(s, l, 0);
		if (l->kind != CRYO_LOCK_POSIX || !f)
			continue;
		struct kflock fl = { (int16_t)l->type, SEEK_SET, (int64_t)l->start, (int64_t)l->len, 0, 0 };
		/* Checked free in step 2; only a race can fail here, too late to
		 * back out: say which file, and stop. */
		long r = sys3(__NR_fcntl, (long)l->fd, F_SETLK, &fl);
		if (sys_failed(r))
			lock_failed(f, l, -r, 0);
	}
}
