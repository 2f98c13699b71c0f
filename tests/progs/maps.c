/* maps: every kind of mapping comes back with its contents, protection and
 * behaviour.  In directory DIR it creates priv.dat (1 MiB) and shared.dat
 * (64 KiB), then sets up:
 *   anon_rw      private anonymous, 4 MiB, half the pages written
 *   anon_ro      private anonymous, written then made read-only
 *   anon_shared  MAP_SHARED|MAP_ANONYMOUS
 *   file_priv    MAP_PRIVATE of priv.dat, read-write, one page modified
 *                (copy-on-write: the file itself must stay unmodified)
 *   file_ro      MAP_PRIVATE read-only of priv.dat at file offset 64 KiB
 *   file_shared  MAP_SHARED of shared.dat: a counter written through the
 *                mapping every tick must be visible with pread() on the file
 *   guard        PROT_NONE reservation: stays ---p, and can be mprotect'ed
 *   jit          code written at run time, then made r-x, called every tick
 *   sparse       1 GiB MAP_NORESERVE with three pages touched
 *   growsdown    a MAP_GROWSDOWN area grown by one page every tick by
 *                touching just below it
 *   [stack]      recursion 1 MiB deep before the freeze; after a resume it
 *                goes 3 MiB deep, growing the stack past what was mapped
 * A SIGSEGV (e.g. a growsdown area restored without its flag) is reported
 * as a FAIL from a handler on an alternate stack.
 *
 * usage: maps DIR
 */
#include "common.h"
#include <sys/mman.h>

#define PG 4096u
#define MIB (1u << 20)

static uint8_t *anon_rw, *anon_ro, *anon_shared, *file_priv, *file_ro, *file_shared, *guard, *sparse;
static uint8_t *gd_top, *gd_low;	/* growsdown: [gd_low, gd_top) is written */
static int (*jit)(void);
static int fd_priv, fd_shared;
static uint8_t filebuf[MIB];

static uint8_t pat(size_t i, unsigned tag) { return (uint8_t)((i * 131u + (i >> 12) * 7u + tag) & 0xff); }

static void segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	say("FAIL: signal %d at address %p", sig, si->si_addr);
	_exit(1);
}

/* perms ("rw-p") and extent of the mapping holding addr; 0 if none. */
static int vma_of(const void *addr, char perms[5], uintptr_t *start, uintptr_t *end)
{
	static char maps[1 << 17];
	ssize_t n = t_read_file("/proc/self/maps", maps, sizeof(maps) - 1);
	if (n <= 0)
		fail("cannot read /proc/self/maps");
	maps[n] = 0;
	for (char *l = maps; *l;) {
		unsigned long s, e;
		char p[5];
		if (sscanf(l, "%lx-%lx %4s", &s, &e, p) == 3 && (uintptr_t)addr >= s && (uintptr_t)addr < e) {
			memcpy(perms, p, 5);
			*start = s;
			*end = e;
			return 1;
		}
		char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return 0;
}

static void expect_perms(const char *what, const void *addr, const char *want)
{
	char p[5];
	uintptr_t s, e;
	if (!vma_of(addr, p, &s, &e))
		fail("%s: no mapping at %p", what, addr);
	if (strcmp(p, want) != 0)
		fail("%s at %p: permissions %s, expected %s", what, addr, p, want);
}

static void *map(size_t len, int prot, int flags, int fd, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	return p;
}

static void make_file(const char *name, size_t len, unsigned tag)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		fail("create %s: %s", name, strerror(errno));
	for (size_t i = 0; i < len; i++)
		filebuf[i] = pat(i, tag);
	if (write(fd, filebuf, len) != (ssize_t)len)
		fail("write %s", name);
	close(fd);
}

static unsigned long __attribute__((noinline)) dive(long bytes, unsigned long acc)
{
	volatile uint8_t frame[4000];
	for (unsigned i = 0; i < sizeof(frame); i += 512)
		frame[i] = (uint8_t)(acc + i);
	unsigned long r = bytes > 0 ? dive(bytes - 4096, acc * 31 + 7) : acc;
	for (unsigned i = 0; i < sizeof(frame); i += 512)
		if (frame[i] != (uint8_t)(acc + i))
			fail("stack frame clobbered at depth %ld", bytes);
	return r + frame[0];
}

