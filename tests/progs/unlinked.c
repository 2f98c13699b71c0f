/* unlinked: open and mapped files whose name is gone come back with their
 * contents, offsets, mode and st_nlink == 0.
 *
 * unlinked DIR:
 *   fd 10  DIR/gone.bin, O_RDWR, mode 0640, 3 MiB + 123 bytes: a pattern
 *          with a zero MiB (a hole) in the middle; its first 64 KiB are
 *          also mapped MAP_SHARED: a word written through the mapping
 *          each tick must be read back through the fd (one file again)
 *   fd 11  the same file, a second open file description, O_RDONLY at
 *          offset 777777
 *   fd 12  DIR/sub/small.txt, O_WRONLY|O_APPEND ("small contents\n");
 *          the test removes DIR/sub before the resume: the file must be
 *          made elsewhere, still without a name
 * Both files are unlinked once set up.  Every tick checks nlink, sizes,
 * offsets and flags; after a resume every byte is checked, and that fd 10
 * is still named "DIR/gone.bin (deleted)".
 *
 * unlinked -l DIR: fd 20 is DIR/big.bin, unlinked, sparse, 5 GiB + 7
 *   bytes, with 8 KiB of pattern at 0 and at 4.5 GiB + 100, O_RDONLY at
 *   offset 4.5 GiB + 3: 64-bit sizes and offsets.
 *
 * unlinked -m DIR: files known only through mappings: DIR/mapped.bin
 *   (unlinked) and a memfd "mapped", 64 KiB of pattern each, each mapped
 *   MAP_SHARED twice, every fd closed.  Every tick a word written through
 *   one mapping must show in the other (one file); after a resume the
 *   pattern is checked.
 */
#include "common.h"
#include <sys/mman.h>

#define SIZE ((3u << 20) + 123)
#define MAPLEN (64u << 10)
#define SMALL "small contents\n"

static uint8_t pat(size_t i)
{
	return (i >= (1u << 20) && i < (2u << 20)) ? 0 : (uint8_t)(i * 11 + (i >> 13) + 1);
}

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

static volatile uint64_t *map;
static char gone[4096];

