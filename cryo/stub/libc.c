/* The libc the restore stub needs, and no more: mem and str functions (for
 * the stub itself, for what the compiler emits, and for libzstd/libz),
 * malloc/calloc/free (libzstd and libz allocate their decoder state), the
 * stack protector's canary block and __stack_chk_fail.
 *
 * Memory comes from a static arena in the stub's .bss: it lies in the hole
 * the freezer placed the stub in, so it never collides with the target's
 * mappings, and pages never touched cost nothing.
 */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

/* Keep GCC from turning the loops below into calls to themselves. */
#pragma GCC optimize("no-tree-loop-distribute-patterns")

/* ---- mem/str ----------------------------------------------------------- */

/* rep movsb / rep stosb: fast on every CPU with ERMS, and small. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	if (n) {	/* overlapping, destination above: copy backwards */
		d += n - 1;
		s += n - 1;
		__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;
	while (*p)
		p++;
	return (size_t)(p - s);
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* ---- malloc ------------------------------------------------------------ */
/* A bump allocator with one free list, first fit.  libzstd allocates one
 * decoder context per chunk and frees it again, so the same block comes
 * back every time; the stub's own arrays are allocated once. */

#define ARENA_SIZE (16u << 20)
#define ALIGN 16

struct block {
	size_t size;		/* usable bytes after the header */
	struct block *next;	/* free list link, while free */
};

static unsigned char arena[ARENA_SIZE] __attribute__((aligned(4096)));
static size_t arena_used;
static struct block *free_list;
static int arena_lock;	/* the decompression workers allocate too */

static void lock(void)
{
	while (__atomic_exchange_n(&arena_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&arena_lock, 0, __ATOMIC_RELEASE);
}

void *malloc(size_t n)
{
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	lock();
	for (struct block **pp = &free_list; *pp; pp = &(*pp)->next) {
		struct block *b = *pp;
		/* not more than twice the size: keep big blocks for big requests */
		if (b->size >= n && b->size / 2 <= n) {
			*pp = b->next;
			unlock();
			return b + 1;
		}
	}
	if (n > ARENA_SIZE || ARENA_SIZE - arena_used < n + sizeof(struct block)) {
		unlock();
		return NULL;
	}
	struct block *b = (struct block *)(arena + arena_used);
	arena_used += sizeof(struct block) + n;
	b->size = n;
	unlock();
	return b + 1;
}

void *calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	void *p = malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)p - 1;
	lock();
	b->next = free_list;
	free_list = b;
	unlock();
}

void stub_arena_release(void)
{
	/* Nothing is allocated any more: give the pages back, so that the
	 * resumed program does not carry the stub's heap (nor a later
	 * freeze store it). */
	uint64_t start = (uint64_t)arena;
	sys2(__NR_munmap, start, ARENA_SIZE);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		stub_fatal("out of memory (the image has too many records for the restorer)");
	return p;
}

/* A growable array: room for element n, doubling the capacity. */
void *xgrow(void *arr, size_t n, size_t *cap, size_t elem)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : 16;
	void *p = xmalloc(*cap * elem);
	if (n)
		memcpy(p, arr, n * elem);
	free(arr);
	return p;
}

/* ---- stack protector --------------------------------------------------- */
/* FS points here while the stub runs (stub_start.S): %fs:0 is the block's
 * own address (the x86_64 TCB convention), %fs:0x28 the canary. */
struct stub_tcb {
	uint64_t self;
	uint64_t pad[4];
	uint64_t canary;	/* offset 0x28 */
	uint64_t pad2[2];
};
_Static_assert(__builtin_offsetof(struct stub_tcb, canary) == 0x28, "canary at %fs:0x28");

struct stub_tcb stub_tcb __attribute__((aligned(64)));

void stub_tcb_init(const uint8_t random16[16])
{
	stub_tcb.self = (uint64_t)&stub_tcb;
	if (random16)
		memcpy(&stub_tcb.canary, random16 + 8, 8);
	stub_tcb.canary &= ~0xffull;	/* a NUL byte stops string overflows */
}

__attribute__((noreturn)) void __stack_chk_fail(void)
{
	stub_fatal("stack smashing detected in the decompressor");
}
