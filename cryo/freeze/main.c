/* bin/freeze: capture a running process into a self-extracting image.
 *
 *   attach -> remote syscalls + /proc -> records -> scratch page removed
 *   -> memory into the image -> detach (the target goes on) -> fsync, rename
 *   -> (--kill) SIGKILL the target now that the image is durable.
 *
 * Any failure, or SIGINT/SIGTERM/SIGHUP, undoes it all: the temporary file
 * is removed and the target is left exactly as it was.
 */
#include "freeze.h"
#include "../codec.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FREEZE_VERSION "0.1"

/* Set by the signal handler: the one piece of global state, as signal
 * handlers need. */
static volatile sig_atomic_t interrupted;

int freeze_interrupted(void)
{
	return interrupted != 0;
}

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: freeze [options] PID -o FILE\n"
		"Capture the running process PID into FILE, a self-extracting executable:\n"
		"running ./FILE later, here or on another machine, continues the process.\n"
		"The process keeps running unchanged unless --kill or --stop is given.\n"
		"\n"
		"Options (in any order):\n"
		"  -o, --output FILE   write the image to FILE (mode 0700); '-' writes to stdout\n"
		"  -k, --kill          kill the process once the image is safely on disk\n"
		"  -S, --stop          leave the process stopped (resume it with kill -CONT PID)\n"
		"      --compress=C    memory compression: zstd (default), zlib or none\n"
		"                      (none is fastest to resume and largest)\n"
		"      --max-unlinked=SIZE  largest unlinked file or memfd whose contents\n"
		"                      are saved (default 1G; K, M, G, T suffixes)\n"
		"  -v, --verbose       say what is saved\n"
		"  -q, --quiet         print errors only\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Exit status:\n"
		"  0  the image was written\n"
		"  1  the freeze failed; the process was left as it was\n"
		"  2  bad command line\n"
		"  3  the process holds something cryo cannot save yet (named in the message);\n"
		"     the process was left as it was\n"
		"  4  no such process\n"
		"  5  not allowed to trace the process (it must be yours, and ptrace must be\n"
		"     allowed: see /proc/sys/kernel/yama/ptrace_scope)\n"
		"\n"
		"Example: freeze --kill 4242 -o app.cryo && ./app.cryo\n");
}

static int parse_pid(const char *s, pid_t *pid)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT_MAX)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

/* "123", "64K", "512M", "8G", "1T" into bytes.  0 or -1. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	int shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	}
	if (errno || end == s || *end || s[0] == '-' || (shift && v > (~0ull >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct freeze_opts *o)
{
	enum { OPT_COMPRESS = 256, OPT_VERSION, OPT_MAX_UNLINKED };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kill", no_argument, NULL, 'k' },
		{ "stop", no_argument, NULL, 'S' },
		{ "compress", required_argument, NULL, OPT_COMPRESS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "max-unlinked", required_argument, NULL, OPT_MAX_UNLINKED },
		{ 0 },
	};
	memset(o, 0, sizeof(*o));
	o->codec = CRYO_CODEC_ZSTD;
	o->max_unlinked = 1ull << 30;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":o:kSvqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'k':
			o->kill = 1;
			break;
		case 'S':
			o->stop = 1;
			break;
		case OPT_COMPRESS:
			o->codec = cryo_codec_by_name(optarg);
			if (o->codec < 0) {
				freeze_error("unknown compression '%s': use zstd, zlib or none", optarg);
				return FREEZE_USAGE;
			}
			break;
		case OPT_MAX_UNLINKED:
			if (parse_size(optarg, &o->max_unlinked)) {
				freeze_error("bad --max-unlinked '%s': a size like 4096, 512M or 8G",
					     optarg);
				return FREEZE_USAGE;
			}
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return FREEZE_OK;
		case OPT_VERSION:
			printf("freeze (cryo) %s, image format %d\n", FREEZE_VERSION,
			       CRYO_FORMAT_VERSION);
			return FREEZE_OK;
		case ':':
			freeze_error("option %s needs an argument (try 'freeze --help')",
				     argv[optind - 1]);
			return FREEZE_USAGE;
		default:
			freeze_error("unknown option %s (try 'freeze --help')", argv[optind - 1]);
			return FREEZE_USAGE;
		}
	}
	if (optind == argc) {
		freeze_error("which process? usage: freeze [options] PID -o FILE (try 'freeze --help')");
		return FREEZE_USAGE;
	}
	if (argc - optind > 1) {
		freeze_error("one PID only, got '%s' and '%s'", argv[optind], argv[optind + 1]);
		return FREEZE_USAGE;
	}
	if (parse_pid(argv[optind], &o->pid)) {
		freeze_error("'%s' is not a process ID", argv[optind]);
		return FREEZE_USAGE;
	}
	if (!o->out) {
		freeze_error("where to? add -o FILE (or -o - for standard output)");
		return FREEZE_USAGE;
	}
	if (o->kill && o->stop) {
		freeze_error("--kill and --stop contradict each other: choose one");
		return FREEZE_USAGE;
	}
	return -1;
}

/* Catch an unusable output before touching the target. */
static int check_output(const char *out)
{
	if (!strcmp(out, "-")) {
		if (isatty(STDOUT_FILENO)) {
			freeze_error("refusing to write an image to a terminal: redirect the output "
				     "or use -o FILE");
			return FREEZE_USAGE;
		}
		return FREEZE_OK;
	}
	struct stat st;
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
		freeze_error("%s is a directory: give a file name, e.g. -o %s/app.cryo", out, out);
		return FREEZE_USAGE;
	}
	char *copy = strdup(out);
	if (!copy)
		return FREEZE_ERR;
	const char *dir = dirname(copy);
	int rc = FREEZE_OK;
	if (access(dir, W_OK | X_OK)) {
		freeze_error("cannot write to %s: %s", dir, strerror(errno));
		rc = FREEZE_ERR;
	}
	free(copy);
	return rc;
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed stdout pipe is a write error (EPIPE), not our death. */
	signal(SIGPIPE, SIG_IGN);
}