static void setup(const char *dir)
{
	static uint8_t buf[SIZE];
	char small[4096];
	snprintf(gone, sizeof(gone), "%s/gone.bin", dir);
	snprintf(small, sizeof(small), "%s/sub", dir);
	if (mkdir(small, 0755))
		fail("mkdir: %s", strerror(errno));
	snprintf(small, sizeof(small), "%s/sub/small.txt", dir);
	umask(0);
	place(open(gone, O_RDWR | O_CREAT | O_EXCL, 0640), 10);
	for (size_t i = 0; i < SIZE; i++)
		buf[i] = pat(i);
	if (write(10, buf, SIZE) != SIZE)
		fail("write: %s", strerror(errno));
	place(open(gone, O_RDONLY), 11);
	lseek(11, 777777, SEEK_SET);
	map = mmap(NULL, MAPLEN, PROT_READ | PROT_WRITE, MAP_SHARED, 10, 0);
	if (map == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	place(open(small, O_WRONLY | O_CREAT | O_APPEND, 0600), 12);
	if (write(12, SMALL, strlen(SMALL)) != (ssize_t)strlen(SMALL))
		fail("write small");
	if (unlink(gone) || unlink(small))
		fail("unlink: %s", strerror(errno));
}

static void check_all_bytes(void)
{
	static uint8_t buf[SIZE];
	if (pread(10, buf, SIZE, 0) != SIZE)
		fail("pread: %s", strerror(errno));
	for (size_t i = 0; i < SIZE; i++)
		if (i >= 1024 && buf[i] != pat(i))	/* the first KiB is the tick word */
			fail("byte %zu is %u, expected %u", i, buf[i], pat(i));
	char link[4096 + 32], want[4096 + 32];
	ssize_t n = readlink("/proc/self/fd/10", link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = 0;
	snprintf(want, sizeof(want), "%s (deleted)", gone);
	if (strcmp(link, want))
		fail("fd 10 is %s, expected %s", link, want);
	char s[64] = { 0 };
	int fd = open("/proc/self/fd/12", O_RDONLY);
	if (fd < 0 || read(fd, s, sizeof(s)) != (ssize_t)strlen(SMALL) || strcmp(s, SMALL))
		fail("small.txt holds [%s]", s);
	close(fd);
}

static void check_tick(long tick)
{
	struct stat a, b, c;
	if (fstat(10, &a) || fstat(11, &b) || fstat(12, &c))
		fail("fstat: %s", strerror(errno));
	if (a.st_nlink || b.st_nlink || c.st_nlink)
		fail("nlink %lu %lu %lu, expected 0", (unsigned long)a.st_nlink,
		     (unsigned long)b.st_nlink, (unsigned long)c.st_nlink);
	if (a.st_ino != b.st_ino || a.st_size != SIZE || c.st_size != (off_t)strlen(SMALL))
		fail("sizes %ld %ld or fds 10/11 on different files", (long)a.st_size, (long)c.st_size);
	if ((a.st_mode & 07777) != 0640)
		fail("mode %#o, expected 0640", a.st_mode & 07777);
	if (lseek(11, 0, SEEK_CUR) != 777777 || lseek(10, 0, SEEK_CUR) != SIZE)
		fail("offsets %ld %ld", (long)lseek(11, 0, SEEK_CUR), (long)lseek(10, 0, SEEK_CUR));
	if ((fcntl(12, F_GETFL) & (O_ACCMODE | O_APPEND)) != (O_WRONLY | O_APPEND) ||
	    (fcntl(11, F_GETFL) & O_ACCMODE) != O_RDONLY || (fcntl(10, F_GETFL) & O_ACCMODE) != O_RDWR)
		fail("flags changed");
	map[8] = (uint64_t)tick * 977 + 5;	/* through the mapping ... */
	uint64_t w = 0;
	if (pread(10, &w, 8, 64) != 8 || w != (uint64_t)tick * 977 + 5)	/* ... seen by the fd */
		fail("the mapping and fd 10 are not one file: %lu", (unsigned long)w);
}

#define BIG_SIZE ((5ll << 30) + 7)
#define BIG_AT ((9ll << 29) + 100)

static void big_check(int all)
{
	struct stat st;
	if (fstat(20, &st) || st.st_nlink || st.st_size != BIG_SIZE)
		fail("big.bin: nlink %lu size %lld", (unsigned long)st.st_nlink, (long long)st.st_size);
	if (lseek(20, 0, SEEK_CUR) != BIG_AT - 97)
		fail("big.bin offset %lld", (long long)lseek(20, 0, SEEK_CUR));
	static uint8_t buf[8192];
	for (int k = 0; all && k < 2; k++) {
		off_t at = k ? BIG_AT : 0;
		if (pread(20, buf, sizeof(buf), at) != sizeof(buf))
			fail("pread big: %s", strerror(errno));
		for (size_t i = 0; i < sizeof(buf); i++)
			if (buf[i] != pat(i + 7))
				fail("big.bin byte %lld is %u", (long long)(at + (off_t)i), buf[i]);
		if (pread(20, buf, 16, at + 100000) != 16 || buf[0] || buf[15])
			fail("big.bin hole is not zero");
	}
}

static void big_mode(const char *dir)
{
	char path[4096];
	static uint8_t buf[8192];
	snprintf(path, sizeof(path), "%s/big.bin", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pat(i + 7);
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    pwrite(fd, buf, sizeof(buf), BIG_AT) != sizeof(buf) || ftruncate(fd, BIG_SIZE))
		fail("big.bin: %s", strerror(errno));
	close(fd);
	place(open(path, O_RDONLY), 20);
	lseek(20, BIG_AT - 97, SEEK_SET);
	if (unlink(path))
		fail("unlink: %s", strerror(errno));
	say("ready");
	for (;;) {
		big_check(t_moved());
		t_tick();
		t_sleep_ms(100);
	}
}

#define MLEN (64u << 10)

static uint8_t *map_twice(int fd, uint8_t **second)
{
	static uint8_t buf[MLEN];
	for (size_t i = 0; i < MLEN; i++)
		buf[i] = pat(i + 3);
	if (write(fd, buf, MLEN) != MLEN)
		fail("write: %s", strerror(errno));
	uint8_t *a = mmap(NULL, MLEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*second = mmap(NULL, MLEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || *second == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	close(fd);
	return a;
}

static void mapped_mode(const char *dir)
{
	char path[4096];
	uint8_t *a[2], *b[2];
	snprintf(path, sizeof(path), "%s/mapped.bin", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || unlink(path))
		fail("mapped.bin: %s", strerror(errno));
	a[0] = map_twice(fd, &b[0]);
	a[1] = map_twice(memfd_create("mapped", 0), &b[1]);
	say("ready");
	for (uint8_t tick = 1;; tick++) {
		int moved = t_moved() || tick == 1;
		for (int k = 0; k < 2; k++) {
			if (moved)
				for (size_t i = 8; i < MLEN; i++)
					if (b[k][i] != pat(i + 3))
						fail("mapping %d: byte %zu is %u", k, i, b[k][i]);
			a[k][0] = tick;
			if (b[k][0] != tick)
				fail("mapping %d: the two mappings are not one file", k);
		}
		t_tick();
		t_sleep_ms(100);
	}
}

int main(int argc, char **argv)
{
	t_init();
	if (argc > 2 && !strcmp(argv[1], "-m"))
		mapped_mode(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "-l"))
		big_mode(argv[2]);
	if (argc < 2)
		fail("usage: unlinked DIR");
	setup(argv[1]);
	say("ready");
	for (long tick = 0;; tick++) {
		if (t_moved())
			check_all_bytes();
		check_tick(tick);
		t_tick();
		t_sleep_ms(100);
	}
}
