/* fifo: a FIFO (named pipe) comes back by path with its unread data.
 *
 * fifo DIR: makes DIR/f (mode 0640), opens it O_RDONLY|O_NONBLOCK on fd 10
 * and O_WRONLY on fd 11, sets a capacity of 128 KiB and leaves 5000
 * unread bytes.  Every tick: fd 10 and 11 are on DIR/f (a FIFO), flags
 * and capacity as set, 5000 bytes unread.  After a resume the bytes are
 * read and checked and written back.
 */
#include "common.h"
#include <sys/ioctl.h>

#define CAP (128 * 1024)
#define NDATA 5000

static uint8_t pat(size_t i) { return (uint8_t)(i * 13 + 1); }

static void place(int fd, int want)
{
	if (fd < 0)
		fail("open: %s", strerror(errno));
	if (fd != want) {
		if (dup2(fd, want) != want)
			fail("dup2: %s", strerror(errno));
		close(fd);
	}
}

static void put(void)
{
	uint8_t buf[NDATA];
	for (size_t i = 0; i < NDATA; i++)
		buf[i] = pat(i);
	if (write(11, buf, NDATA) != NDATA)
		fail("write: %s", strerror(errno));
}

static void check_fifo(const char *path)
{
	struct stat a, b, c;
	int n = -1;
	if (fstat(10, &a) || fstat(11, &b) || stat(path, &c))
		fail("stat: %s", strerror(errno));
	if (!S_ISFIFO(c.st_mode) || a.st_ino != c.st_ino || b.st_ino != c.st_ino)
		fail("fds 10, 11 are not on the FIFO %s", path);
	if (fcntl(10, F_GETPIPE_SZ) != CAP)
		fail("capacity %d", fcntl(10, F_GETPIPE_SZ));
	if ((fcntl(10, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != (O_RDONLY | O_NONBLOCK) ||
	    (fcntl(11, F_GETFL) & (O_ACCMODE | O_NONBLOCK)) != O_WRONLY)
		fail("flags changed: %#o %#o", fcntl(10, F_GETFL), fcntl(11, F_GETFL));
	if (ioctl(10, FIONREAD, &n) || n != NDATA)
		fail("%d unread bytes, expected %d", n, NDATA);
}

int main(int argc, char **argv)
{
	t_init();
	if (argc < 2)
		fail("usage: fifo DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/f", argv[1]);
	umask(0);
	if (mkfifo(path, 0640))
		fail("mkfifo: %s", strerror(errno));
	place(open(path, O_RDONLY | O_NONBLOCK), 10);
	place(open(path, O_WRONLY), 11);
	if (fcntl(11, F_SETPIPE_SZ, CAP) != CAP)
		fail("F_SETPIPE_SZ: %s", strerror(errno));
	put();
	say("ready");
	for (;;) {
		if (t_moved()) {
			uint8_t buf[NDATA + 1];
			if (read(10, buf, sizeof(buf)) != NDATA)
				fail("read back fewer than %d bytes", NDATA);
			for (size_t i = 0; i < NDATA; i++)
				if (buf[i] != pat(i))
					fail("byte %zu changed", i);
			struct stat st;
			if (stat(path, &st) || (st.st_mode & 07777) != 0640)
				fail("the FIFO's mode is %#o", st.st_mode & 07777);
			put();
		}
		check_fifo(path);
		t_tick();
		t_sleep_ms(100);
	}
}
