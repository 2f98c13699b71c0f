/* The record types of a cryo image: one struct per resource kind, and the
 * field table that encodes it.  Shared by the freezer, the stub and the tools.
 *
 * Every record is encoded field by field, fixed-width little-endian, in the
 * order of its field table (never as a raw native struct).  A record may end
 * with one variable-length blob (a path, an xstate area, auxv words...).
 * See docs/format.md for the byte layout; cryo-info prints any record
 * generically from these tables.
 *
 * Freestanding: no libc beyond memcpy/memset (the stub provides those).
 */
#ifndef CRYO_RECORDS_H
#define CRYO_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define CRYO_FORMAT_VERSION 1

enum cryo_rec_type {
	CRYO_REC_PROCESS = 1,	/* struct cryo_process: mm layout, cwd, umask */
	CRYO_REC_AUXV = 2,	/* struct cryo_auxv: blob = auxv as u64 LE words */
	CRYO_REC_THREAD = 3,	/* struct cryo_thread: registers, xstate blob */
	CRYO_REC_VMA = 4,	/* struct cryo_vma: one mapping */
	CRYO_REC_CHUNK = 5,	/* struct cryo_chunk: one compressed memory chunk */
	CRYO_REC_SIGACTION = 6,	/* struct cryo_sigaction: one signal's handler */
	CRYO_REC_SIGPENDING = 7, /* struct cryo_sigpending: one queued signal */
	CRYO_REC_ITIMER = 8,	/* struct cryo_itimer: one of REAL/VIRTUAL/PROF */
	CRYO_REC_RLIMIT = 9,	/* struct cryo_rlimit: one resource limit */
	CRYO_REC_FILE = 10,	/* struct cryo_file: one file descriptor */
	CRYO_REC_TERMIOS = 11,	/* struct cryo_termios: terminal settings */
	CRYO_REC_VDSO = 12,	/* struct cryo_vdso: layout fingerprint */
	CRYO_REC_END = 13,	/* struct cryo_end: last record, counts the others */
	CRYO_REC_ATTRS = 14,	/* struct cryo_attrs: root, nice, scheduler, prctl bits */
	CRYO_REC_POSIX_TIMER = 15, /* struct cryo_posix_timer: one timer_create timer */
	CRYO_REC_LOCK = 16,	/* struct cryo_lock: one POSIX/OFD/flock lock held */
	CRYO_REC_EVENTFD = 17,	/* struct cryo_eventfd: counter of an eventfd FILE */
	CRYO_REC_TIMERFD = 18,	/* struct cryo_timerfd: clock, settings, ticks */
	CRYO_REC_SIGNALFD = 19,	/* struct cryo_signalfd: mask of a signalfd FILE */
	CRYO_REC_EPOLL_ITEM = 20, /* struct cryo_epoll_item: one watch of an epoll FILE */
	CRYO_REC_INOTIFY_WATCH = 21, /* struct cryo_inotify_watch: one inotify watch */
	CRYO_REC_PIPE = 22,	/* struct cryo_pipe: a pipe or FIFO fd, its buffer */
	CRYO_REC_FILEOBJ = 23,	/* struct cryo_fileobj: an unlinked file or memfd fd */
	CRYO_REC_FILEDATA = 24,	/* struct cryo_filedata: contents of a FILEOBJ */
	CRYO_REC_FILEMAP = 25,	/* struct cryo_filemap: a VMA mapping a FILEOBJ */
	CRYO_REC_TYPE_MAX
};

/* The variable-length tail of a record.  When decoding, data points into the
 * decoded buffer (zero copy); it is NOT NUL-terminated unless the writer put
 * a NUL in it (paths are written with their NUL). */
struct cryo_blob {
	const uint8_t *data;
	uint32_t len;
};

/* ---- PROCESS: one per image ------------------------------------------ */
#define CRYO_PROC_JOB_STOPPED 0x1	/* target was stopped by job control */

struct cryo_process {
	uint64_t pid;		/* pid at freeze time (informational) */
	uint64_t flags;		/* CRYO_PROC_* */
	uint64_t umask;
	uint64_t personality;
	/* /proc/PID/stat fields; what PR_SET_MM_MAP takes */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint8_t comm[16];	/* PR_SET_NAME, NUL padded */
	struct cryo_blob cwd;	/* NUL-terminated path */
};

/* ---- AUXV: one per image; blob holds (type, value) u64 LE pairs, AT_NULL last */
struct cryo_auxv {
	uint64_t count;		/* number of u64 words in blob */
	struct cryo_blob words;
};

