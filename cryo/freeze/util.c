/* Messages, the record stream and a growable byte buffer. */
#include "freeze.h"
#include "../crc32c.h"
#include "../le.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -q: the one process-wide setting of the message functions, which carry
 * no context (a collector deep in a call chain may warn). */
static int quiet;

void freeze_set_quiet(int q)
{
	quiet = q;
}

static void vmsg(const char *fmt, va_list ap)
{
	/* One fprintf per line so that concurrent messages don't interleave. */
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "freeze: %s\n", line);
}

void freeze_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void freeze_warn(const char *fmt, ...)
{
	if (quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void freeze_info(const struct freeze_ctx *ctx, const char *fmt, ...)
{
	if (quiet || !ctx->opt.verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void bytebuf_append(struct bytebuf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		uint8_t *d = realloc(b->data, cap);
		if (!d) {
			/* Records are small (kilobytes); running out here means the
			 * machine is out of memory.  Exiting makes the kernel detach
			 * the target. */
			freeze_error("out of memory");
			abort();
		}
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void bytebuf_free(struct bytebuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* The writer may emit CHUNK records from its compression threads. */
static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;

void freeze_emit(struct freeze_ctx *ctx, uint32_t type, const void *rec)
{
	const struct cryo_rec_desc *d = cryo_rec_desc(type);
	if (!d) {
		freeze_error("internal error: unknown record type %u", type);
		abort();
	}
	size_t len = cryo_rec_encoded_size(d, rec);
	uint8_t *buf = malloc(CRYO_REC_HDR_SIZE + len);
	if (!buf) {
		freeze_error("out of memory");
		abort();
	}
	size_t n = cryo_rec_encode(d, rec, buf + CRYO_REC_HDR_SIZE);
	le32_put(buf, type);
	le32_put(buf + 4, (uint32_t)n);
	le32_put(buf + 8, crc32c(0, buf + CRYO_REC_HDR_SIZE, n));

	pthread_mutex_lock(&emit_lock);
	bytebuf_append(&ctx->records, buf, CRYO_REC_HDR_SIZE + n);
	ctx->nrecords++;
	pthread_mutex_unlock(&emit_lock);
	free(buf);
}
