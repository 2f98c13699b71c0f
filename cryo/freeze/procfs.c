/* Small /proc readers shared by the collectors. */
#include "freeze.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

char *proc_read(pid_t pid, const char *name, size_t *len)
{
	char path[128];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	else
		snprintf(path, sizeof(path), "/proc/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	/* /proc files report size 0: read until EOF. */
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap) {
			char *b = realloc(buf, 2 * cap + 1);
			if (!b) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = b;
			cap *= 2;
		}
	}
	int saved = errno;
	close(fd);
	if (!buf) {
		errno = saved;
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int proc_stat(pid_t pid, char *state, uint64_t *f, int nf)
{
	char *s = proc_read(pid, "stat", NULL);
	if (!s)
		return -1;
	/* Field 2 is "(comm)", and comm may hold spaces and parentheses:
	 * the fields that follow start after the LAST ')'. */
	char *p = strrchr(s, ')');
	if (!p || p[1] != ' ') {
		free(s);
		errno = EINVAL;
		return -1;
	}
	p += 2;
	if (state)
		*state = *p;
	for (int i = 0; i < nf; i++)
		f[i] = 0;
	for (int field = 3; *p; field++) {
		char *end;
		uint64_t v = strtoull(p, &end, 10);
		if (field < nf && field > 3)
			f[field] = v;
		p = strchr(p, ' ');
		if (!p)
			break;
		p++;
	}
	free(s);
	return 0;
}

int proc_find_map(pid_t pid, const char *name, uint64_t *start, uint64_t *end)
{
	char *maps = proc_read(pid, "maps", NULL);
	if (!maps)
		return -1;
	int found = -1;
	size_t nlen = strlen(name);
	for (char *line = maps; *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		unsigned long long s, e;
		int pathoff = 0;
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %n", &s, &e, &pathoff) == 2 && pathoff &&
		    strlen(line + pathoff) == nlen && !memcmp(line + pathoff, name, nlen)) {
			*start = s;
			*end = e;
			found = 0;
			break;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	free(maps);
	return found;
}

int proc_read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	/* process_vm_readv may be unavailable (seccomp, old kernel) or the
	 * page unreadable by protection: /proc/PID/mem ignores protection. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}