/* ---- THREAD: one per thread, the main thread (tid == PROCESS pid) first -- */
/* regs[] is in the order of the kernel's struct user_regs_struct on x86_64;
 * arch/x86_64/regs.h names the indices. */
#define CRYO_NREGS 27

struct cryo_thread {
	uint64_t tid;
	uint64_t regs[CRYO_NREGS];
	uint64_t sigmask;	/* blocked signals, bit (sig-1) */
	uint64_t rseq_addr;	/* 0: none registered */
	uint64_t rseq_len;
	uint64_t rseq_sig;
	uint64_t tid_address;	/* set_tid_address / clear_child_tid */
	uint64_t robust_head, robust_len;
	uint64_t ss_sp, ss_flags, ss_size;	/* sigaltstack */
	uint64_t xfeatures;	/* XSTATE_BV in use (header of the blob) */
	uint64_t sched_policy, sched_priority;	/* SCHED_*, rt priority (stat 41, 40) */
	uint64_t nice;		/* stat field 19, as int64 */
	uint8_t comm[16];	/* /proc/PID/task/TID/comm, NUL padded */
	struct cryo_blob xstate;	/* standard-format XSAVE area, as ptrace gives it */
};

/* ---- VMA: one per mapping, in address order --------------------------- */
enum cryo_vma_kind {
	CRYO_VMA_ANON = 1,		/* private anonymous: data in chunks */
	CRYO_VMA_ANON_SHARED = 2,	/* MAP_SHARED|MAP_ANONYMOUS: data in chunks */
	CRYO_VMA_FILE_PRIVATE = 3,	/* private file mapping: contents embedded in chunks */
	CRYO_VMA_FILE_SHARED = 4,	/* shared file mapping: remapped by path at resume */
	CRYO_VMA_VDSO = 5,		/* [vdso]: moved, never copied */
	CRYO_VMA_VVAR = 6,		/* [vvar] */
	CRYO_VMA_VVAR_VCLOCK = 7,	/* [vvar_vclock] (Linux >= 6.13) */
};

/* flags */
#define CRYO_VMA_GROWSDOWN 0x01		/* VmFlags gd: the [stack] grows */
#define CRYO_VMA_DONTFORK 0x02		/* dc */
#define CRYO_VMA_WIPEONFORK 0x04	/* wf */
#define CRYO_VMA_LOCKED 0x08		/* lo */
#define CRYO_VMA_HEAP 0x10		/* labelled [heap] */
#define CRYO_VMA_STACK 0x20		/* labelled [stack] */
#define CRYO_VMA_HUGEPAGE 0x40		/* hg: MADV_HUGEPAGE */
#define CRYO_VMA_NOHUGEPAGE 0x80	/* nh: MADV_NOHUGEPAGE */
#define CRYO_VMA_DONTDUMP 0x100		/* dd */

struct cryo_vma {
	uint64_t start, end;
	uint64_t prot;		/* PROT_READ|PROT_WRITE|PROT_EXEC as in mmap */
	uint64_t kind;		/* enum cryo_vma_kind */
	uint64_t flags;		/* CRYO_VMA_* */
	uint64_t pgoff;		/* file offset in bytes (file mappings) */
	struct cryo_blob path;	/* NUL-terminated; empty for anonymous */
};

/* ---- CHUNK: a run of non-zero pages, compressed alone ------------------ */
enum cryo_codec { CRYO_CODEC_NONE = 0, CRYO_CODEC_ZSTD = 1, CRYO_CODEC_ZLIB = 2 };

struct cryo_chunk {
	uint64_t vaddr;		/* where the raw bytes go; page aligned */
	uint64_t raw_len;	/* page multiple, <= CRYO_CHUNK_MAX */
	uint64_t stored_len;	/* bytes in the file */
	uint64_t file_off;	/* from the start of the file; page aligned for CODEC_NONE */
	uint64_t codec;		/* enum cryo_codec */
	uint64_t crc;		/* crc32c of the stored bytes */
};
#define CRYO_CHUNK_MAX (1u << 20)

/* ---- SIGACTION: one per signal 1..64 except SIGKILL/SIGSTOP ------------ */
struct cryo_sigaction {
	uint64_t signo;
	uint64_t handler;	/* SIG_DFL=0, SIG_IGN=1, or an address */
	uint64_t flags;		/* SA_* as the kernel reports them */
	uint64_t restorer;
	uint64_t mask;
};

