/* memfd: memfds come back with name, contents, size, seals, offsets, and
 * a MAP_SHARED mapping shared with the fd again.
 *
 *   fd 10  memfd "cryo-test" (sealing allowed): 200000 pattern bytes, size
 *          300000, seals F_SEAL_SHRINK|F_SEAL_GROW, offset 1234; mapped
 *          MAP_SHARED whole: each tick a word written through the mapping
 *          is read through the fd and one written through the fd is seen
 *          in the mapping
 *   fd 11  memfd "sealed": "frozen contents", sealed WRITE|SHRINK|GROW|SEAL
 *          (writes fail with EPERM)
 *   fd 12  memfd "plain" without MFD_ALLOW_SEALING (seals: F_SEAL_SEAL),
 *          12288 bytes of 'p'
 *   fd 13  fd 10 reopened through /proc/self/fd/10, O_RDONLY, offset 55:
 *          its own open file description on the same memfd
 *   fd 14  memfd "noexec" made with MFD_NOEXEC_SEAL (Linux >= 6.3; left
 *          out before): mode 0666 and F_SEAL_EXEC kept
 */
#include "common.h"
#include <sys/mman.h>

#define DATA 200000
#define SIZE 300000
#define FROZEN "frozen contents"
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
static int have_noexec;

static uint8_t pat(size_t i) { return (uint8_t)(i * 29 + 3); }
static volatile uint64_t *map;

static void place(int fd, int want)
{
	if (fd < 0)
		fail("memfd/open: %s", strerror(errno));
	if (fd != want) {
		if (dup2(fd, want) != want)
			fail("dup2: %s", strerror(errno));
		close(fd);
	}
}

static void setup(void)
{
	static uint8_t buf[DATA];
	place(memfd_create("cryo-test", MFD_ALLOW_SEALING), 10);
	for (size_t i = 0; i < DATA; i++)
		buf[i] = pat(i);
	if (write(10, buf, DATA) != DATA || ftruncate(10, SIZE))
		fail("write: %s", strerror(errno));
	map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 10, 0);
	if (map == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	if (fcntl(10, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		fail("F_ADD_SEALS: %s", strerror(errno));
	lseek(10, 1234, SEEK_SET);
	place(memfd_create("sealed", MFD_ALLOW_SEALING), 11);
	if (write(11, FROZEN, strlen(FROZEN)) != (ssize_t)strlen(FROZEN) ||
	    fcntl(11, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		fail("sealed: %s", strerror(errno));
	place(memfd_create("plain", 0), 12);
	memset(buf, 'p', 12288);
	if (write(12, buf, 12288) != 12288)
		fail("write plain");
	place(open("/proc/self/fd/10", O_RDONLY), 13);
	lseek(13, 55, SEEK_SET);
	int fd = memfd_create("noexec", MFD_NOEXEC_SEAL);
	if (fd >= 0) {
		place(fd, 14);
		have_noexec = 1;
	}
}

static void check_noexec(void)
{
	struct stat st;
	if (!have_noexec)
		return;
	if (fstat(14, &st) || (st.st_mode & 07777) != 0666 || !(fcntl(14, F_GET_SEALS) & F_SEAL_EXEC))
		fail("noexec memfd: mode %#o seals %#x", st.st_mode & 07777, fcntl(14, F_GET_SEALS));
}

static void want_link(int fd, const char *name)
{
	char l[256], w[256];
	ssize_t n = readlink(fd == 10 ? "/proc/self/fd/10" : fd == 11 ? "/proc/self/fd/11"
						      : "/proc/self/fd/12", l, sizeof(l) - 1);
	l[n < 0 ? 0 : n] = 0;
	snprintf(w, sizeof(w), "/memfd:%s (deleted)", name);
	if (strcmp(l, w))
		fail("fd %d is %s, expected %s", fd, l, w);
}

static void check_contents(void)
{
	static uint8_t buf[SIZE];
	if (pread(10, buf, SIZE, 0) != SIZE)
		fail("pread: %s", strerror(errno));
	for (size_t i = 4096; i < SIZE; i++)	/* the first page holds the tick words */
		if (buf[i] != (i < DATA ? pat(i) : 0))
			fail("byte %zu is %u", i, buf[i]);
	char s[32] = { 0 };
	if (pread(11, s, sizeof(s), 0) != (ssize_t)strlen(FROZEN) || strcmp(s, FROZEN))
		fail("sealed holds [%s]", s);
	if (pread(12, buf, 12289, 0) != 12288 || buf[0] != 'p' || buf[12287] != 'p')
		fail("plain changed");
	want_link(10, "cryo-test");
	want_link(11, "sealed");
	want_link(12, "plain");
}

static void check_tick(long tick)
{
	struct stat a, b;
	if (fstat(10, &a) || fstat(13, &b) || a.st_ino != b.st_ino || a.st_size != SIZE || a.st_nlink)
		fail("fd 10/13: not one memfd of %d bytes", SIZE);
	if (fcntl(10, F_GET_SEALS) != (F_SEAL_SHRINK | F_SEAL_GROW) ||
	    fcntl(11, F_GET_SEALS) != (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) ||
	    fcntl(12, F_GET_SEALS) != F_SEAL_SEAL)
		fail("seals %#x %#x %#x", fcntl(10, F_GET_SEALS), fcntl(11, F_GET_SEALS),
		     fcntl(12, F_GET_SEALS));
	check_noexec();
	if (pwrite(11, "x", 1, 0) != -1 || errno != EPERM)
		fail("the write-sealed memfd took a write");
	if (lseek(10, 0, SEEK_CUR) != 1234 || lseek(13, 0, SEEK_CUR) != 55)
		fail("offsets %ld %ld", (long)lseek(10, 0, SEEK_CUR), (long)lseek(13, 0, SEEK_CUR));
	if ((fcntl(13, F_GETFL) & O_ACCMODE) != O_RDONLY || (fcntl(10, F_GETFL) & O_ACCMODE) != O_RDWR)
		fail("access modes changed");
	map[1] = (uint64_t)tick * 31 + 7;
	uint64_t w = 0, v = (uint64_t)tick * 17 + 1;
	if (pread(13, &w, 8, 8) != 8 || w != (uint64_t)tick * 31 + 7)
		fail("a write through the mapping is not seen by the fd");
	if (pwrite(10, &v, 8, 16) != 8 || map[2] != v)
		fail("a write through the fd is not seen in the mapping");
}

int main(void)
{
	t_init();
	setup();
	say("ready");
	for (long tick = 0;; tick++) {
		if (t_moved())
			check_contents();
		check_tick(tick);
		t_tick();
		t_sleep_ms(100);
	}
}
