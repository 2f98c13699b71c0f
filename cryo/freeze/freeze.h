/* The freezer's context and the interfaces between its parts.
 *
 * Flow (main.c): parse options -> attach (attach.c) -> collectors, each
 * appending records through freeze_emit() -> memory collector hands page
 * runs to the image writer -> detach (or kill once durable).
 */
#ifndef CRYO_FREEZE_H
#define CRYO_FREEZE_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/user.h>

#include "../records.h"
#include "../remote_syscall/remote_syscall.h"

/* Exit codes of bin/freeze (documented in README.md and `freeze --help`). */
enum freeze_exit {
	FREEZE_OK = 0,
	FREEZE_ERR = 1,		/* freeze failed; target left running unchanged */
	FREEZE_USAGE = 2,	/* bad command line */
	FREEZE_REFUSED = 3,	/* target holds a resource cryo cannot save faithfully */
	FREEZE_NOPROC = 4,	/* no such process */
	FREEZE_PERM = 5,	/* not allowed to trace the process */
};

struct freeze_opts {
	pid_t pid;
	const char *out;	/* path, or "-" for stdout */
	int kill;		/* -k: SIGKILL the target once the image is durable */
	int stop;		/* -S: leave the target stopped */
	int codec;		/* enum cryo_codec */
	int verbose;		/* -v */
	int quiet;		/* -q */
	uint64_t max_unlinked;	/* --max-unlinked: largest unlinked file/memfd saved */
};

/* A growable byte buffer (hosted). */
struct bytebuf {
	uint8_t *data;
	size_t len, cap;
};
void bytebuf_append(struct bytebuf *b, const void *p, size_t n);
void bytebuf_free(struct bytebuf *b);

/* One mapping as /proc/PID/maps + smaps describe it. */
struct map_entry {
	uint64_t start, end, pgoff;
	int prot;		/* PROT_* */
	int shared;		/* 's' in maps */
	uint64_t vmflags;	/* CRYO_VMA_* flags derived from smaps VmFlags + labels */
	char path[4096];	/* "" for anonymous, "[heap]", "/usr/lib/...", "... (deleted)" */
};

struct freeze_ctx {
	struct freeze_opts opt;
	pid_t pid;
	int attached;		/* ptrace-seized and in a ptrace stop */
	pid_t *tids;		/* every thread, seized and stopped; tids[0] == pid */
	size_t ntids;
	int was_job_stopped;	/* state 'T' before we came */
	struct user_regs_struct regs;	/* as captured, before any remote syscall */
	struct remote remote;	/* remote syscall state (remote_syscall.h) */

	struct map_entry *maps;	/* read after the scratch page is gone */
	size_t nmaps;

	struct bytebuf records;	/* encoded record stream (without END) */
	uint64_t nrecords;
	struct image_writer *writer;
};