static void check_file_view(const char *what, const uint8_t *m, size_t off, size_t len, int skip_page)
{
	if (pread(fd_priv, filebuf, len, (off_t)off) != (ssize_t)len)
		fail("pread priv.dat");
	for (size_t i = 0; i < len; i++) {
		if (skip_page >= 0 && i / PG == (size_t)skip_page)
			continue;
		if (filebuf[i] != pat(off + i, 1))
			fail("priv.dat changed on disk at %zu", off + i);
		if (m[i] != filebuf[i])
			fail("%s differs from the file at offset %zu", what, off + i);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) != 0)
		fail("usage: maps DIR");
	t_init();
	static uint8_t altstack[64 << 10];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { .sa_sigaction = segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	sigaltstack(&ss, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	make_file("priv.dat", MIB, 1);
	make_file("shared.dat", 64 << 10, 2);
	fd_priv = open("priv.dat", O_RDONLY);
	fd_shared = open("shared.dat", O_RDONLY);
	if (fd_priv < 0 || fd_shared < 0)
		fail("open data files");

	anon_rw = map(4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < 2 * MIB; i++)
		anon_rw[i] = pat(i, 3);
	anon_ro = map(256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < (256 << 10); i++)
		anon_ro[i] = pat(i, 4);
	mprotect(anon_ro, 256 << 10, PROT_READ);
	anon_shared = map(MIB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (size_t i = 0; i < MIB; i++)
		anon_shared[i] = pat(i, 5);
	file_priv = map(MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd_priv, 0);
	memset(file_priv + 3 * PG, 0xee, PG);
	file_ro = map(128 << 10, PROT_READ, MAP_PRIVATE, fd_priv, 64 << 10);
	int fds = open("shared.dat", O_RDWR);
	file_shared = map(64 << 10, PROT_READ | PROT_WRITE, MAP_SHARED, fds, 0);
	close(fds);
	guard = map(MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	static const uint8_t code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };	/* mov eax,42; ret */
	uint8_t *j = map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(j, code, sizeof(code));
	mprotect(j, PG, PROT_READ | PROT_EXEC);
	jit = (int (*)(void))(void *)j;
	sparse = map(1024 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	sparse[0] = 0x11;
	sparse[512 * MIB] = 0x22;
	sparse[1024 * MIB - 1] = 0x33;
	/* growsdown: a 64 KiB area at the top of a 32 MiB hole */
	uint8_t *hole = map(32 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	munmap(hole, 32 * MIB);
	gd_top = hole + 32 * MIB;
	gd_low = mmap(gd_top - 64 * 1024, 64 * 1024, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	if (gd_low != gd_top - 64 * 1024)
		fail("mmap MAP_GROWSDOWN: %s", strerror(errno));
	for (uint8_t *p = gd_low; p < gd_top; p += PG)
		*p = (uint8_t)((gd_top - p) / PG);

	uint64_t shared_ctr = 0;
	say("ready");
	for (;;) {
		int moved = !t_is_orig();
		for (size_t i = 0; i < 4 * MIB; i += 61)
			if (anon_rw[i] != (i < 2 * MIB ? pat(i, 3) : 0))
				fail("anon_rw differs at %zu", i);
		expect_perms("anon_rw", anon_rw, "rw-p");
		for (size_t i = 0; i < (256 << 10); i += 17)
			if (anon_ro[i] != pat(i, 4))
				fail("anon_ro differs at %zu", i);
		expect_perms("anon_ro", anon_ro, "r--p");
		for (size_t i = 8; i < MIB; i += 13)
			if (anon_shared[i] != pat(i, 5))
				fail("anon_shared differs at %zu", i);
		if (*(uint64_t *)anon_shared != shared_ctr && shared_ctr)
			fail("anon_shared counter %llu, expected %llu", (unsigned long long)*(uint64_t *)anon_shared,
			     (unsigned long long)shared_ctr);
		expect_perms("anon_shared", anon_shared, "rw-s");
		check_file_view("file_priv", file_priv, 0, MIB, 3);
		for (size_t i = 3 * PG; i < 4 * PG; i++)
			if (file_priv[i] != 0xee)
				fail("file_priv copy-on-write page lost at %zu", i);
		expect_perms("file_priv", file_priv, "rw-p");
		check_file_view("file_ro", file_ro, 64 << 10, 128 << 10, -1);
		expect_perms("file_ro", file_ro, "r--p");
		/* shared file mapping: what we write must reach the file */
		uint64_t v = ((uint64_t)getpid() << 32) | (uint64_t)t_ticks, w = 0;
		memcpy(file_shared + 4096, &v, 8);
		if (pread(fd_shared, &w, 8, 4096) != 8 || w != v)
			fail("shared.dat does not see the write through file_shared (%#llx, wrote %#llx)",
			     (unsigned long long)w, (unsigned long long)v);
		for (size_t i = 8192; i < (64 << 10); i += 31)
			if (file_shared[i] != pat(i, 2))
				fail("file_shared differs at %zu", i);
		expect_perms("file_shared", file_shared, "rw-s");
		/* guard */
		expect_perms("guard", guard + 5 * PG, "---p");
		if (mprotect(guard + 5 * PG, PG, PROT_READ | PROT_WRITE) != 0)
			fail("mprotect of the guard area: %s", strerror(errno));
		guard[5 * PG] = 7;
		if (guard[5 * PG] != 7)
			fail("guard page not writable after mprotect");
		mprotect(guard + 5 * PG, PG, PROT_NONE);
		expect_perms("guard", guard + 5 * PG, "---p");
		/* jit */
		expect_perms("jit", (void *)jit, "r-xp");
		if (jit() != 42)
			fail("jit code returned the wrong value");
		/* sparse */
		if (sparse[0] != 0x11 || sparse[512 * MIB] != 0x22 || sparse[1024 * MIB - 1] != 0x33 ||
		    sparse[300 * MIB] != 0 || sparse[700 * MIB + 5] != 0)
			fail("sparse mapping contents wrong");
		/* growsdown: check, then grow by one page */
		for (uint8_t *p = gd_low; p < gd_top; p += PG)
			if (*p != (uint8_t)((gd_top - p) / PG))
				fail("growsdown area differs at %p", (void *)p);
		if (gd_top - gd_low < 16 * MIB) {
			uint8_t *p = gd_low - PG;
			*p = (uint8_t)((gd_top - p) / PG);	/* faults below the area: must grow */
			gd_low = p;
			char perms[5];
			uintptr_t s, e;
			if (!vma_of(gd_low, perms, &s, &e) || s != (uintptr_t)gd_low || e != (uintptr_t)gd_top)
				fail("growsdown area did not grow to %p", (void *)gd_low);
		}
		/* main stack */
		long depth = moved ? 3 * MIB : ((t_ticks + 1) * 64 * 1024 < MIB ? (t_ticks + 1) * 64 * 1024 : MIB);
		dive(depth, 1);

		shared_ctr = (uint64_t)t_ticks + 1;
		*(uint64_t *)anon_shared = shared_ctr;
		t_tick();
		t_sleep_ms(50);
	}
}