static int check_interrupted(void)
{
	if (!interrupted)
		return FREEZE_OK;
	freeze_error("interrupted by signal %d: freeze abandoned", (int)interrupted);
	return FREEZE_ERR;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Everything read through remote syscalls, then the scratch page removed
 * and the registers put back. */
static int collect_kernel_state(struct freeze_ctx *ctx)
{
	static int (*const collectors[])(struct freeze_ctx *) = {
		collect_process, collect_thread, collect_signals,
		collect_timers, collect_files, collect_vdso,
		collect_attrs, collect_posix_timers, collect_locks,
	};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (remote_init(&ctx->remote, ctx->pid)) {
		freeze_error("cannot run system calls in process %d", (int)ctx->pid);
		return FREEZE_ERR;
	}
	ctx->regs = ctx->remote.saved;
	int rc = FREEZE_OK;
	for (size_t i = 0; i < sizeof(collectors) / sizeof(collectors[0]) && !rc; i++)
		if (!(rc = check_interrupted()))
			rc = collectors[i](ctx);
	if (remote_fini(&ctx->remote)) {
		freeze_error("could not undo everything done in process %d; check it", (int)ctx->pid);
		rc = FREEZE_ERR;
	}
	freeze_info(ctx, "kernel state read in %.1f ms", ms_since(&t0));
	return rc;
}

/* SIGKILL the target (still seized and stopped) and see it die. */
static void kill_target(struct freeze_ctx *ctx)
{
	if (kill(ctx->pid, SIGKILL)) {
		freeze_error("cannot kill process %d: %s (the image is complete)", (int)ctx->pid,
			     strerror(errno));
		freeze_detach(ctx);
		return;
	}
	/* The main thread's death is reported only after the other threads'. */
	freeze_reap_threads(ctx);
	/* As its tracer we see the death first; that is not reaping it: its
	 * parent still gets its exit status. */
	for (int i = 0; i < 5000; i++) {
		int status;
		pid_t p = waitpid(ctx->pid, &status, __WALL | WNOHANG);
		if (p == ctx->pid && (WIFEXITED(status) || WIFSIGNALED(status)))
			break;
		if (p < 0 && errno != EINTR)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	ctx->attached = 0;
	freeze_info(ctx, "process %d killed", (int)ctx->pid);
}

/* Process trees are not saved yet: a process with children (running or
 * zombie) would come back without them, a silent loss, so it is refused.
 * /proc/PID/task/TID/children lists each thread's children. */
static int check_no_children(struct freeze_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ntids; i++) {
		char name[48];
		snprintf(name, sizeof(name), "task/%d/children", (int)ctx->tids[i]);
		char *kids = proc_read(ctx->pid, name, NULL);
		if (!kids)
			continue;	/* no CONFIG_PROC_CHILDREN: nothing to tell */
		size_t n = strcspn(kids, "\n");
		while (n && kids[n - 1] == ' ')
			n--;
		if (n) {
			freeze_error("process %d has child processes (%.*s): process trees are "
				     "not supported yet; freeze each process alone once its "
				     "children are gone", (int)ctx->pid, (int)n, kids);
			free(kids);
			return FREEZE_REFUSED;
		}
		free(kids);
	}
	return FREEZE_OK;
}

static int run(struct freeze_ctx *ctx)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	int rc = freeze_attach(ctx);
	if (rc)
		return rc;
	if ((rc = check_no_children(ctx)) || (rc = collect_kernel_state(ctx)))
		goto fail;
	if ((rc = check_interrupted()))
		goto fail;
	if (proc_read_maps(ctx)) {
		rc = FREEZE_ERR;
		goto fail;
	}
	if (image_open(ctx, stub_place(ctx))) {
		rc = FREEZE_ERR;
		goto fail;
	}
	if ((rc = collect_memory(ctx)) || (rc = check_interrupted()))
		goto fail;
	if (!ctx->opt.kill) {
		/* The memory is copied: the target may go on. */
		freeze_detach(ctx);
		freeze_info(ctx, "process %d was stopped for %.1f ms", (int)ctx->pid, ms_since(&t0));
	}
	if ((rc = check_interrupted()) || image_finish(ctx)) {
		rc = rc ? rc : FREEZE_ERR;
		goto fail;
	}
	if (ctx->opt.kill)
		kill_target(ctx);
	freeze_info(ctx, "%llu records; done in %.1f ms", (unsigned long long)ctx->nrecords,
		    ms_since(&t0));
	return FREEZE_OK;

fail:
	image_abort(ctx);
	/* "Exactly as before": no -S on failure. */
	if (ctx->attached)
		ctx->opt.stop = 0;
	freeze_detach(ctx);
	return rc;
}

int main(int argc, char **argv)
{
	struct freeze_ctx ctx = { 0 };
	int rc = parse_args(argc, argv, &ctx.opt);
	if (rc >= 0)
		return rc;
	freeze_set_quiet(ctx.opt.quiet);
	if ((rc = check_output(ctx.opt.out)))
		return rc;
	setup_signals();
	/* Precise short sleeps while polling for the target's stops. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	rc = run(&ctx);
	free(ctx.maps);
	free(ctx.tids);
	bytebuf_free(&ctx.records);
	return rc;
}
