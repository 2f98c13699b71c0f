/* CRC32C with the SSE4.2 crc32 instruction where the CPU has it (several
 * GB/s: the stub checks every chunk before it touches anything), and a
 * bytewise table otherwise.  Freestanding. */
#include "crc32c.h"

#include <cpuid.h>

#define CRC32C_POLY 0x82f63b78u	/* reflected Castagnoli polynomial */

static uint32_t table[256];
static int have_sse42 = -1;	/* -1: not probed yet */

static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		table[i] = c;
	}
	unsigned a, b, c, d;
	have_sse42 = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t w;
		__builtin_memcpy(&w, p, 8);
		c = __builtin_ia32_crc32di(c, w);
	}
	uint32_t c32 = (uint32_t)c;
	for (; len; len--)
		c32 = __builtin_ia32_crc32qi(c32, *p++);
	return c32;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	if (have_sse42 < 0)
		crc32c_init();
	crc = ~crc;
	if (have_sse42)
		crc = crc32c_hw(crc, p, len);
	else
		for (; len; len--)
			crc = (crc >> 8) ^ table[(crc ^ *p++) & 0xff];
	return ~crc;
}
