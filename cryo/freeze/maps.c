/* /proc/PID/smaps -> ctx->maps.
 *
 * smaps holds every line of /proc/PID/maps, each followed by "Key: value"
 * lines, the last of which (VmFlags) tells what maps cannot: grows-down,
 * MADV_DONTFORK/WIPEONFORK, mlock, THP advice, hugetlb, device memory.
 * Reading the one file gives both from the same instant.
 */
#include "freeze.h"
#include "memory.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* "rw-p" -> PROT_*, shared */
static int parse_perms(const char *s, int *prot, int *shared)
{
	if (strlen(s) != 4)
		return -1;
	*prot = (s[0] == 'r' ? PROT_READ : 0) | (s[1] == 'w' ? PROT_WRITE : 0) |
		(s[2] == 'x' ? PROT_EXEC : 0);
	*shared = s[3] == 's';
	return 0;
}

/* The kernel escapes '\n' in paths as "\012" (seq_file mangle_path). */
static void copy_path(char *dst, size_t cap, const char *src, size_t len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		if (src[i] == '\\' && len - i >= 4 && memcmp(src + i, "\\012", 4) == 0) {
			dst[o++] = '\n';
			i += 3;
		} else {
			dst[o++] = src[i];
		}
	}
	dst[o] = 0;
}

/* One "start-end perms offset dev inode path" line; 0 or -1. */
static int parse_header(const char *line, size_t len, struct map_entry *m)
{
	char perms[8];
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	int n = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &off, &maj, &min,
		   &ino, &n) != 7 || n <= 0 || (size_t)n > len)
		return -1;
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->pgoff = off;
	if (parse_perms(perms, &m->prot, &m->shared) < 0 || m->end <= m->start)
		return -1;
	const char *p = line + n;
	while (p < line + len && *p == ' ')
		p++;
	copy_path(m->path, sizeof(m->path), p, (size_t)(line + len - p));
	if (strcmp(m->path, "[heap]") == 0)
		m->vmflags |= CRYO_VMA_HEAP;
	else if (strcmp(m->path, "[stack]") == 0)
		m->vmflags |= CRYO_VMA_STACK;
	return 0;
}

static uint64_t vmflag_bit(const char *f)
{
	static const struct { char name[3]; uint64_t bit; } tab[] = {
		{ "gd", CRYO_VMA_GROWSDOWN }, { "dc", CRYO_VMA_DONTFORK },
		{ "wf", CRYO_VMA_WIPEONFORK }, { "lo", CRYO_VMA_LOCKED },
		{ "hg", CRYO_VMA_HUGEPAGE }, { "nh", CRYO_VMA_NOHUGEPAGE },
		{ "dd", CRYO_VMA_DONTDUMP }, { "ht", MAP_X_HUGETLB },
		{ "io", MAP_X_IO }, { "pf", MAP_X_IO }, { "mw", MAP_X_MAYWRITE },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(f, tab[i].name) == 0)
			return tab[i].bit;
	return 0;
}

static void parse_vmflags(const char *p, const char *end, struct map_entry *m)
{
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		const char *w = p;
		while (p < end && *p != ' ')
			p++;
		if (p - w == 2) {
			char f[3] = { w[0], w[1], 0 };
			m->vmflags |= vmflag_bit(f);
		}
	}
}

/* A header line starts with the hex start address and a '-'; key lines
 * ("Rss:", "VmFlags:") have a ':' in their first word. */
static int is_header(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '-')
			return i > 0;
		if (line[i] == ':' || line[i] == ' ')
			return 0;
	}
	return 0;
}

int proc_read_maps(struct freeze_ctx *ctx)
{
	size_t len;
	char *text = proc_read(ctx->pid, "smaps", &len);
	if (!text) {
		freeze_error("reading /proc/%d/smaps: %s", (int)ctx->pid, strerror(errno));
		return -1;
	}
	free(ctx->maps);
	ctx->maps = NULL;
	ctx->nmaps = 0;
	size_t cap = 0;
	struct map_entry *cur = NULL;
	for (char *line = text; line < text + len;) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t ll = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		if (is_header(line, ll)) {
			if (ctx->nmaps == cap) {
				cap = cap ? cap * 2 : 64;
				struct map_entry *n = realloc(ctx->maps, cap * sizeof(*n));
				if (!n) {
					freeze_error("out of memory reading /proc/%d/smaps", (int)ctx->pid);
					goto fail;
				}
				ctx->maps = n;
			}
			cur = &ctx->maps[ctx->nmaps];
			if (parse_header(line, ll, cur) < 0) {
				freeze_error("/proc/%d/smaps: cannot parse \"%.*s\"", (int)ctx->pid,
					     (int)ll, line);
				goto fail;
			}
			if (ctx->nmaps && cur->start < ctx->maps[ctx->nmaps - 1].end) {
				freeze_error("/proc/%d/smaps: mappings out of order", (int)ctx->pid);
				goto fail;
			}
			cur->vmflags |= MAP_X_EMPTY;	/* until Rss or Swap says otherwise */
			ctx->nmaps++;
		} else if (cur && ll > 8 && memcmp(line, "VmFlags:", 8) == 0) {
			parse_vmflags(line + 8, line + ll, cur);
		} else if (cur && ((ll > 4 && memcmp(line, "Rss:", 4) == 0) ||
				   (ll > 5 && memcmp(line, "Swap:", 5) == 0))) {
			if (strtoull(memchr(line, ':', ll) + 1, NULL, 10) != 0)
				cur->vmflags &= ~MAP_X_EMPTY;
		}
		line += ll + 1;
	}
	free(text);
	if (ctx->nmaps == 0) {
		freeze_error("/proc/%d/smaps lists no mappings (a zombie or kernel thread?)",
			     (int)ctx->pid);
		return -1;
	}
	return 0;
fail:
	free(text);
	free(ctx->maps);
	ctx->maps = NULL;
	ctx->nmaps = 0;
	return -1;
}