/* ---- SIGPENDING: one queued signal ------------------------------------ */
struct cryo_sigpending {
	uint64_t shared;	/* 1: process-wide queue, 0: the thread's */
	uint64_t tid;		/* thread it was queued on (when !shared) */
	uint64_t signo;
	uint64_t siginfo[16];	/* the 128-byte kernel siginfo, as LE words */
};

/* ---- ITIMER ------------------------------------------------------------ */
struct cryo_itimer {
	uint64_t which;		/* ITIMER_REAL=0, VIRTUAL=1, PROF=2 */
	uint64_t interval_sec, interval_usec;
	uint64_t value_sec, value_usec;
};

/* ---- RLIMIT ------------------------------------------------------------ */
struct cryo_rlimit {
	uint64_t resource;
	uint64_t cur, max;	/* RLIM_INFINITY = ~0 */
};

/* ---- FILE: one descriptor ---------------------------------------------- */
enum cryo_file_kind {
	CRYO_FILE_REGULAR = 1,	/* reopened by path, repositioned */
	CRYO_FILE_DIRECTORY = 2,
	CRYO_FILE_CHARDEV = 3,	/* /dev/null, /dev/zero, /dev/urandom...: reopened by path */
	CRYO_FILE_TTY = 4,	/* re-pointed to the terminal that runs the image */
	/* 8..11: objects whose state travels in the image (a PIPE or FILEOBJ
	 * record of the same fd) */
	CRYO_FILE_PIPE = 8,	/* + one PIPE record */
	CRYO_FILE_FIFO = 9,	/* reopened by path (mkfifo if missing) + one PIPE record */
	CRYO_FILE_UNLINKED = 10, /* recreated and unlinked again + one FILEOBJ record */
	CRYO_FILE_MEMFD = 11,	/* recreated with memfd_create + one FILEOBJ record */
	/* 16..20: event descriptors (anon inodes), recreated; their state is in
	 * a companion record of the same fd (kinds 5..15 are left to others) */
	CRYO_FILE_EVENTFD = 16,	/* + one EVENTFD record */
	CRYO_FILE_TIMERFD = 17,	/* + one TIMERFD record */
	CRYO_FILE_SIGNALFD = 18, /* + one SIGNALFD record */
	CRYO_FILE_EPOLL = 19,	/* + one EPOLL_ITEM record per watched fd */
	CRYO_FILE_INOTIFY = 20,	/* + one INOTIFY_WATCH record per watch */
};

struct cryo_file {
	uint64_t fd;
	uint64_t kind;		/* enum cryo_file_kind */
	uint64_t flags;		/* open flags (fdinfo "flags", octal there) without O_CLOEXEC */
	uint64_t cloexec;	/* 1 if FD_CLOEXEC */
	uint64_t pos;		/* file offset */
	uint64_t size;		/* st_size at freeze, to warn when it changed */
	uint64_t mode;		/* st_mode */
	uint64_t rdev;		/* st_rdev for devices */
	uint64_t share_fd;	/* 0, or 1 + a lower fd sharing this one's open file
				 * description (kcmp KCMP_FILE): restored as a dup of it */
	struct cryo_blob path;	/* NUL-terminated, as /proc/PID/fd/N names it */
};

/* ---- TERMIOS: settings of the controlling terminal, if any fd is a tty -- */
struct cryo_termios {
	uint64_t fd;		/* the fd it was read through */
	uint64_t iflag, oflag, cflag, lflag, line;
	uint8_t cc[32];		/* c_cc[], NCCS (19) used, rest zero */
};

/* ---- VDSO: what the freezer saw of the vdso ---------------------------- */
struct cryo_vdso {
	uint64_t fingerprint;	/* cryo_vdso_fingerprint() of the target's vdso */
	uint64_t vdso_size, vvar_size, vvar_vclock_size;
};

/* ---- ATTRS: process attributes beyond PROCESS (at most one) ------------ */
struct cryo_attrs {
	uint64_t nice;		/* getpriority value as a signed 64-bit number (-20..19) */
	uint64_t sched_policy;	/* SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5 (+ RESET_ON_FORK) */
	uint64_t sched_priority;	/* real-time priority (0 for the normal policies) */
	uint64_t no_new_privs;	/* PR_GET_NO_NEW_PRIVS */
	uint64_t dumpable;	/* PR_GET_DUMPABLE: 0, 1 or 2 */
	uint64_t pdeathsig;	/* PR_GET_PDEATHSIG: 0 or a signal number */
	uint64_t child_subreaper;	/* PR_GET_CHILD_SUBREAPER: 0 or 1 */
	struct cryo_blob root;	/* NUL-terminated root directory ("/" usually) */
};

