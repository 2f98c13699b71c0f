/* Field tables and the generic encoder/decoder for cryo records.
 * Freestanding: used by the stub as well as the freezer and tools. */
#include "records.h"
#include "crc32c.h"
#include "le.h"

#include <string.h>

#define U64(T, m) { #m, offsetof(struct T, m), CRYO_F_U64, sizeof(((struct T *)0)->m) / 8 }
#define BYTES(T, m) { #m, offsetof(struct T, m), CRYO_F_BYTES, sizeof(((struct T *)0)->m) }
#define DESC(TYPE, T, blob) \
	{ TYPE, #T, sizeof(struct T), T##_fields, sizeof(T##_fields) / sizeof(T##_fields[0]), blob }
#define BLOB(T, m) ((int)offsetof(struct T, m))
#define NOBLOB (-1)

static const struct cryo_field cryo_process_fields[] = {
	U64(cryo_process, pid), U64(cryo_process, flags), U64(cryo_process, umask),
	U64(cryo_process, personality), U64(cryo_process, start_code),
	U64(cryo_process, end_code), U64(cryo_process, start_data), U64(cryo_process, end_data),
	U64(cryo_process, start_brk), U64(cryo_process, brk), U64(cryo_process, start_stack),
	U64(cryo_process, arg_start), U64(cryo_process, arg_end), U64(cryo_process, env_start),
	U64(cryo_process, env_end), BYTES(cryo_process, comm),
};
static const struct cryo_field cryo_auxv_fields[] = { U64(cryo_auxv, count) };
static const struct cryo_field cryo_thread_fields[] = {
	U64(cryo_thread, tid), U64(cryo_thread, regs), U64(cryo_thread, sigmask),
	U64(cryo_thread, rseq_addr), U64(cryo_thread, rseq_len), U64(cryo_thread, rseq_sig),
	U64(cryo_thread, tid_address), U64(cryo_thread, robust_head), U64(cryo_thread, robust_len),
	U64(cryo_thread, ss_sp), U64(cryo_thread, ss_flags), U64(cryo_thread, ss_size),
	U64(cryo_thread, xfeatures), U64(cryo_thread, sched_policy),
	U64(cryo_thread, sched_priority), U64(cryo_thread, nice), BYTES(cryo_thread, comm),
};
static const struct cryo_field cryo_vma_fields[] = {
	U64(cryo_vma, start), U64(cryo_vma, end), U64(cryo_vma, prot), U64(cryo_vma, kind),
	U64(cryo_vma, flags), U64(cryo_vma, pgoff),
};
static const struct cryo_field cryo_chunk_fields[] = {
	U64(cryo_chunk, vaddr), U64(cryo_chunk, raw_len), U64(cryo_chunk, stored_len),
	U64(cryo_chunk, file_off), U64(cryo_chunk, codec), U64(cryo_chunk, crc),
};
static const struct cryo_field cryo_sigaction_fields[] = {
	U64(cryo_sigaction, signo), U64(cryo_sigaction, handler), U64(cryo_sigaction, flags),
	U64(cryo_sigaction, restorer), U64(cryo_sigaction, mask),
};
static const struct cryo_field cryo_sigpending_fields[] = {
	U64(cryo_sigpending, shared), U64(cryo_sigpending, tid), U64(cryo_sigpending, signo),
	U64(cryo_sigpending, siginfo),
};
static const struct cryo_field cryo_itimer_fields[] = {
	U64(cryo_itimer, which), U64(cryo_itimer, interval_sec), U64(cryo_itimer, interval_usec),
	U64(cryo_itimer, value_sec), U64(cryo_itimer, value_usec),
};
static const struct cryo_field cryo_rlimit_fields[] = {
	U64(cryo_rlimit, resource), U64(cryo_rlimit, cur), U64(cryo_rlimit, max),
};
static const struct cryo_field cryo_file_fields[] = {
	U64(cryo_file, fd), U64(cryo_file, kind), U64(cryo_file, flags), U64(cryo_file, cloexec),
	U64(cryo_file, pos), U64(cryo_file, size), U64(cryo_file, mode), U64(cryo_file, rdev),
	U64(cryo_file, share_fd),
};
static const struct cryo_field cryo_termios_fields[] = {
	U64(cryo_termios, fd), U64(cryo_termios, iflag), U64(cryo_termios, oflag),
	U64(cryo_termios, cflag), U64(cryo_termios, lflag), U64(cryo_termios, line),
	BYTES(cryo_termios, cc),
};
static const struct cryo_field cryo_vdso_fields[] = {
	U64(cryo_vdso, fingerprint), U64(cryo_vdso, vdso_size), U64(cryo_vdso, vvar_size),
	U64(cryo_vdso, vvar_vclock_size),
};
static const struct cryo_field cryo_eventfd_fields[] = {
	U64(cryo_eventfd, fd), U64(cryo_eventfd, count), U64(cryo_eventfd, semaphore),
};
static const struct cryo_field cryo_timerfd_fields[] = {
	U64(cryo_timerfd, fd), U64(cryo_timerfd, clockid), U64(cryo_timerfd, settime_flags),
	U64(cryo_timerfd, interval_sec), U64(cryo_timerfd, interval_nsec),
	U64(cryo_timerfd, value_sec), U64(cryo_timerfd, value_nsec), U64(cryo_timerfd, ticks),
};
static const struct cryo_field cryo_signalfd_fields[] = {
	U64(cryo_signalfd, fd), U64(cryo_signalfd, sigmask),
};
static const struct cryo_field cryo_epoll_item_fields[] = {
	U64(cryo_epoll_item, epfd), U64(cryo_epoll_item, tfd), U64(cryo_epoll_item, events),
	U64(cryo_epoll_item, data),
};
static const struct cryo_field cryo_inotify_watch_fields[] = {
	U64(cryo_inotify_watch, fd), U64(cryo_inotify_watch, wd), U64(cryo_inotify_watch, mask),
	U64(cryo_inotify_watch, ino), U64(cryo_inotify_watch, sdev),
};
static const struct cryo_field cryo_pipe_fields[] = {
	U64(cryo_pipe, fd), U64(cryo_pipe, id), U64(cryo_pipe, capacity),
};
static const struct cryo_field cryo_fileobj_fields[] = {
	U64(cryo_fileobj, fd), U64(cryo_fileobj, id), U64(cryo_fileobj, size),
	U64(cryo_fileobj, mode), U64(cryo_fileobj, memfd), U64(cryo_fileobj, seals),
};
static const struct cryo_field cryo_filedata_fields[] = {
	U64(cryo_filedata, id), U64(cryo_filedata, offset), U64(cryo_filedata, raw_len),
	U64(cryo_filedata, codec),
};
static const struct cryo_field cryo_filemap_fields[] = {
	U64(cryo_filemap, start), U64(cryo_filemap, id),
};
static const struct cryo_field cryo_end_fields[] = { U64(cryo_end, records) };
static const struct cryo_field cryo_attrs_fields[] = {
	U64(cryo_attrs, nice), U64(cryo_attrs, sched_policy), U64(cryo_attrs, sched_priority),
	U64(cryo_attrs, no_new_privs), U64(cryo_attrs, dumpable), U64(cryo_attrs, pdeathsig),
	U64(cryo_attrs, child_subreaper),
};
static const struct cryo_field cryo_posix_timer_fields[] = {
	U64(cryo_posix_timer, id), U64(cryo_posix_timer, clockid), U64(cryo_posix_timer, notify),
	U64(cryo_posix_timer, signo), U64(cryo_posix_timer, notify_tid),
	U64(cryo_posix_timer, value), U64(cryo_posix_timer, value_known),
	U64(cryo_posix_timer, interval_sec), U64(cryo_posix_timer, interval_nsec),
	U64(cryo_posix_timer, value_sec), U64(cryo_posix_timer, value_nsec),
};
static const struct cryo_field cryo_lock_fields[] = {
	U64(cryo_lock, fd), U64(cryo_lock, kind), U64(cryo_lock, type), U64(cryo_lock, start),
	U64(cryo_lock, len),
};

static const struct cryo_rec_desc descs[] = {
	DESC(CRYO_REC_PROCESS, cryo_process, BLOB(cryo_process, cwd)),
	DESC(CRYO_REC_AUXV, cryo_auxv, BLOB(cryo_auxv, words)),
	DESC(CRYO_REC_THREAD, cryo_thread, BLOB(cryo_thread, xstate)),
	DESC(CRYO_REC_VMA, cryo_vma, BLOB(cryo_vma, path)),
	DESC(CRYO_REC_CHUNK, cryo_chunk, NOBLOB),
	DESC(CRYO_REC_SIGACTION, cryo_sigaction, NOBLOB),
	DESC(CRYO_REC_SIGPENDING, cryo_sigpending, NOBLOB),
	DESC(CRYO_REC_ITIMER, cryo_itimer, NOBLOB),
	DESC(CRYO_REC_RLIMIT, cryo_rlimit, NOBLOB),
	DESC(CRYO_REC_FILE, cryo_file, BLOB(cryo_file, path)),
	DESC(CRYO_REC_TERMIOS, cryo_termios, NOBLOB),
	DESC(CRYO_REC_VDSO, cryo_vdso, NOBLOB),
	DESC(CRYO_REC_END, cryo_end, NOBLOB),
	DESC(CRYO_REC_ATTRS, cryo_attrs, BLOB(cryo_attrs, root)),
	DESC(CRYO_REC_POSIX_TIMER, cryo_posix_timer, NOBLOB),
	DESC(CRYO_REC_LOCK, cryo_lock, NOBLOB),
	DESC(CRYO_REC_EVENTFD, cryo_eventfd, NOBLOB),
	DESC(CRYO_REC_TIMERFD, cryo_timerfd, NOBLOB),
	DESC(CRYO_REC_SIGNALFD, cryo_signalfd, NOBLOB),
	DESC(CRYO_REC_EPOLL_ITEM, cryo_epoll_item, NOBLOB),
	DESC(CRYO_REC_INOTIFY_WATCH, cryo_inotify_watch, BLOB(cryo_inotify_watch, path)),
	DESC(CRYO_REC_PIPE, cryo_pipe, BLOB(cryo_pipe, data)),
	DESC(CRYO_REC_FILEOBJ, cryo_fileobj, BLOB(cryo_fileobj, name)),
	DESC(CRYO_REC_FILEDATA, cryo_filedata, BLOB(cryo_filedata, data)),
	DESC(CRYO_REC_FILEMAP, cryo_filemap, NOBLOB),
};

const struct cryo_rec_desc *cryo_rec_desc(uint32_t type)
{
	for (unsigned i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (descs[i].type == type)
			return &descs[i];
	return NULL;
}

static size_t field_bytes(const struct cryo_field *f)
{
	return f->type == CRYO_F_U64 ? 8u * f->count : f->count;
}

static const struct cryo_blob *rec_blob(const struct cryo_rec_desc *d, const void *rec)
{
	return d->blob_off < 0 ? NULL : (const struct cryo_blob *)((const uint8_t *)rec + d->blob_off);
}

size_t cryo_rec_encoded_size(const struct cryo_rec_desc *d, const void *rec)
{
	size_t n = 0;
	for (unsigned i = 0; i < d->nfields; i++)
		n += field_bytes(&d->fields[i]);
	const struct cryo_blob *b = rec_blob(d, rec);
	if (b)
		n += 4 + b->len;
	return n;
}

size_t cryo_rec_encode(const struct cryo_rec_desc *d, const void *rec, uint8_t *out)
{
	const uint8_t *base = rec;
	uint8_t *p = out;
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct cryo_field *f = &d->fields[i];
		if (f->type == CRYO_F_U64) {
			const uint64_t *v = (const uint64_t *)(base + f->off);
			for (unsigned k = 0; k < f->count; k++, p += 8)
				le64_put(p, v[k]);
		} else {
			memcpy(p, base + f->off, f->count);
			p += f->count;
		}
	}
	const struct cryo_blob *b = rec_blob(d, rec);
	if (b) {
		le32_put(p, b->len);
		p += 4;
		if (b->len)
			memcpy(p, b->data, b->len);
		p += b->len;
	}
	return (size_t)(p - out);
}

int cryo_rec_decode(const struct cryo_rec_desc *d, const uint8_t *payload, size_t len, void *rec)
{
	uint8_t *base = rec;
	size_t off = 0;
	memset(rec, 0, d->size);
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct cryo_field *f = &d->fields[i];
		if (len - off < field_bytes(f))
			return -1;
		if (f->type == CRYO_F_U64) {
			uint64_t *v = (uint64_t *)(base + f->off);
			for (unsigned k = 0; k < f->count; k++, off += 8)
				v[k] = le64_get(payload + off);
		} else {
			memcpy(base + f->off, payload + off, f->count);
			off += f->count;
		}
	}
	struct cryo_blob *b = d->blob_off < 0 ? NULL : (struct cryo_blob *)(base + d->blob_off);
	if (b) {
		if (len - off < 4)
			return -1;
		b->len = le32_get(payload + off);
		off += 4;
		if (len - off < b->len)
			return -1;
		b->data = payload + off;
		off += b->len;
	}
	return off == len ? 0 : -1;
}

