/* Private to the memory side of the freezer (maps.c, collect_memory.c,
 * writer.c): flags that /proc says about a mapping but that never reach the
 * image, and the page size. */
#ifndef CRYO_FREEZE_MEMORY_H
#define CRYO_FREEZE_MEMORY_H

#include <stdint.h>

#define PAGE_SIZE_4K 4096u
#define PAGE_ROUND_UP(x) (((x) + PAGE_SIZE_4K - 1) & ~(uint64_t)(PAGE_SIZE_4K - 1))

/* struct map_entry.vmflags bits above the CRYO_VMA_* ones (records.h uses
 * the low 32 bits); collect_memory strips them from the VMA record. */
#define MAP_X_HUGETLB (1ull << 32)	/* VmFlags ht: hugetlbfs pages */
#define MAP_X_IO (1ull << 33)		/* VmFlags io/pf: device memory */
#define MAP_X_EMPTY (1ull << 34)	/* Rss and Swap 0: no page to look for */
#define MAP_X_MAYWRITE (1ull << 35)	/* VmFlags mw: may ever be made writable */
#define MAP_X_MASK (~0ull << 32)

struct freeze_ctx;
/* writer.c: image_add_chunk, but the writer copies src into memory of its
 * own (recycled, huge-page backed) before returning.  0 or -1. */
int image_add_chunk_copy(struct freeze_ctx *ctx, uint64_t vaddr, const void *src,
			 size_t raw_len);

#endif
