/* brk: the program break keeps working after a resume.
 *
 * Grows the break with sbrk() by 64 KiB every tick (the new break must start
 * exactly where the old one ended), fills the new piece with a pattern and
 * re-checks every piece so far; /proc/self/maps must show a [heap] mapping
 * reaching the current break.  Also mallocs small blocks every tick (the
 * main arena lives in the brk heap) and checks all blocks kept so far.
 * After a resume the break must keep growing from where it was.
 */
#include "common.h"

#define PIECE (64u << 10)
#define MAXPIECES 2048
#define MAXBLOCKS 4096

static uint8_t *pieces[MAXPIECES];
static unsigned npieces;
static uint32_t *blocks[MAXBLOCKS];
static unsigned nblocks;

static void fill(uint8_t *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = (uint32_t)(i * 2654435761u) ^ (tag * 40503u);
		memcpy(p + i, &v, 4);
	}
}

static int same(const uint8_t *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = (uint32_t)(i * 2654435761u) ^ (tag * 40503u), w;
		memcpy(&w, p + i, 4);
		if (v != w)
			return 0;
	}
	return 1;
}

static void check_heap_mapping(uintptr_t lo, uintptr_t brk)
{
	static char maps[1 << 16];
	ssize_t n = t_read_file("/proc/self/maps", maps, sizeof(maps) - 1);
	if (n <= 0)
		fail("cannot read /proc/self/maps");
	maps[n] = 0;
	for (char *line = maps; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long s, e;
		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		int is_heap = strstr(line, "[heap]") != NULL;
		if (nl)
			*nl = '\n';
		if (is_heap) {
			if (s > lo || e < brk)
				fail("[heap] is %#lx-%#lx, does not cover %#lx-%#lx", s, e, (unsigned long)lo,
				     (unsigned long)brk);
			return;
		}
	}
	fail("no [heap] mapping in /proc/self/maps (break at %#lx)", (unsigned long)brk);
}

int main(void)
{
	t_init();
	uint8_t *first = sbrk(0);
	for (int i = 0; i < 16; i++) {	/* 1 MiB before the freeze */
		uint8_t *p = sbrk(PIECE);
		if (p == (void *)-1)
			fail("sbrk: %s", strerror(errno));
		fill(p, PIECE, npieces);
		pieces[npieces++] = p;
	}
	say("ready");
	for (;;) {
		uint8_t *cur = sbrk(0);
		uint8_t *p = sbrk(PIECE);
		if (p == (void *)-1)
			fail("sbrk(%u) failed after %u pieces: %s", PIECE, npieces, strerror(errno));
		if (p != cur)
			fail("sbrk returned %p, break was %p", (void *)p, (void *)cur);
		if ((uint8_t *)sbrk(0) != p + PIECE)
			fail("break is %p after growing from %p", sbrk(0), (void *)p);
		if (npieces < MAXPIECES) {
			fill(p, PIECE, npieces);
			pieces[npieces++] = p;
		}
		for (unsigned i = 0; i < npieces; i++)
			if (!same(pieces[i], PIECE, i))
				fail("brk piece %u at %p lost its contents", i, (void *)pieces[i]);
		check_heap_mapping((uintptr_t)first, (uintptr_t)sbrk(0));

		for (int k = 0; k < 32 && nblocks < MAXBLOCKS; k++) {
			size_t words = 8 + (nblocks * 7) % 250;
			uint32_t *b = malloc(words * 4);
			if (!b)
				fail("malloc failed");
			b[0] = (uint32_t)words;
			for (size_t j = 1; j < words; j++)
				b[j] = nblocks * 1000003u + (uint32_t)j;
			blocks[nblocks++] = b;
		}
		for (unsigned i = 0; i < nblocks; i++)
			for (size_t j = 1; j < blocks[i][0]; j++)
				if (blocks[i][j] != i * 1000003u + (uint32_t)j)
					fail("malloc block %u lost its contents", i);
		t_tick();
		t_sleep_ms(50);
	}
}