int cryo_rec_next(struct cryo_rec_iter *it, uint32_t *type, const uint8_t **payload, size_t *len)
{
	if (it->off == it->len)
		return 0;
	if (it->len - it->off < CRYO_REC_HDR_SIZE)
		return -1;
	const uint8_t *h = it->p + it->off;
	uint32_t plen = le32_get(h + 4);
	if (it->len - it->off - CRYO_REC_HDR_SIZE < plen)
		return -1;
	const uint8_t *pl = h + CRYO_REC_HDR_SIZE;
	if (crc32c(0, pl, plen) != le32_get(h + 8))
		return -1;
	*type = le32_get(h);
	*payload = pl;
	*len = plen;
	it->off += CRYO_REC_HDR_SIZE + plen;
	return 1;
}

void cryo_trailer_encode(const struct cryo_trailer *t, uint8_t out[CRYO_TRAILER_SIZE])
{
	memcpy(out, CRYO_TRAILER_MAGIC, 8);
	le32_put(out + 8, t->version);
	le32_put(out + 12, t->flags);
	le64_put(out + 16, t->data_off);
	le64_put(out + 24, t->records_off);
	le64_put(out + 32, t->records_len);
	le64_put(out + 40, t->file_size);
	le32_put(out + 48, t->records_crc);
	memset(out + 52, 0, 8);
	le32_put(out + 60, crc32c(0, out, 60));
}

int cryo_trailer_decode(const uint8_t in[CRYO_TRAILER_SIZE], struct cryo_trailer *t)
{
	memset(t, 0, sizeof(*t));
	if (memcmp(in, CRYO_TRAILER_MAGIC, 8) != 0)
		return -1;
	memcpy(t->magic, in, 8);
	t->trailer_crc = le32_get(in + 60);
	if (crc32c(0, in, 60) != t->trailer_crc)
		return -2;
	t->version = le32_get(in + 8);
	t->flags = le32_get(in + 12);
	t->data_off = le64_get(in + 16);
	t->records_off = le64_get(in + 24);
	t->records_len = le64_get(in + 32);
	t->file_size = le64_get(in + 40);
	t->records_crc = le32_get(in + 48);
	if (t->version > CRYO_FORMAT_VERSION)
		return -3;
	return 0;
}
