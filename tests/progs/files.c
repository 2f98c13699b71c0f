/* files: open files come back at their numbers with flags and offsets.
 *
 * In DIR (its working directory, with umask 027):
 *   fd 10  append.log, O_WRONLY|O_APPEND: a line per tick; after each write
 *          the offset must equal the file size (the test appends a line of
 *          its own between freeze and resume: O_APPEND must write after it)
 *   fd 11  data.bin (1 MiB pattern), O_RDONLY, started at offset 12345:
 *          16 bytes read per tick must be the pattern at the expected offset
 *   fd 12  rw.bin, O_RDWR|O_CLOEXEC: FD_CLOEXEC must stay set
 *   fd 13  rw.bin again, O_RDWR without O_CLOEXEC: FD_CLOEXEC must stay clear
 *   fd 14  /dev/null, O_WRONLY: a character device, writes succeed
 *   fd 15  DIR itself, O_DIRECTORY: openat(15, "data.bin") must work
 *   fd 200 data.bin, O_RDONLY|O_NONBLOCK at a high number
 *   with -d: fd 16 = dup(11): one open file description, so reading through
 *          fd 11 moves fd 16's offset too
 * Every tick also checks the cwd, the umask, each fd's access mode and
 * status flags, and that the set of open fds is exactly what it was.
 *
 * usage: files [-d] DIR
 */
#include "common.h"
#include <dirent.h>
#include <sys/sysmacros.h>

#define DATA_LEN (1u << 20)
static uint8_t dpat(size_t i) { return (uint8_t)((i * 131u + (i >> 12)) & 0xff); }

static char fdset0[1024];

static void list_fds(char *out, size_t cap)
{
	int have[1024] = { 0 };
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		fail("opendir /proc/self/fd: %s", strerror(errno));
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd != self && fd < 1024)
			have[fd] = 1;
	}
	closedir(d);
	size_t n = 0;
	out[0] = 0;
	for (int fd = 0; fd < 1024 && n + 8 < cap; fd++)
		if (have[fd])
			n += (size_t)snprintf(out + n, cap - n, "%d ", fd);
}

static void want_flags(int fd, int acc, int flags, int cloexec)
{
	int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);
	if (fl < 0 || fdf < 0)
		fail("fd %d is not open: %s", fd, strerror(errno));
	if ((fl & O_ACCMODE) != acc)
		fail("fd %d access mode %#o, expected %#o", fd, fl & O_ACCMODE, acc);
	int mask = O_APPEND | O_NONBLOCK | O_DIRECTORY;
	if ((fl & mask & ~O_DIRECTORY) != (flags & mask & ~O_DIRECTORY))
		fail("fd %d flags %#o, expected %#o", fd, fl, flags);
	if (!!(fdf & FD_CLOEXEC) != cloexec)
		fail("fd %d FD_CLOEXEC is %s", fd, cloexec ? "clear" : "set");
}

static void place(int fd, int want)
{
	if (fd != want) {
		if (dup2(fd, want) != want)
			fail("dup2: %s", strerror(errno));
		close(fd);
	}
}

