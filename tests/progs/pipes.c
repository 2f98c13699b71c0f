/* pipes: pipes come back with their unread data, capacity and flags.
 *
 * pipes data:
 *   fds 10 (read, O_NONBLOCK) and 11 (write) are one pipe of capacity
 *   256 KiB holding 100000 unread bytes; fd 12 = dup(10).  Every tick the
 *   bytes are still there (FIONREAD), unconsumed, the capacity and flags
 *   as set, and all three fds on one pipe.  After a resume the bytes are
 *   read and checked, written back, and a byte written to fd 11 comes out
 *   of fd 12.
 *   fd 15 is the read end of a pipe whose writer is a grandchild, the "peer" (it wrote
 *   "peer" and waits); fd 16 the write end of a pipe whose reader is that
 *   peer.  After a resume the peer is gone: fd 15 reads "peer" then
 *   EOF, fd 16 writes EPIPE.
 * pipes block: blocked in read() on fd 10 of a pipe whose write end is fd
 *   11; SIGUSR1's handler writes one byte to fd 11 (SA_RESTART), the read
 *   returns it: "PID woken", then ticks.
 * pipes block DIR: the same on the FIFO DIR/f (fd 10 O_RDONLY, fd 11
 *   O_WRONLY).
 * pipes stdin: fd 0 is a pipe from another process (the test's shell):
 *   every line read from it is printed as "PID got LINE", between ticks.
 */
#include "common.h"
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>

#define CAP (256 * 1024)
#define NDATA 100000

static uint8_t pat(size_t i) { return (uint8_t)(i * 7 + (i >> 9)); }

static void place(int fd, int want)
{
	if (fd != want) {
		if (dup2(fd, want) != want)
			fail("dup2: %s", strerror(errno));
		close(fd);
	}
}

static void make_pipe(int rd, int wr)
{
	int p[2];
	if (pipe(p))
		fail("pipe: %s", strerror(errno));
	place(p[0], rd);
	place(p[1], wr);
}

static int unread(int fd)
{
	int n = -1;
	if (ioctl(fd, FIONREAD, &n))
		fail("FIONREAD: %s", strerror(errno));
	return n;
}

static void write_pattern(void)
{
	static uint8_t buf[NDATA];
	for (size_t i = 0; i < NDATA; i++)
		buf[i] = pat(i);
	if (write(11, buf, NDATA) != NDATA)
		fail("write: %s", strerror(errno));
}