/* ---- POSIX_TIMER: one timer_create() timer --------------------------- */
struct cryo_posix_timer {
	uint64_t id;		/* the timer_t the program holds */
	uint64_t clockid;	/* CLOCK_REALTIME 0, MONOTONIC 1, ..., or a CPU clock */
	uint64_t notify;	/* SIGEV_SIGNAL 0, SIGEV_NONE 1, SIGEV_THREAD_ID 4 */
	uint64_t signo;
	uint64_t notify_tid;	/* SIGEV_THREAD_ID: thread at freeze time */
	uint64_t value;		/* sigev_value (as found in a pending siginfo) */
	uint64_t value_known;	/* 1 if value is the real sigev_value */
	uint64_t interval_sec, interval_nsec;
	uint64_t value_sec, value_nsec;	/* time to the next expiry; 0: disarmed */
};

/* ---- LOCK: one lock held on a file the process has open --------------- */
enum cryo_lock_kind { CRYO_LOCK_POSIX = 1, CRYO_LOCK_FLOCK = 2, CRYO_LOCK_OFD = 3 };

struct cryo_lock {
	uint64_t fd;		/* a descriptor of the locked file (FILE record) */
	uint64_t kind;		/* enum cryo_lock_kind */
	uint64_t type;		/* F_RDLCK 0, F_WRLCK 1 (flock: LOCK_SH / LOCK_EX) */
	uint64_t start;		/* byte range (POSIX, OFD) */
	uint64_t len;		/* 0: to the end of the file */
};

/* ---- event descriptors: companions of a FILE record of the same fd -------
 * Only the first fd of a shared open file description has one (the others
 * are dups of it, FILE share_fd). */
struct cryo_eventfd {
	uint64_t fd;
	uint64_t count;		/* the counter (fdinfo eventfd-count) */
	uint64_t semaphore;	/* 1: EFD_SEMAPHORE */
};

struct cryo_timerfd {
	uint64_t fd;
	uint64_t clockid;	/* CLOCK_* it was created on */
	uint64_t settime_flags;	/* TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET */
	uint64_t interval_sec, interval_nsec;
	/* Time left until the next expiry (0: disarmed), relative; except for
	 * an absolute timer on CLOCK_REALTIME(_ALARM), where it is the absolute
	 * expiry on that clock (wall-clock deadlines keep their meaning). */
	uint64_t value_sec, value_nsec;
	uint64_t ticks;		/* expirations not read yet (TFD_IOC_SET_TICKS) */
};

struct cryo_signalfd {
	uint64_t fd;
	uint64_t sigmask;	/* bit (sig-1) */
};

struct cryo_epoll_item {
	uint64_t epfd;		/* the epoll instance's fd */
	uint64_t tfd;		/* the watched fd number (as given to EPOLL_CTL_ADD) */
	uint64_t events;	/* EPOLL* incl. EPOLLET/ONESHOT/EXCLUSIVE/WAKEUP */
	uint64_t data;		/* epoll_data, as 64 bits */
};

struct cryo_inotify_watch {
	uint64_t fd;		/* the inotify instance's fd */
	uint64_t wd;		/* watch descriptor, kept */
	uint64_t mask;		/* IN_* events | IN_ONESHOT | IN_EXCL_UNLINK */
	uint64_t ino, sdev;	/* the watched inode at freeze (informational) */
	struct cryo_blob path;	/* a path to it, NUL-terminated */
};

/* ---- PIPE: the pipe buffer behind one PIPE or FIFO fd ------------------ */
/* fds with the same id are on one pipe and share one again.  A pipe whose
 * other end belonged to another process comes back with that end closed
 * (EOF / EPIPE), except on fds 0-2, which have id 0: they take the
 * resuming shell's own fd of that number. */
struct cryo_pipe {
	uint64_t fd;
	uint64_t id;		/* st_ino of the pipe at freeze; 0: use the shell's fd */
	uint64_t capacity;	/* F_GETPIPE_SZ */
	struct cryo_blob data;	/* unread bytes, on the lowest fd of the id only */
};

