/* What the kernel mapped into the stub's process, from /proc/self/maps:
 * the stub's own segments, the kernel-given stack, the new [vdso], [vvar]
 * and [vvar_vclock].  Read once, in step 2, before anything is changed:
 * without /proc the stub cannot restore and says so then. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <linux/fcntl.h>

static uint64_t hex(const char **pp)
{
	uint64_t v = 0;
	const char *p = *pp;
	for (;; p++) {
		char c = *p;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint64_t)(c - 'a' + 10);
		else
			break;
	}
	*pp = p;
	return v;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* Read a whole (small, /proc) file into a buffer from the arena. */
static char *read_all(const char *path, size_t *lenp)
{
	long fd = sys3(__NR_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (sys_failed(fd))
		return NULL;
	size_t cap = 16384, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (cap - len < 4096) {
			char *n = xmalloc(cap * 2);
			memcpy(n, buf, len);
			free(buf);
			buf = n;
			cap *= 2;
		}
		long r = sys3(__NR_read, fd, buf + len, cap - len - 1);
		if (r == -4)
			continue;
		if (r < 0) {
			sys1(__NR_close, fd);
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	sys1(__NR_close, fd);
	buf[len] = 0;
	*lenp = len;
	return buf;
}

void selfmaps_read(struct stub *s)
{
	size_t len;
	char *buf = read_all("/proc/self/maps", &len);
	if (!buf)
		stub_fatal("cannot read /proc/self/maps: /proc must be mounted to restore");
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	s->self = xmalloc((lines + 1) * sizeof(*s->self));
	s->nself = 0;
	for (const char *p = buf; *p;) {
		const char *eol = p;
		while (*eol && *eol != '\n')
			eol++;
		const char *q = p;
		struct self_map m = { 0, 0, SELF_OTHER };
		m.start = hex(&q);
		if (*q == '-') {
			q++;
			m.end = hex(&q);
			/* the name, if any, is the last field */
			const char *name = eol;
			while (name > q && name[-1] == ' ')
				name--;
			size_t n = (size_t)(name - q);
			if (ends_with(q, n, "[vdso]"))
				m.kind = SELF_VDSO;
			else if (ends_with(q, n, "[vvar]"))
				m.kind = SELF_VVAR;
			else if (ends_with(q, n, "[vvar_vclock]"))
				m.kind = SELF_VVAR_VCLOCK;
			else if (ends_with(q, n, "[vsyscall]") || m.start >= STUB_USER_TOP)
				m.kind = SELF_VSYSCALL;
			if (m.end > m.start)
				s->self[s->nself++] = m;
		}
		p = *eol ? eol + 1 : eol;
	}
	free(buf);
	if (!s->nself)
		stub_fatal("/proc/self/maps is empty: /proc must be mounted to restore");
}

static int overlaps(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	return a < d && c < b;
}

/* Is [a, b) clear of the stub, the image mapping, what the kernel mapped
 * for the stub, and every target VMA? */
static int range_free(const struct stub *s, uint64_t a, uint64_t b)
{
	if (a < (1ull << 32) || b > STUB_USER_TOP - (1ull << 30) || b <= a)
		return 0;	/* stay off low memory and the stack's neighbourhood */
	if (overlaps(a, b, s->self_start, s->self_end))
		return 0;
	if (s->img && overlaps(a, b, (uint64_t)s->img, (uint64_t)s->img + s->img_map_len))
		return 0;
	for (size_t i = 0; i < s->nself; i++)
		if (overlaps(a, b, s->self[i].start, s->self[i].end))
			return 0;
	return !image_overlaps_target(s, a, b);
}

uint64_t stub_find_free(const struct stub *s, uint64_t hint, uint64_t len)
{
	len = STUB_PAGE_UP(len);
	if (range_free(s, hint, hint + len))
		return hint;
	/* Candidates: right after each thing that is (or will be) mapped. */
	uint64_t best = 0;
	for (size_t i = 0; i < s->nvma + s->nself + 1; i++) {
		uint64_t c;
		if (i < s->nvma)
			c = s->vma[i].end;
		else if (i < s->nvma + s->nself)
			c = s->self[i - s->nvma].end;
		else
			c = s->self_end;
		c = STUB_PAGE_UP(c) + (1ull << 20);	/* leave a gap */
		if (range_free(s, c, c + len) && (!best || c < best))
			best = c;
	}
	return best;
}
