/* The restore stub's main line: the steps of docs/restore.md, in order.
 *
 * Everything that can fail because of the image or this machine (a corrupt
 * or truncated file, a different vdso, a CPU without the program's xstate
 * features, a missing file or directory, no /proc) is checked before the
 * first change: up to then a failure is one line on stderr and exit
 * status 1, and the process that ran app.cryo is left as it was. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <elf.h>
#include <asm/signal.h>

/* The stub's own extent, from the linker (hidden: no GOT, no relocation). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char _end[] __attribute__((visibility("hidden")));

static struct stub ctx;

static void usage(void)
{
	stub_print(1,
		"%s: a process frozen by cryo, with its restorer.\n"
		"\n"
		"usage: ./%s [--stopped | --same-pids | --check | --skip-missing | --help]\n"
		"\n"
		"  (no option)  resume the frozen program here and now: this process becomes\n"
		"               it, on this terminal, in this shell's job control\n"
		"               (running, even if it was stopped by Ctrl-Z when frozen)\n"
		"  --stopped    resume it stopped, as after Ctrl-Z: `fg` or `bg` continues it\n"
		"  --same-pids  give it back its original PID and thread IDs, or refuse (exit\n"
		"               status 1, nothing changed) if that is impossible.  As root\n"
		"               (clone3 set_tid) they must be free here; otherwise it runs in\n"
		"               new user (your own uid/gid), pid and mount namespaces.  The\n"
		"               program is then a child of this process, which stays as its\n"
		"               parent: it forwards signals sent to it, follows its stops\n"
		"               and exits with its status (or dies of the same signal)\n"
		"  --check      verify the image and that this machine can resume it\n"
		"               (checksums, kernel vdso, CPU features, files); change nothing\n"
		"  --skip-missing  resume even if files it had open are gone: their\n"
		"               descriptors stay closed (each one is named on stderr)\n"
		"  --help       this text\n"
		"\n"
		"The program continues where it was frozen (`freeze PID -o FILE`).  Files it had\n"
		"open are reopened by path; descriptors that were on a terminal go to this one.\n"
		"Resuming needs /proc, a kernel with the same vdso layout and a CPU with the\n"
		"register features the program used.\n"
		"\n"
		"Exit status, when it does not resume: 1 if the image is corrupt or cannot be\n"
		"resumed here (nothing was changed), 2 for a bad command line.\n",
		ctx.name, ctx.name);
	stub_exit(0);
}

/* A program frozen while stopped by job control (Ctrl-Z) resumes running
 * unless --stopped is given; either way one line says which.  --stopped
 * stops this process (the program, all but resumed) with SIGSTOP, which no
 * mask blocks: the shell sees a stopped job, and `fg` continues it into
 * the program (stub_main, last thing before the sigreturn). */
static void job_stop_notice(struct stub *s)
{
	int was = (s->proc.flags & CRYO_PROC_JOB_STOPPED) != 0;
	if (s->resume_stopped) {
		stub_note("resumed stopped%s; `fg` or `bg` continues it",
			  was ? " (it was stopped by job control when frozen)" : "");
	} else if (was) {
		stub_note("it was stopped by job control when frozen; resumed running "
			  "(--stopped resumes it stopped)");
	}
}

static void read_initial_stack(struct stub *s, uint64_t *sp, char ***argvp, long *argcp)
{
	long argc = (long)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	while (*envp)
		envp++;
	const uint8_t *random = NULL;
	for (uint64_t *a = (uint64_t *)(envp + 1); a[0] != AT_NULL; a += 2) {
		switch (a[0]) {
		case AT_RANDOM:
			random = (const uint8_t *)a[1];
			break;
		case AT_SYSINFO_EHDR:
			s->at_sysinfo_ehdr = a[1];
			break;
		case AT_EXECFN: {
			const char *p = (const char *)a[1];
			size_t n = strlen(p);
			if (n < sizeof(s->execfn))
				memcpy(s->execfn, p, n + 1);
			break;
		}
		}
	}
	stub_tcb_init(random);
	*argvp = argv;
	*argcp = argc;
}