/* Report an error about the freeze (one line, "freeze: ..." on stderr). */
void freeze_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void freeze_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* -v output */
void freeze_info(const struct freeze_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* -q: silence freeze_warn() and freeze_info() (util.c). */
void freeze_set_quiet(int quiet);
/* Nonzero once SIGINT, SIGTERM or SIGHUP arrived (main.c).  Long steps
 * (memory collection, writing) check it and fail so the freeze is undone. */
int freeze_interrupted(void);

/* Encode one record (type from desc) onto ctx->records. */
void freeze_emit(struct freeze_ctx *ctx, uint32_t type, const void *rec);

/* attach.c: seize + interrupt every thread (ctx->tids); detach leaves the
 * target as it was (stopped again if it was job-stopped, or stopped if
 * opt.stop). */
int freeze_attach(struct freeze_ctx *ctx);	/* returns enum freeze_exit */
void freeze_detach(struct freeze_ctx *ctx);
/* After SIGKILL: reap the other threads' exits (we trace them). */
void freeze_reap_threads(struct freeze_ctx *ctx);

/* procfs.c: small /proc readers. */
/* Read /proc/PID/name (pid 0: /proc/name) into a malloc'd NUL-terminated
 * buffer; NULL on error. */
char *proc_read(pid_t pid, const char *name, size_t *len);
/* Parse /proc/PID/maps and smaps into ctx->maps. 0 or -1. */
int proc_read_maps(struct freeze_ctx *ctx);
/* /proc/PID/stat: *state = field 3 (may be NULL); f[i] = numeric field i
 * (1-based as in proc(5)) for 3 < i < nf, others 0.  0 or -1. */
int proc_stat(pid_t pid, char *state, uint64_t *f, int nf);
/* The mapping named exactly name ("[vdso]") in /proc/PID/maps: 0, or -1 if none. */
int proc_find_map(pid_t pid, const char *name, uint64_t *start, uint64_t *end);
/* Read target memory (process_vm_readv, else /proc/PID/mem).  0 or -1. */
int proc_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Collectors: each returns an enum freeze_exit (FREEZE_OK to go on).
 * A collector that meets what it cannot save faithfully returns
 * FREEZE_REFUSED after freeze_error() naming the resource. */
int collect_process(struct freeze_ctx *ctx);	/* PROCESS, AUXV, RLIMIT */
int collect_thread(struct freeze_ctx *ctx);	/* THREAD (regs, xstate, rseq, ...) */
int collect_signals(struct freeze_ctx *ctx);	/* SIGACTION x64, SIGPENDING */
int collect_timers(struct freeze_ctx *ctx);	/* ITIMER x3 */
int collect_files(struct freeze_ctx *ctx);	/* FILE, TERMIOS */
/* collect_fd_event.c: one fd if it is an eventfd, timerfd, signalfd, epoll
 * or inotify instance (FILE + companion records; share_fd as in FILE):
 * returns an enum freeze_exit, or -1 if it is none of those. */
int collect_fd_event(struct freeze_ctx *ctx, int fd, const char *link, uint64_t share_fd);
int collect_vdso(struct freeze_ctx *ctx);	/* VDSO */
/* collect_fd_pipe.c, collect_fd_fileobj.c: one fd if it is a pipe or FIFO
 * (FILE + PIPE), an unlinked file or memfd (FILE + FILEOBJ + FILEDATA);
 * f is its FILE record, share_fd set.  An enum freeze_exit, or -1 if it is
 * none of those. */
int collect_fd_pipe(struct freeze_ctx *ctx, struct cryo_file *f, const char *link,
		    const struct stat *st);
int collect_fd_fileobj(struct freeze_ctx *ctx, struct cryo_file *f, const char *link,
		       const struct stat *st);
/* A shared mapping of a memfd or deleted file: 1 if remapped from a saved
 * FILEOBJ (FILEMAP emitted), 0 if not, -(enum freeze_exit) on failure. */
int collect_map_fileobj(struct freeze_ctx *ctx, const struct map_entry *m);
int collect_attrs(struct freeze_ctx *ctx);	/* ATTRS (root, nice, sched, prctl bits) */
int collect_posix_timers(struct freeze_ctx *ctx);	/* POSIX_TIMER per timer_create timer */
int collect_locks(struct freeze_ctx *ctx);	/* LOCK per POSIX/OFD/flock lock held */
int collect_memory(struct freeze_ctx *ctx);	/* VMA records; page data to the writer */

/* writer.c: the output file.  image_open writes the relocated stub ELF
 * (placed at stub_base, chosen from ctx->maps by stub_place()) to a
 * temporary file next to opt.out (or streams to stdout for "-").
 * image_add_chunk takes a malloc'd run of raw pages (ownership passes),
 * compresses it (possibly on a worker thread) and appends a CHUNK record
 * via freeze_emit when it is written.  image_finish writes the record
 * area, END and the trailer, fsyncs and renames.  image_abort removes the
 * temporary file. */
struct image_writer;
uint64_t stub_place(const struct freeze_ctx *ctx);
int image_open(struct freeze_ctx *ctx, uint64_t stub_base);
int image_add_chunk(struct freeze_ctx *ctx, uint64_t vaddr, void *raw, size_t raw_len);
int image_finish(struct freeze_ctx *ctx);
void image_abort(struct freeze_ctx *ctx);

#endif
