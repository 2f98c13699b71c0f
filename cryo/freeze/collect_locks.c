/* LOCK records: POSIX record locks (fcntl F_SETLK), OFD locks and flock()
 * locks the process holds.  /proc/PID/fdinfo/N lists, on "lock:" lines,
 * the locks held through that descriptor's open file (the kernel matches
 * the owner, so another process's locks on the same file are not there):
 *   lock:	1: POSIX  ADVISORY  WRITE 1234 08:01:5678 0 EOF
 * A descriptor shared by dup shows the same lock again; taking a lock one
 * already holds is harmless at resume, so they are not told apart here. */
#include "freeze.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One "lock:" line into l; 0, or -1 (message printed) for a kind we do
 * not restore (leases, delegations, mandatory locks). */
static int parse_lock(const char *line, int fd, struct cryo_lock *l, pid_t pid)
{
	char kind[16], mode[16], type[16], end[24];
	unsigned long long start;
	if (sscanf(line, "lock:\t%*d: %15s %15s %15s %*d %*x:%*x:%*u %llu %23s", kind, mode, type,
		   &start, end) != 5) {
		freeze_error("cannot parse a lock of fd %d of process %d: %s", fd, (int)pid, line);
		return -1;
	}
	l->fd = (uint64_t)fd;
	if (!strcmp(kind, "POSIX"))
		l->kind = CRYO_LOCK_POSIX;
	else if (!strcmp(kind, "FLOCK"))
		l->kind = CRYO_LOCK_FLOCK;
	else if (!strcmp(kind, "OFDLCK"))
		l->kind = CRYO_LOCK_OFD;
	else
		l->kind = 0;
	if (!l->kind || strcmp(mode, "ADVISORY") || (strcmp(type, "READ") && strcmp(type, "WRITE"))) {
		freeze_error("fd %d of process %d holds a %s %s %s lock: not supported", fd, (int)pid,
			     kind, mode, type);
		return -1;
	}
	l->type = strcmp(type, "READ") ? F_WRLCK : F_RDLCK;
	l->start = start;
	l->len = !strcmp(end, "EOF") ? 0 : strtoull(end, NULL, 10) - start + 1;
	return 0;
}

static int collect_fd_locks(struct freeze_ctx *ctx, int fd)
{
	char name[48];
	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	char *text = proc_read(ctx->pid, name, NULL);
	if (!text)
		return FREEZE_OK;	/* closed meanwhile: collect_files decides */
	int rc = FREEZE_OK;
	for (char *line = strstr(text, "\nlock:"); line && rc == FREEZE_OK;
	     line = strstr(line, "\nlock:")) {
		line++;
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		struct cryo_lock l = { 0 };
		if (parse_lock(line, fd, &l, ctx->pid)) {
			rc = FREEZE_REFUSED;
			break;
		}
		freeze_info(ctx, "fd %d: %s lock %s from %llu, length %llu", fd,
			    l.kind == CRYO_LOCK_POSIX ? "POSIX" : l.kind == CRYO_LOCK_FLOCK ? "flock" : "OFD",
			    l.type == F_WRLCK ? "write" : "read", (unsigned long long)l.start,
			    (unsigned long long)l.len);
		freeze_emit(ctx, CRYO_REC_LOCK, &l);
		if (!nl)
			break;
		line = nl;
		*nl = '\n';
	}
	free(text);
	return rc;
}

int collect_locks(struct freeze_ctx *ctx)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)ctx->pid);
	DIR *d = opendir(path);
	if (!d) {
		freeze_error("cannot list %s: %s", path, strerror(errno));
		return FREEZE_ERR;
	}
	int rc = FREEZE_OK;
	struct dirent *e;
	while (rc == FREEZE_OK && (e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
			rc = collect_fd_locks(ctx, atoi(e->d_name));
	closedir(d);
	return rc;
}