static void parse_args(struct stub *s, long argc, char **argv)
{
	for (long i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			usage();
		else if (!strcmp(a, "--check"))
			s->check_only = 1;
		else if (!strcmp(a, "--stopped"))
			s->resume_stopped = 1;
		else if (!strcmp(a, "--skip-missing"))
			s->skip_missing = 1;
		else if (!strcmp(a, "--same-pids"))
			s->same_pids = 1;
		else {
			stub_print(2, "%s: %s '%s' (try --help)\n", s->name,
				   a[0] == '-' ? "unknown option" : "unexpected argument", a);
			stub_exit(2);
		}
	}
}

__attribute__((noreturn, used)) void stub_main(uint64_t *sp)
{
	struct stub *s = &ctx;
	/* Block every signal for the whole restore: nothing may interrupt it
	 * half-way, and signals that arrive stay pending for the program. */
	uint64_t all = ~0ull;
	sys4(__NR_rt_sigprocmask, SIG_SETMASK, &all, 0, 8);

	char **argv;
	long argc;
	read_initial_stack(s, sp, &argv, &argc);
	stub_set_name(argc > 0 ? argv[0] : NULL);
	s->name = argc > 0 && argv[0] ? argv[0] : "app.cryo";
	for (const char *p = s->name; *p; p++)	/* basename, for the usage text */
		if (*p == '/' && p[1])
			s->name = p + 1;
	parse_args(s, argc, argv);
	s->self_start = (uint64_t)__ehdr_start & ~(STUB_PAGE - 1);
	s->self_end = STUB_PAGE_UP((uint64_t)_end);

	/* Step 2: validate; open what must be reopened.  No change yet. */
	selfmaps_read(s);
	image_open(s);
	mm_check(s);
	arch_check_cpu(s);
	files_prepare(s);
	attrs_prepare(s);	/* after the files: root_fd is a temporary too */
	locks_prepare(s);	/* flock/OFD locks on the prepared fds */
	samepids_prepare(s);	/* --same-pids: clone3, pids free */
	if (s->check_only) {
		uint64_t bytes = 0;
		char comm[17];
		memcpy(comm, s->proc.comm, 16);
		comm[16] = 0;
		for (size_t i = 0; i < s->nchunk; i++)
			bytes += s->chunk[i].raw_len;
		stub_print(1, "%s: image is good: pid %lu (%s), %zu thread%s, %zu mappings, "
			   "%lu KiB of memory, %zu files; this machine can resume it\n", s->name,
			   s->proc.pid, comm, s->nxthread + 1, s->nxthread ? "s" : "", s->nvma,
			   bytes >> 10, s->nfile);
		stub_exit(0);
	}

	/* Step 3 happened in _start: the stub runs on its own stack. */
	samepids_start(s);	/* --same-pids: the child goes on */
	mm_teardown(s);		/* 4: only the stub, its image and the new vdso remain */
	mm_move_vdso(s);	/* 5 */
	mm_rebuild(s);		/* 6 */
	mm_set_mm_map(s);	/* 7 */
	task_restore(s);	/* 8 */
	attrs_restore(s);	/* chroot uses cwd_fd/root_fd: before files_install closes them */
	files_install(s);	/* 9 */
	locks_restore(s);	/* POSIX locks: after every close of the temporaries */
	task_restore_limits(s);
	task_queue_pending(s);	/* 10 */
	threads_start(s);
	samepids_drop_caps();
	posix_timers_restore(s);	/* after the handlers and the threads they notify */
	attrs_restore_late(s);	/* per-thread policy/nice: after the threads exist */
	task_register_rseq(s);
	files_winch_later(s);
	job_stop_notice(s);
	if (stub_err_fd() > 2)
		sys1(__NR_close, stub_err_fd());
	if (s->resume_stopped)	/* the stop takes effect at once; SIGCONT goes on */
		sys2(__NR_kill, sys0(__NR_getpid), SIGSTOP);
	arch_resume(s);		/* 11 */
}
