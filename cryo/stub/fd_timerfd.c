/* timerfd: created in step 2 (an unusable clock stops the restore while it
 * still can), armed in step 9 so that the time the restore itself takes
 * does not eat into the time left. */
#include "fd_event.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>
#include <linux/time.h>
#include <linux/timerfd.h>

#ifndef CLOCK_REALTIME_ALARM
#define CLOCK_REALTIME_ALARM 8
#endif

long fd_timerfd_open(struct stub *s, const struct stub_file *f)
{
	const struct cryo_timerfd *t = fd_event_find(s->fdev->tfd, s->fdev->ntfd, sizeof(*t),
						     f->rec.fd, "TIMERFD");
	long fd = sys2(__NR_timerfd_create, (long)t->clockid, O_CLOEXEC);
	if (sys_failed(fd))
		stub_fatal("cannot recreate fd %lu (a timerfd on clock %lu): %s", f->rec.fd,
			   t->clockid, stub_strerror(-fd));
	return fd;
}

static void arm(const struct cryo_timerfd *t)
{
	struct { int64_t isec, insec, vsec, vnsec; } its = {
		(int64_t)t->interval_sec, (int64_t)t->interval_nsec,
		(int64_t)t->value_sec, (int64_t)t->value_nsec,
	};
	/* The record holds an absolute expiry only for a wall-clock deadline
	 * (records.h); anything else is the time left, armed relative. */
	int wall = t->clockid == CLOCK_REALTIME || t->clockid == CLOCK_REALTIME_ALARM;
	long flags = 0;
	if (wall && (t->settime_flags & TFD_TIMER_ABSTIME) && (t->value_sec || t->value_nsec))
		flags = (long)(t->settime_flags & (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET));
	long r = sys4(__NR_timerfd_settime, (long)t->fd, flags, &its, 0);
	if (sys_failed(r))
		stub_fatal("cannot arm fd %lu (a timerfd): %s", t->fd, stub_strerror(-r));
	/* after settime, which zeroes the count; 0 is refused by the ioctl */
	if (t->ticks) {
		uint64_t ticks = t->ticks;
		r = sys3(__NR_ioctl, (long)t->fd, TFD_IOC_SET_TICKS, &ticks);
		if (sys_failed(r))
			stub_warn("fd %lu (a timerfd) had %lu unread expirations, which this kernel "
				  "cannot restore (TFD_IOC_SET_TICKS: %s)", t->fd, ticks,
				  stub_strerror(-r));
	}
}

void fd_timerfd_install(struct stub *s)
{
	for (size_t i = 0; i < s->fdev->ntfd; i++)
		arm(&s->fdev->tfd[i]);
}
