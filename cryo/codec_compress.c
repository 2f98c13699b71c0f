/* Compression side of the codecs; freezer only. */
#include "codec.h"

#include <string.h>
#include <zlib.h>
#include <zstd.h>

/* zstd level 1: ~450 MB/s per core, the freeze is bound by it. */
#define ZSTD_LEVEL 1
#define ZLIB_LEVEL 1

size_t cryo_compress_bound(int codec, size_t raw_len)
{
	switch (codec) {
	case CRYO_CODEC_ZSTD:
		return ZSTD_compressBound(raw_len);
	case CRYO_CODEC_ZLIB:
		return compressBound(raw_len);
	default:
		return raw_len;
	}
}

size_t cryo_compress(int codec, void *dst, size_t cap, const void *src, size_t raw_len)
{
	switch (codec) {
	case CRYO_CODEC_NONE:
		if (cap < raw_len)
			return 0;
		memcpy(dst, src, raw_len);
		return raw_len;
	case CRYO_CODEC_ZSTD: {
		size_t n = ZSTD_compress(dst, cap, src, raw_len, ZSTD_LEVEL);
		return ZSTD_isError(n) ? 0 : n;
	}
	case CRYO_CODEC_ZLIB: {
		uLongf n = cap;
		return compress2(dst, &n, src, raw_len, ZLIB_LEVEL) == Z_OK ? n : 0;
	}
	}
	return 0;
}
