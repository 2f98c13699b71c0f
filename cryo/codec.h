/* Memory chunk codecs: zstd (default), zlib, none. */
#ifndef CRYO_CODEC_H
#define CRYO_CODEC_H
#include <stddef.h>
#include <stdint.h>
#include "records.h"

/* Decompress exactly raw_len bytes into dst.  Returns 0, or -1 if the data
 * is corrupt or does not decompress to raw_len bytes.  Freestanding (the
 * stub uses it): the zstd and zlib decoders need malloc/free/memcpy, which
 * the stub provides. */
int cryo_decompress(int codec, void *dst, size_t raw_len, const void *src, size_t stored_len);

/* Freezer only (hosted): upper bound of a compressed chunk, and compression.
 * Returns the stored length, or 0 on failure. */
size_t cryo_compress_bound(int codec, size_t raw_len);
size_t cryo_compress(int codec, void *dst, size_t cap, const void *src, size_t raw_len);

/* "zstd"/"zlib"/"none" -> codec, -1 if unknown; and back. */
int cryo_codec_by_name(const char *name);
const char *cryo_codec_name(int codec);
#endif
