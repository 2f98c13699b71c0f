/* Decompression side of the codecs; linked into the freestanding stub. */
#include "codec.h"

#include <string.h>
#include <zlib.h>
#include <zstd.h>

int cryo_decompress(int codec, void *dst, size_t raw_len, const void *src, size_t stored_len)
{
	switch (codec) {
	case CRYO_CODEC_NONE:
		if (stored_len != raw_len)
			return -1;
		memcpy(dst, src, raw_len);
		return 0;
	case CRYO_CODEC_ZSTD: {
		size_t n = ZSTD_decompress(dst, raw_len, src, stored_len);
		return !ZSTD_isError(n) && n == raw_len ? 0 : -1;
	}
	case CRYO_CODEC_ZLIB: {
		uLongf n = raw_len;
		return uncompress(dst, &n, src, stored_len) == Z_OK && n == raw_len ? 0 : -1;
	}
	}
	return -1;
}

static const char *const codec_names[] = { "none", "zstd", "zlib" };

int cryo_codec_by_name(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, codec_names[i]) == 0)
			return i;
	return -1;
}

const char *cryo_codec_name(int codec)
{
	return codec >= 0 && codec < 3 ? codec_names[codec] : "unknown";
}
