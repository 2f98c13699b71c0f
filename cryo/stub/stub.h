/* The restore stub: what its parts share.
 *
 * The stub runs inside app.cryo, freestanding (no libc, no TLS, no rseq),
 * and turns the process that executed the file into the frozen program.
 * docs/restore.md describes the sequence and why it is in that order.
 *
 * One context struct (struct stub) holds everything the steps pass on to
 * each other.  Everything it points to lives in the stub's own memory (its
 * .bss arena) or in the read-only mapping of the image file, both of which
 * the freezer placed where the target has no mapping.
 */
#ifndef CRYO_STUB_H
#define CRYO_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "../records.h"

#define STUB_PAGE 4096ull
#define STUB_PAGE_UP(x) (((x) + STUB_PAGE - 1) & ~(STUB_PAGE - 1))
#define STUB_USER_TOP 0x800000000000ull	/* end of the x86_64 user address space */

/* What the kernel mapped into the stub's process (/proc/self/maps). */
enum self_kind { SELF_OTHER, SELF_VDSO, SELF_VVAR, SELF_VVAR_VCLOCK, SELF_VSYSCALL, SELF_KINDS };

struct self_map {
	uint64_t start, end;
	int kind;
};

/* One FILE record and the descriptor prepared for it before anything was
 * changed (a temporary high fd number, moved into place at the end). */
struct stub_file {
	struct cryo_file rec;
	int tmpfd;
};

struct stub {
	const char *name;		/* program name for messages ("app.cryo") */
	int check_only;			/* --check: validate, change nothing */
	int resume_stopped;		/* --stopped: resume it stopped (SIGSTOP) */

	/* from the kernel-given stack (copied: that stack is unmapped later) */
	uint64_t at_sysinfo_ehdr;	/* the new vdso */
	char execfn[512];		/* AT_EXECFN */

	/* the stub's own extent: its PT_LOAD segments and .bss */
	uint64_t self_start, self_end;

	/* the image file, mapped read-only */
	int img_fd;
	const uint8_t *img;
	uint64_t img_size, img_map_len;
	struct cryo_trailer tr;

	/* decoded records (blobs point into the image mapping) */
	struct cryo_process proc;
	struct cryo_auxv auxv;
	struct cryo_thread thread;	/* the main thread */
	struct cryo_thread *xthread;	/* the other threads (threads.c) */
	size_t nxthread;
	struct cryo_vma *vma;
	int *vma_fd;			/* FILE_SHARED: prepared fd, else -1 */
	size_t nvma;
	struct cryo_chunk *chunk;
	size_t nchunk;
	struct cryo_sigaction *sigact;
	size_t nsigact;
	struct cryo_sigpending *pending;
	size_t npending;
	struct cryo_itimer *itimer;
	size_t nitimer;
	struct cryo_rlimit *rlimit;
	size_t nrlimit;
	struct stub_file *file;
	size_t nfile;
	struct cryo_termios termios;
	int have_termios;
	struct cryo_vdso vdso;
	int have_vdso;
	struct cryo_attrs attrs;	/* ATTRS (attrs.c) */
	int have_attrs;
	struct cryo_posix_timer *ptimer;	/* POSIX_TIMER (posix_timers.c) */
	size_t nptimer;
	struct cryo_lock *lock;		/* LOCK (locks.c) */
	size_t nlock;
	int skip_missing;		/* --skip-missing: a missing file drops its fd */
	int same_pids;			/* --same-pids (samepids.c) */
	int root_fd;			/* O_PATH of the old root if it must be entered, else -1 */

	/* /proc/self/maps as the kernel set the stub up */
	struct self_map *self;
	size_t nself;

	int cwd_fd;			/* O_PATH of the old cwd, opened early */
	int winch;			/* a fd went to a terminal: send SIGWINCH */
	int next_tmpfd;			/* temporary fds are allocated from here up */
	struct fd_event_state *fdev;	/* event-fd records (fd_event.c), NULL if none */
};

/* ---- libc.c: the few libc pieces the stub and libzstd/libz need ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void free(void *p);
/* malloc that dies with a message instead of returning NULL */
void *xmalloc(size_t n);
void *xgrow(void *arr, size_t n, size_t *cap, size_t elem);
/* Unmap the arena: no allocation after this (right before sigreturn). */
void stub_arena_release(void);
/* The canary block FS points at while the stub runs (stub_start.S). */
void stub_tcb_init(const uint8_t random16[16]);

/* ---- print.c: messages on stderr ---- */
void stub_set_name(const char *argv0);
/* Where messages go (2 until step 9 moves the program's fds in). */
void stub_set_err_fd(int fd);
int stub_err_fd(void);
const char *stub_strerror(long err);	/* err: positive errno */
void stub_print(int fd, const char *fmt, ...);
/* "NAME: <msg>" on stderr and exit status 1 */
__attribute__((noreturn)) void stub_fatal(const char *fmt, ...);
/* "NAME: image is corrupt: <msg>", exit status 1 */
__attribute__((noreturn)) void stub_corrupt(const char *fmt, ...);
/* "NAME: warning: <msg>" */
void stub_warn(const char *fmt, ...);
void stub_note(const char *fmt, ...);
__attribute__((noreturn)) void stub_exit(int status);

