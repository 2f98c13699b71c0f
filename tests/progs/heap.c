/* heap: a large malloc'd heap, half pseudo-random, half zero.
 *
 * The random half is a reproducible xorshift stream; the zero half was
 * written (so its pages are present) and then cleared; a further tail of
 * 16 MiB was allocated and never touched.  Every tick re-generates the
 * stream and compares the whole area, checks the zero half and the untouched
 * tail read as zero, and that a checksum kept in ordinary memory still
 * matches.  Ticks come as fast as the verification allows.
 *
 * usage: heap [MiB]      (default 256)
 */
#include "common.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)atol(argv[1]) : 256;
	size_t len = mib << 20, half = len / 2, tail = 16u << 20;
	t_init();
	uint8_t *p = malloc(len + tail);
	if (!p)
		fail("malloc(%zu MiB) failed", mib);
	uint64_t seed = 0x1234567887654321ULL ^ (uint64_t)mib, s = seed;
	uint64_t sum = 0;
	for (size_t i = 0; i < half; i += 8) {
		uint64_t v = t_rand(&s);
		memcpy(p + i, &v, 8);
		sum += v;
	}
	memset(p + half, 0xa5, len - half);
	memset(p + half, 0, len - half);
	t_state_init();
	say("ready");
	for (;;) {
		s = seed;
		uint64_t sum2 = 0;
		for (size_t i = 0; i < half; i += 8) {
			uint64_t v = t_rand(&s), w;
			memcpy(&w, p + i, 8);
			if (v != w)
				fail("random half differs at offset %#zx: %#llx, expected %#llx", i,
				     (unsigned long long)w, (unsigned long long)v);
			sum2 += w;
		}
		if (sum2 != sum)
			fail("checksum %#llx, expected %#llx", (unsigned long long)sum2, (unsigned long long)sum);
		for (size_t i = half; i < len + tail; i += 8) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (w != 0)
				fail("zero %s differs at offset %#zx: %#llx", i < len ? "half" : "tail", i,
				     (unsigned long long)w);
		}
		t_state_check();
		t_tick();
		t_sleep_ms(20);
	}
}