static void check_same_pipe(void)
{
	struct stat a, b, c;
	if (fstat(10, &a) || fstat(11, &b) || fstat(12, &c))
		fail("fstat: %s", strerror(errno));
	if (!S_ISFIFO(a.st_mode) || a.st_ino != b.st_ino || a.st_ino != c.st_ino)
		fail("fds 10, 11, 12 are not one pipe");
	if (fcntl(10, F_GETPIPE_SZ) != CAP)
		fail("capacity %d, expected %d", fcntl(10, F_GETPIPE_SZ), CAP);
	if (!(fcntl(10, F_GETFL) & O_NONBLOCK) || (fcntl(11, F_GETFL) & O_NONBLOCK))
		fail("O_NONBLOCK lost or gained");
	if ((fcntl(10, F_GETFL) & O_ACCMODE) != O_RDONLY || (fcntl(11, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail("access modes changed");
	if (unread(10) != NDATA)
		fail("%d unread bytes, expected %d", unread(10), NDATA);
}

static void check_after_resume(void)
{
	static uint8_t buf[NDATA + 1];
	ssize_t n = read(12, buf, sizeof(buf));
	if (n != NDATA)
		fail("read %zd bytes back, expected %d", n, NDATA);
	for (size_t i = 0; i < NDATA; i++)
		if (buf[i] != pat(i))
			fail("byte %zu is %u, expected %u", i, buf[i], pat(i));
	if (read(10, buf, 1) != -1 || errno != EAGAIN)
		fail("the empty pipe did not say EAGAIN");
	write_pattern();
	/* the peer-gone pipes */
	char p[8] = { 0 };
	if (read(15, p, sizeof(p)) != 4 || memcmp(p, "peer", 4))
		fail("fd 15 lost its unread \"peer\": [%s]", p);
	if ((n = read(15, p, sizeof(p))) != 0)
		fail("fd 15 read %zd after its data, expected EOF (0): %s", n, strerror(errno));
	if (write(16, "x", 1) != -1 || errno != EPIPE)
		fail("fd 16 did not say EPIPE");
}

/* The peer is a grandchild, not a child (a process with children is
 * refused).  It keeps only its pipe ends 17 and 18, and lives until fd 18
 * loses its last writer: fd 16 of the test process, when that dies. */
static void peer(void)
{
	for (int fd = 3; fd < 64; fd++)
		if (fd != 17 && fd != 18)
			close(fd);
	if (write(17, "peer", 4) != 4)
		_exit(1);
	char b[64];
	while (read(18, b, sizeof(b)) > 0)
		;
	_exit(0);
}

static void data_mode(void)
{
	make_pipe(10, 11);
	if (fcntl(11, F_SETPIPE_SZ, CAP) != CAP)
		fail("F_SETPIPE_SZ: %s", strerror(errno));
	fcntl(10, F_SETFL, O_NONBLOCK);
	if (dup2(10, 12) != 12)
		fail("dup2");
	write_pattern();
	make_pipe(15, 17);	/* child writes 17 */
	make_pipe(18, 16);	/* child reads 18 */
	pid_t c = fork();
	if (c == 0) {
		if (fork() == 0)
			peer();
		_exit(0);
	}
	waitpid(c, NULL, 0);
	close(17);
	close(18);
	while (unread(15) != 4)
		t_sleep_ms(5);
	signal(SIGPIPE, SIG_IGN);
	say("ready");
	for (;;) {
		if (t_moved())
			check_after_resume();
		check_same_pipe();
		t_tick();
		t_sleep_ms(100);
	}
}

static void on_usr1(int sig)
{
	(void)sig;
	if (write(11, "w", 1) != 1)
		_exit(5);
}

static void make_fifo(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/f", dir);
	if (mkfifo(path, 0600))
		fail("mkfifo: %s", strerror(errno));
	/* O_NONBLOCK: no writer yet; cleared once fd 11 is the writer */
	place(open(path, O_RDONLY | O_NONBLOCK), 10);
	place(open(path, O_WRONLY), 11);
	fcntl(10, F_SETFL, 0);
}

static void block_mode(const char *fifo_dir)
{
	if (fifo_dir)
		make_fifo(fifo_dir);
	else
		make_pipe(10, 11);
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	say("waiting %d", SYS_read);
	char c = 0;
	ssize_t n = read(10, &c, 1);
	if (n != 1 || c != 'w')
		fail("read returned %zd [%c]: %s", n, c, strerror(errno));
	say("woken");
	for (;;) {
		t_tick();
		t_sleep_ms(100);
	}
}

static void stdin_mode(void)
{
	struct stat st;
	if (fstat(0, &st) || !S_ISFIFO(st.st_mode))
		fail("fd 0 is not a pipe");
	fcntl(0, F_SETFL, O_NONBLOCK);
	say("ready");
	char line[256];
	size_t n = 0;
	for (;;) {
		ssize_t r = read(0, line + n, 1);
		if (r == 1 && line[n] == '\n') {
			line[n] = 0;
			say("got %s", line);
			n = 0;
		} else if (r == 1 && n < sizeof(line) - 1) {
			n++;
		} else if (r < 0 && errno != EAGAIN) {
			fail("read: %s", strerror(errno));
		} else if (r <= 0) {
			t_tick();
			t_sleep_ms(100);
		}
	}
}

int main(int argc, char **argv)
{
	t_init();
	if (argc > 1 && !strcmp(argv[1], "stdin"))
		stdin_mode();
	if (argc > 1 && !strcmp(argv[1], "block"))
		block_mode(argc > 2 ? argv[2] : NULL);
	data_mode();
	return 0;
}
