/* allkinds: one process holding every kind supported so far at once:
 * handlers (or SIG_IGN) on all 64 signals with their flags and masks, a
 * blocked mask, pending signals (thread: SIGUSR2 by tgkill; process:
 * SIGRTMIN+5 by sigqueue), a sigaltstack, process attributes and
 * alarm(), POSIX timers, locks, file status flags and devices (kinds.h);
 * and fds 100-107: a pipe with data, eventfd, memfd, an unlinked file,
 * signalfd, epoll, timerfd (checked once after the resume).
 * usage: allkinds [-n] DIR   (-n: also non-dumpable, root only) */
#include "common.h"
#include "kinds.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

/* ---- descriptors of the other helpers' kinds (fds 100-107) ------------ */
static char unl_path[600];

static void put(int fd, int want)
{
	if (fd < 0 || (fd != want && (dup2(fd, want) != want || close(fd))))
		fail("fd %d: %s", want, strerror(errno));
}

/* 100/101 a pipe holding "hello"; 102 eventfd holding 7; 103 memfd with a
 * page of 'm'; 104 an unlinked file; 105 signalfd for SIGRTMIN+6 (blocked);
 * 106 epoll on 102 (EPOLLIN, data 0xfeed); 107 timerfd 500 s, interval 1 s */
static void fds_setup(const char *dir)
{
	int p[2];
	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	put(p[0], 100);
	put(p[1], 101);
	if (write(101, "hello", 5) != 5)
		fail("pipe write");
	put(eventfd(7, EFD_NONBLOCK), 102);
	int m = memfd_create("allkinds", 0);
	char page[4096];
	memset(page, 'm', sizeof(page));
	if (m < 0 || write(m, page, sizeof(page)) != (ssize_t)sizeof(page))
		fail("memfd: %s", strerror(errno));
	put(m, 103);
	snprintf(unl_path, sizeof(unl_path), "%s/unlinked.dat", dir);
	int u = open(unl_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (u < 0 || write(u, "unlinked data", 13) != 13 || unlink(unl_path))
		fail("unlinked file: %s", strerror(errno));
	put(u, 104);
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGRTMIN + 6);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	put(signalfd(-1, &ss, SFD_NONBLOCK), 105);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0xfeed };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, 102, &ev))
		fail("epoll: %s", strerror(errno));
	put(ep, 106);
	struct itimerspec its = { { 1, 0 }, { 500, 0 } };
	int tf = timerfd_create(CLOCK_MONOTONIC, 0);
	if (tf < 0 || timerfd_settime(tf, 0, &its, NULL))
		fail("timerfd: %s", strerror(errno));
	put(tf, 107);
}

/* Once, after the resume: each holds what it held. */
static void fds_check(void)
{
	int n = 0;
	char b[4096];
	if (ioctl(100, FIONREAD, &n) || n != 5 || read(100, b, 5) != 5 || memcmp(b, "hello", 5))
		fail("the pipe does not hold \"hello\" (%d bytes)", n);
	struct epoll_event ev;
	if (epoll_wait(106, &ev, 1, 0) != 1 || ev.data.u64 != 0xfeed)
		fail("epoll fd 106 does not report the eventfd with data 0xfeed");
	uint64_t v;
	if (read(102, &v, 8) != 8 || v != 7)
		fail("the eventfd does not hold 7");
	if (pread(103, b, sizeof(b), 0) != (ssize_t)sizeof(b) || b[0] != 'm' || b[4095] != 'm')
		fail("the memfd lost its page");
	struct stat st;
	if (pread(104, b, 13, 0) != 13 || memcmp(b, "unlinked data", 13) || fstat(104, &st) ||
	    st.st_nlink != 0)
		fail("the unlinked file lost its data or came back linked");
	sigqueue(getpid(), SIGRTMIN + 6, (union sigval){ .sival_int = 6 });
	struct signalfd_siginfo si;
	if (read(105, &si, sizeof(si)) != (ssize_t)sizeof(si) || (int)si.ssi_signo != SIGRTMIN + 6)
		fail("the signalfd does not read SIGRTMIN+6");
	struct itimerspec its;
	if (timerfd_gettime(107, &its) || its.it_interval.tv_sec != 1 || its.it_value.tv_sec > 500 ||
	    its.it_value.tv_sec < 400)
		fail("the timerfd has %ld s left, interval %ld", (long)its.it_value.tv_sec,
		     (long)its.it_interval.tv_sec);
}

static uint8_t altstack[64 << 10];

static void check_pending(void)
{
	sigset_t p;
	sigpending(&p);
	if (!sigismember(&p, SIGUSR2) || !sigismember(&p, SIGRTMIN + 5))
		fail("SIGUSR2 or SIGRTMIN+5 is no longer pending");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	t_init();
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	if (sigaltstack(&ss, NULL))
		fail("sigaltstack: %s", strerror(errno));
	const int skip[] = { SIGRTMIN + 1, SIGRTMIN + 2, SIGALRM };
	k_signals_setup(skip, 3);
	sigset_t blk;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR2);
	sigaddset(&blk, SIGRTMIN + 5);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
	sigqueue(getpid(), SIGRTMIN + 5, (union sigval){ .sival_int = 4242 });
	k_attrs_setup(argc > 2 && !strcmp(argv[1], "-n"));
	k_timers_setup();
	k_locks_setup(argv[argc - 1]);
	k_files_setup(argv[argc - 1], 0);
	fds_setup(argv[argc - 1]);
	t_state_init();
	t_sleep_ms(200);
	k_locks_check();
	say("ready");
	for (;;) {
		t_state_check();
		check_pending();
		k_attrs_check();
		k_timers_check();
		/* /proc reads open a descriptor: not while the freezer may come */
		if (!t_is_orig())
			k_locks_check();
		k_files_check(!t_is_orig());
		stack_t cur;
		if (sigaltstack(NULL, &cur) || cur.ss_sp != altstack || cur.ss_size != sizeof(altstack))
			fail("sigaltstack changed");
		if (t_moved()) {
			fds_check();
			say("all ok");
		}
		t_tick();
		t_sleep_ms(200);
	}
}