int main(int argc, char **argv)
{
	int dup_mode = 0;
	if (argc > 2 && strcmp(argv[1], "-d") == 0)
		dup_mode = 1, argv++, argc--;
	if (argc < 2 || chdir(argv[1]) != 0)
		fail("usage: files [-d] DIR");
	t_init();
	umask(027);
	char cwd0[4096];
	if (!getcwd(cwd0, sizeof(cwd0)))
		fail("getcwd");

	static uint8_t buf[DATA_LEN];
	for (size_t i = 0; i < DATA_LEN; i++)
		buf[i] = dpat(i);
	int fd = open("data.bin", O_WRONLY | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || write(fd, buf, DATA_LEN) != DATA_LEN)
		fail("create data.bin");
	close(fd);

	place(open("append.log", O_WRONLY | O_APPEND | O_CREAT | O_TRUNC, 0640), 10);
	place(open("data.bin", O_RDONLY), 11);
	if (lseek(11, 12345, SEEK_SET) != 12345)
		fail("lseek");
	place(open("rw.bin", O_RDWR | O_CREAT | O_TRUNC, 0640), 12);
	fcntl(12, F_SETFD, FD_CLOEXEC);
	place(open("rw.bin", O_RDWR), 13);
	place(open("/dev/null", O_WRONLY), 14);
	place(open(".", O_RDONLY | O_DIRECTORY), 15);
	place(open("data.bin", O_RDONLY | O_NONBLOCK), 200);
	if (dup_mode && dup2(11, 16) != 16)
		fail("dup2");
	struct stat st_data;
	stat("data.bin", &st_data);
	list_fds(fdset0, sizeof(fdset0));

	off_t pos = 12345;
	say("ready");
	for (;;) {
		char cwd[4096], fds[1024];
		if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, cwd0) != 0)
			fail("cwd is %s, expected %s", cwd, cwd0);
		mode_t um = umask(0);
		umask(um);
		if (um != 027)
			fail("umask is %03o, expected 027", um);
		list_fds(fds, sizeof(fds));
		if (strcmp(fds, fdset0) != 0)
			fail("open fds are [%s], expected [%s]", fds, fdset0);

		want_flags(10, O_WRONLY, O_APPEND, 0);
		want_flags(11, O_RDONLY, 0, 0);
		want_flags(12, O_RDWR, 0, 1);
		want_flags(13, O_RDWR, 0, 0);
		want_flags(14, O_WRONLY, 0, 0);
		want_flags(15, O_RDONLY, O_DIRECTORY, 0);
		want_flags(200, O_RDONLY, O_NONBLOCK, 0);

		char line[64];
		int n = snprintf(line, sizeof(line), "line %ld from %d\n", t_ticks, (int)getpid());
		if (write(10, line, (size_t)n) != n)
			fail("write append.log: %s", strerror(errno));
		struct stat st;
		fstat(10, &st);
		if (lseek(10, 0, SEEK_CUR) != st.st_size)
			fail("append.log offset %lld after an O_APPEND write, size %lld",
			     (long long)lseek(10, 0, SEEK_CUR), (long long)st.st_size);

		if (lseek(11, 0, SEEK_CUR) != pos)
			fail("data.bin offset %lld, expected %lld", (long long)lseek(11, 0, SEEK_CUR), (long long)pos);
		uint8_t d[16];
		if (read(11, d, 16) != 16)
			fail("read data.bin: %s", strerror(errno));
		for (int i = 0; i < 16; i++)
			if (d[i] != dpat((size_t)pos + (size_t)i))
				fail("data.bin at offset %lld reads wrong bytes", (long long)pos + i);
		pos += 16;
		if (pos > DATA_LEN - 64) {
			pos = 777;
			lseek(11, pos, SEEK_SET);
		}
		if (dup_mode && lseek(16, 0, SEEK_CUR) != pos)
			fail("fd 16 (a dup of fd 11) is at offset %lld, fd 11 at %lld: not one open file any more",
			     (long long)lseek(16, 0, SEEK_CUR), (long long)pos);

		if (pwrite(12, line, (size_t)n, 0) != n || pread(13, d, 4, 0) != 4 || memcmp(d, "line", 4) != 0)
			fail("rw.bin write/read back failed");
		if (write(14, line, (size_t)n) != n)
			fail("write /dev/null: %s", strerror(errno));
		struct stat sn;
		if (fstat(14, &sn) != 0 || !S_ISCHR(sn.st_mode) || sn.st_rdev != makedev(1, 3))
			fail("fd 14 is not /dev/null");
		int fd2 = openat(15, "data.bin", O_RDONLY | O_CLOEXEC);
		struct stat s2;
		if (fd2 < 0 || fstat(fd2, &s2) != 0 || s2.st_ino != st_data.st_ino)
			fail("openat(dirfd 15, data.bin) failed");
		close(fd2);
		if (pread(200, d, 4, 4096) != 4 || d[0] != dpat(4096))
			fail("pread fd 200");

		t_tick();
		t_sleep_ms(50);
	}
}
