/* imgpoke: find and damage parts of a cryo image, for the corruption tests.
 *
 *   imgpoke FILE info      prints "size S data_off D records_off R records_len L
 *                          chunks N chunk_off O chunk_len C" (C, O: the largest
 *                          chunk's stored bytes)
 *   imgpoke FILE flip OFF  flips the bits of the byte at offset OFF
 *
 * Links the project's cryo/records.c, the format's one definition.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cryo/records.h"

static int die(const char *m)
{
	fprintf(stderr, "imgpoke: %s\n", m);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return die("usage: imgpoke FILE info|flip OFF");
	int fd = open(argv[1], O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return die("cannot open the image");
	if (strcmp(argv[2], "flip") == 0 && argc > 3) {
		off_t off = (off_t)strtoll(argv[3], NULL, 0);
		unsigned char b;
		if (off < 0 || off >= st.st_size || pread(fd, &b, 1, off) != 1)
			return die("offset outside the file");
		b ^= 0xff;
		if (pwrite(fd, &b, 1, off) != 1)
			return die("write failed");
		return 0;
	}
	if (strcmp(argv[2], "info") != 0)
		return die("unknown command");
	if (st.st_size < CRYO_TRAILER_SIZE)
		return die("file too small");
	uint8_t *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return die("mmap failed");
	struct cryo_trailer t;
	if (cryo_trailer_decode(m + st.st_size - CRYO_TRAILER_SIZE, &t) != 0)
		return die("bad trailer");
	if (t.records_off + t.records_len > (uint64_t)st.st_size)
		return die("record area outside the file");
	struct cryo_rec_iter it = { .p = m + t.records_off, .len = t.records_len };
	uint32_t type;
	const uint8_t *pl;
	size_t len;
	unsigned long nchunks = 0;
	struct cryo_chunk best = { 0 };
	int r;
	while ((r = cryo_rec_next(&it, &type, &pl, &len)) == 1) {
		if (type != CRYO_REC_CHUNK)
			continue;
		struct cryo_chunk c;
		if (cryo_rec_decode(cryo_rec_desc(type), pl, len, &c) != 0)
			return die("bad chunk record");
		nchunks++;
		if (c.stored_len > best.stored_len)
			best = c;
	}
	if (r < 0)
		return die("bad record area");
	printf("size %lld data_off %llu records_off %llu records_len %llu chunks %lu chunk_off %llu chunk_len %llu\n",
	       (long long)st.st_size, (unsigned long long)t.data_off, (unsigned long long)t.records_off,
	       (unsigned long long)t.records_len, nchunks, (unsigned long long)best.file_off,
	       (unsigned long long)best.stored_len);
	return 0;
}
