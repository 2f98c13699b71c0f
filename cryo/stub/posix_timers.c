/* POSIX_TIMER: the timer_create() timers, with the ids the program holds.
 *
 * execve deleted every timer of the process that runs the image, so the
 * ids are free.  Linux >= 6.17 takes a wanted id in *timerid once
 * prctl(PR_TIMER_CREATE_RESTORE_IDS, ON) is set; before that, ids are
 * handed out incrementally per process, so creating (and deleting)
 * throwaway timers walks the counter up to the id wanted: timers are
 * created in ascending id order for that.
 *
 * Runs after the signal handlers are back and the threads exist (a timer
 * may notify one), while every signal is blocked: an expiry during the restore stays pending and is delivered
 * once the program's own mask is installed. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/prctl.h>
#include <linux/time.h>

#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS 77
#endif
#define RESTORE_IDS_ON 1
#define RESTORE_IDS_OFF 0
#define SIGEV_THREAD_ID 4
#define WALK_MAX (1l << 20)	/* give up walking the id counter after this */

/* The kernel's struct sigevent (64 bytes). */
struct ksigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t pad[11];
};

static void sort_timers(struct stub *s)
{
	for (size_t i = 1; i < s->nptimer; i++)
		for (size_t j = i; j && s->ptimer[j - 1].id > s->ptimer[j].id; j--) {
			struct cryo_posix_timer t = s->ptimer[j];
			s->ptimer[j] = s->ptimer[j - 1];
			s->ptimer[j - 1] = t;
		}
}

static long create(const struct stub *s, const struct cryo_posix_timer *t, int32_t *id)
{
	struct ksigevent ev;
	memset(&ev, 0, sizeof(ev));
	ev.value = t->value;
	ev.signo = (int32_t)t->signo;
	ev.notify = (int32_t)t->notify;
	if (t->notify == SIGEV_THREAD_ID) {
		/* The main thread is the process running the image; another
		 * thread (glibc's SIGEV_THREAD helper) was made by threads_start. */
		long tid = t->notify_tid == s->proc.pid ? 0 : threads_new_tid(s, t->notify_tid);
		ev.tid = (int32_t)(tid ? tid : sys0(__NR_gettid));
	}
	return sys3(__NR_timer_create, t->clockid, &ev, id);
}

/* Without PR_TIMER_CREATE_RESTORE_IDS: create until the id comes up. */
static long create_walking(const struct stub *s, const struct cryo_posix_timer *t, int32_t *id)
{
	for (long n = 0; n < WALK_MAX; n++) {
		long r = create(s, t, id);
		if (sys_failed(r) || (uint64_t)*id >= t->id)
			return r;
		sys1(__NR_timer_delete, *id);
	}
	return 0;
}

static void arm(const struct cryo_posix_timer *t, int32_t id)
{
	struct { int64_t is, ins, vs, vns; } v = {
		(int64_t)t->interval_sec, (int64_t)t->interval_nsec,
		(int64_t)t->value_sec, (int64_t)t->value_nsec,
	};
	/* Expired with its signal still pending (a periodic timer is re-armed
	 * when the signal is taken): arm it for one more interval. */
	if (!v.vs && !v.vns) {
		v.vs = v.is;
		v.vns = v.ins;
	}
	if (!v.vs && !v.vns)
		return;	/* disarmed */
	long r = sys4(__NR_timer_settime, id, 0, &v, 0);
	if (sys_failed(r))
		stub_warn("cannot arm POSIX timer %lu: %s", t->id, stub_strerror(-r));
}

void posix_timers_restore(struct stub *s)
{
	if (!s->nptimer)
		return;
	sort_timers(s);
	int by_id = !sys_failed(sys5(__NR_prctl, PR_TIMER_CREATE_RESTORE_IDS, RESTORE_IDS_ON,
				      0, 0, 0));
	for (size_t i = 0; i < s->nptimer; i++) {
		const struct cryo_posix_timer *t = &s->ptimer[i];
		int32_t id = (int32_t)t->id;
		long r = by_id ? create(s, t, &id) : create_walking(s, t, &id);
		if (sys_failed(r)) {
			stub_warn("cannot create POSIX timer %lu again (clock %ld): %s", t->id,
				  (long)t->clockid, stub_strerror(-r));
			continue;
		}
		if ((uint64_t)id != t->id)
			stub_warn("POSIX timer %lu came back with id %d", t->id, id);
		arm(t, id);
	}
	if (by_id)
		sys5(__NR_prctl, PR_TIMER_CREATE_RESTORE_IDS, RESTORE_IDS_OFF, 0, 0, 0);
}