/* ---- image.c: find, map and validate the image (step 2) ---- */
void image_open(struct stub *s);
/* The target VMA record that contains addr, or NULL. */
const struct cryo_vma *image_vma_at(const struct stub *s, uint64_t addr);
/* 1 if [start, end) overlaps any target VMA. */
int image_overlaps_target(const struct stub *s, uint64_t start, uint64_t end);

/* ---- selfmaps.c ---- */
void selfmaps_read(struct stub *s);
/* A free range of len bytes, clear of the stub, the image mapping, the
 * current mappings and every target VMA; 0 if none. */
uint64_t stub_find_free(const struct stub *s, uint64_t hint, uint64_t len);

/* ---- mm.c: the address space (steps 4-7) ---- */
void mm_check(struct stub *s);		/* step 2: vdso layout and fingerprint */
void mm_teardown(struct stub *s);	/* step 4 */
void mm_move_vdso(struct stub *s);	/* step 5 */
void mm_rebuild(struct stub *s);	/* step 6 */
void mm_set_mm_map(struct stub *s);	/* step 7 */

/* ---- files.c (steps 2 and 9) ---- */
void files_prepare(struct stub *s);	/* open everything, before any change */
void files_install(struct stub *s);	/* move into place, close the rest */
void files_winch_later(struct stub *s);	/* SIGWINCH once the program runs (last) */
int stub_tmpfd(struct stub *s, int fd);	/* move fd to a high temporary number */

/* ---- fd_event.c + fd_*.c: eventfd, timerfd, signalfd, epoll, inotify ---- */
int fd_event_kind(uint64_t kind);	/* 1 for CRYO_FILE_EVENTFD..INOTIFY */
void fd_event_record(struct stub *s, uint32_t type, const void *rec);	/* image.c */
void fd_event_open(struct stub *s, struct stub_file *f);	/* step 2: create, f->tmpfd */
void fd_event_install(struct stub *s);	/* step 9, fds in place: epoll watches, timers */

/* ---- fd_fileobj.c, fd_pipe.c: pipes, FIFOs, unlinked files, memfds ---- */
int fd_obj_kind(uint64_t kind);		/* 1 for CRYO_FILE_PIPE..MEMFD */
void fd_obj_record(struct stub *s, uint32_t type, const void *rec);	/* image.c */
void fd_obj_open(struct stub *s, struct stub_file *f);	/* step 2: f->tmpfd */
/* step 2: a fd for a FILE_SHARED VMA mapping a recreated file, or -1 */
long fd_obj_vma_fd(struct stub *s, const struct cryo_vma *v);
void fd_obj_finish(struct stub *s);	/* end of step 2: modes, seals */

/* ---- task.c: per-process and per-thread kernel state (steps 8, 10) ---- */
void task_restore(struct stub *s);
void task_restore_limits(struct stub *s);
void task_queue_pending(struct stub *s);
void task_register_rseq(struct stub *s);	/* last: the kernel writes it from then on */

/* ---- attrs.c: root, nice, scheduler, prctl bits ---- */
void attrs_prepare(struct stub *s);	/* step 2: open the root, check we may enter it */
void attrs_restore(struct stub *s);	/* after task_restore (needs cwd_fd, root_fd) */
void attrs_restore_late(struct stub *s);	/* after threads_start: policy, nice, dumpable */

/* ---- posix_timers.c ---- */
void posix_timers_restore(struct stub *s);	/* after the handlers and threads_start */

/* ---- locks.c ---- */
void locks_prepare(struct stub *s);	/* step 2, after files_prepare: flock/OFD, probes */
void locks_restore(struct stub *s);	/* after files_install: POSIX locks */

/* ---- threads.c: the program's other threads (step 10) ---- */
/* Clone one stub thread per THREAD record but the main thread's; each
 * puts its own kernel state back, builds its sigreturn frame and waits.
 * Returns once all of them are ready. */
void threads_start(struct stub *s);
/* Let them all sigreturn into the program (from arch_resume). */
void threads_release(void);
/* The new tid of the thread that had tid OLD, or 0 (after threads_start). */
long threads_new_tid(const struct stub *s, uint64_t old);
/* In thread t (any, the main one too): the robust mutexes it holds record
 * its old TID as their owner; make it the new one. */
void threads_fix_robust(struct stub *s, const struct cryo_thread *t);
/* Per-thread pieces shared with the main thread (task.c). */
void task_set_tid_address(struct stub *s, const struct cryo_thread *t);
void task_queue_thread_pending(struct stub *s, const struct cryo_thread *t);

/* ---- arch/x86_64/stub_sigframe.c (steps 2 and 11) ---- */
void arch_check_cpu(const struct stub *s);	/* xstate features and size */
/* One thread's rt_sigreturn frame, built in area (arch_frame_size() bytes,
 * 64-byte aligned); returns what stub_sigreturn takes. */
size_t arch_frame_size(void);
void *arch_build_frame(const struct cryo_thread *t, void *area);
__attribute__((noreturn)) void arch_resume(struct stub *s);

/* ---- samepids.c: --same-pids ---- */
void samepids_prepare(struct stub *s);	/* step 2: can it be done here? */
/* Before step 4: returns in the new process with the old pid (the program
 * to be); the process that ran app.cryo stays its waiting parent. */
void samepids_start(struct stub *s);
/* stub_clone_thread, with the old TID under --same-pids */
int samepids_clone_thread(struct stub *s, void (*fn)(void *), void *arg, void *stack_top,
			  volatile int *tid, uint64_t old_tid);
void samepids_drop_caps(void);	/* each thread, once nothing privileged is left */

#endif