/* ---- FILEOBJ: an unlinked file or memfd behind one fd (or mapping) ----- */
struct cryo_fileobj {
	uint64_t fd;		/* the fd; ~0 for an object only mapped */
	uint64_t id;		/* st_ino at freeze: FILEDATA and FILEMAP name it */
	uint64_t size;		/* st_size */
	uint64_t mode;		/* st_mode (permission bits for the new file) */
	uint64_t memfd;		/* 1: a memfd, name is its NAME */
	uint64_t seals;		/* F_GET_SEALS of a memfd */
	struct cryo_blob name;	/* NUL-terminated: the old path without " (deleted)",
				 * or the memfd's NAME */
};

/* ---- FILEDATA: one run of a FILEOBJ's contents (zero runs omitted) ----- */
struct cryo_filedata {
	uint64_t id;
	uint64_t offset;	/* in the file */
	uint64_t raw_len;	/* bytes at offset, at most CRYO_FILEDATA_MAX */
	uint64_t codec;		/* enum cryo_codec of the blob */
	struct cryo_blob data;	/* raw_len bytes compressed (or raw for CODEC_NONE) */
};
#define CRYO_FILEDATA_MAX (1u << 20)

/* ---- FILEMAP: a shared mapping (VMA kind FILE_SHARED) of a FILEOBJ ----- */
struct cryo_filemap {
	uint64_t start;		/* the VMA's start */
	uint64_t id;
};

/* ---- END: last record ------------------------------------------------- */
struct cryo_end {
	uint64_t records;	/* number of records before this one */
};

/* ---- generic field tables ---------------------------------------------- */
enum cryo_ftype {
	CRYO_F_U64 = 1,		/* count consecutive u64 (count 1 for a scalar) */
	CRYO_F_BYTES = 2,	/* count raw bytes */
};

struct cryo_field {
	const char *name;
	uint16_t off;
	uint8_t type;
	uint16_t count;
};

struct cryo_rec_desc {
	uint32_t type;
	const char *name;
	size_t size;			/* sizeof the struct */
	const struct cryo_field *fields;
	unsigned nfields;
	int blob_off;			/* offsetof the struct cryo_blob, or -1 */
};

/* The descriptor of a record type, or NULL for an unknown type. */
const struct cryo_rec_desc *cryo_rec_desc(uint32_t type);

/* Bytes cryo_rec_encode will write for this record. */
size_t cryo_rec_encoded_size(const struct cryo_rec_desc *d, const void *rec);
/* Encode rec into out (cryo_rec_encoded_size bytes). Returns bytes written. */
size_t cryo_rec_encode(const struct cryo_rec_desc *d, const void *rec, uint8_t *out);
/* Decode a payload into rec (zeroed first).  Blob points into payload.
 * Returns 0, or -1 if the payload is too short or has trailing junk. */
int cryo_rec_decode(const struct cryo_rec_desc *d, const uint8_t *payload, size_t len, void *rec);

/* ---- record stream ----------------------------------------------------- */
/* Each record on disk: u32 type, u32 payload length, u32 crc32c(payload),
 * then the payload. */
#define CRYO_REC_HDR_SIZE 12

struct cryo_rec_iter {
	const uint8_t *p;
	size_t len, off;
};

/* Next record: returns 1 and fills type/payload/len, 0 at the end of the
 * area, -1 on a truncated header or a checksum mismatch. */
int cryo_rec_next(struct cryo_rec_iter *it, uint32_t *type, const uint8_t **payload, size_t *len);

/* ---- trailer: the last CRYO_TRAILER_SIZE bytes of the file -------------- */
#define CRYO_TRAILER_MAGIC "CRYOTRL1"
#define CRYO_TRAILER_SIZE 64

struct cryo_trailer {
	uint8_t magic[8];
	uint32_t version;	/* CRYO_FORMAT_VERSION of the writer */
	uint32_t flags;		/* 0 */
	uint64_t data_off;	/* first byte of the chunk data area */
	uint64_t records_off;	/* the record area, after the data area */
	uint64_t records_len;
	uint64_t file_size;	/* whole file, trailer included */
	uint32_t records_crc;	/* crc32c of the record area */
	uint32_t reserved[3];
	uint32_t trailer_crc;	/* crc32c of the 60 bytes before it */
};

void cryo_trailer_encode(const struct cryo_trailer *t, uint8_t out[CRYO_TRAILER_SIZE]);
/* Decode and check magic and trailer_crc.  Returns 0, -1 bad magic,
 * -2 bad checksum, -3 newer format version (t->version says which). */
int cryo_trailer_decode(const uint8_t in[CRYO_TRAILER_SIZE], struct cryo_trailer *t);

#endif
