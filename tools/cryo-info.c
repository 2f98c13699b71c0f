/* cryo-info: inspect a cryo image.
 *
 *   cryo-info [--verify] [--chunk N] FILE
 *
 * Checks the trailer, every record's checksum and every chunk's checksum,
 * then lists each record generically from the field tables in
 * cryo/records.c, and a summary.  --verify also checks that every chunk
 * decompresses to its raw length.  --chunk N writes chunk N's raw bytes to stdout (a hex
 * dump on a terminal) instead of the listing.
 * A corrupt or truncated image: one line on stderr, exit status 1.
 */
#include "../cryo/codec.h"
#include "../cryo/crc32c.h"
#include "../cryo/records.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096u

static const char *prog = "cryo-info";
static const char *file;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fprintf(stderr, "%s: %s: ", prog, file ? file : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void usage(FILE *f, int status)
{
	fprintf(f, "usage: %s [--verify] [--chunk N] FILE\n"
		   "  List the records of a cryo image and summarise it.\n"
		   "  --verify   also check that every memory chunk decompresses\n"
		   "  --chunk N  write the raw bytes of chunk N (0-based) to stdout\n"
		   "Exit status: 0 fine, 1 corrupt, truncated or unreadable image, 2 usage.\n",
		prog);
	exit(status);
}

struct image {
	const uint8_t *p;
	size_t size;
	struct cryo_trailer t;
};

static void open_image(struct image *im)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("%s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		die("%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("not a regular file");
	im->size = (size_t)st.st_size;
	if (im->size < CRYO_TRAILER_SIZE)
		die("not a cryo image (too short for a trailer)");
	im->p = mmap(NULL, im->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (im->p == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	close(fd);

	int r = cryo_trailer_decode(im->p + im->size - CRYO_TRAILER_SIZE, &im->t);
	const struct cryo_trailer *t = &im->t;
	if (r == -1)
		die("no cryo trailer at the end: not an image, or truncated");
	if (r == -2)
		die("trailer checksum mismatch: corrupt image");
	if (r == -3)
		die("image format version %u is newer than this tool (%u)", t->version,
		    CRYO_FORMAT_VERSION);
	if (t->file_size != im->size)
		die("file is %zu bytes, the trailer says %" PRIu64 ": truncated or extended",
		    im->size, t->file_size);
	if (t->data_off > t->records_off || t->records_off > im->size - CRYO_TRAILER_SIZE ||
	    t->records_len != im->size - CRYO_TRAILER_SIZE - t->records_off)
		die("trailer offsets are inconsistent: corrupt image");
	if (crc32c(0, im->p + t->records_off, t->records_len) != t->records_crc)
		die("record area checksum mismatch: corrupt image");
}

/* Iterate records, checking each one's crc and decoding; calls fn per
 * record.  Dies on any inconsistency.  Returns the record count. */
typedef void (*rec_fn)(void *arg, uint64_t index, uint32_t type, const void *rec);

static uint64_t walk(const struct image *im, rec_fn fn, void *arg)
{
	struct cryo_rec_iter it = { im->p + im->t.records_off, im->t.records_len, 0 };
	uint64_t n = 0;
	int end_seen = 0;
	union {
		struct cryo_process a;
		struct cryo_auxv b;
		struct cryo_thread c;
		struct cryo_vma d;
		struct cryo_chunk e;
		struct cryo_sigaction f;
		struct cryo_sigpending g;
		struct cryo_itimer h;
		struct cryo_rlimit i;
		struct cryo_file j;
		struct cryo_termios k;
		struct cryo_vdso l;
		struct cryo_end m;
	} rec;
	for (;;) {
		uint32_t type;
		const uint8_t *pl;
		size_t len;
		size_t at = it.off;
		int r = cryo_rec_next(&it, &type, &pl, &len);
		if (r == 0)
			break;
		if (r < 0)
			die("record %" PRIu64 " (offset %" PRIu64 "): truncated or checksum mismatch",
			    n, im->t.records_off + at);
		if (end_seen)
			die("records after END: corrupt image");
		const struct cryo_rec_desc *d = cryo_rec_desc(type);
		if (!d) {
			/* Unknown type from a compatible writer: list it raw. */
			if (fn)
				fn(arg, n, type, pl);
			n++;
			continue;
		}
		if (d->size > sizeof(rec) || cryo_rec_decode(d, pl, len, &rec) < 0)
			die("record %" PRIu64 " (%s): malformed payload", n, d->name);
		if (type == CRYO_REC_END) {
			if (rec.m.records != n)
				die("END counts %" PRIu64 " records, there are %" PRIu64,
				    rec.m.records, n);
			end_seen = 1;
		}
		if (fn)
			fn(arg, n, type, &rec);
		n++;
	}
	if (!end_seen)
		die("no END record: truncated image");
	return n;
}

/* ---- listing ----------------------------------------------------------- */

static int printable_text(const uint8_t *p, uint32_t len)
{
	if (!len || p[len - 1] != 0)
		return 0;
	for (uint32_t i = 0; i + 1 < len; i++)
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t')
			return 0;
	return 1;
}

static void print_bytes(const uint8_t *p, size_t n)
{
	size_t last = n;
	while (last && !p[last - 1])
		last--;
	for (size_t i = 0; i < last; i++)
		printf("%02x", p[i]);
	if (last < n)
		printf("%s(%zu zero bytes)", last ? " + " : "", n - last);
}

/* How to show a scalar: the tables carry no units, so go by name. */
static void print_u64(const char *name, uint64_t v)
{
	static const char *const dec[] = { "pid", "tid", "count", "records", "signo", "fd",
		"which", "resource", "kind", "codec", "pos", "shared", "cloexec", "line",
		"cur", "max", "raw_len", "stored_len", "file_off", "size", "rseq_len",
		"robust_len", "ss_size", "vdso_size", "vvar_size", "vvar_vclock_size",
		"interval_sec", "interval_usec", "value_sec", "value_usec", "ss_flags",
		"share_fd" };
	if (v == ~0ull) {
		printf("~0");
		return;
	}
	if (strcmp(name, "umask") == 0 || strcmp(name, "mode") == 0) {
		printf("0%" PRIo64, v);
		return;
	}
	for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++)
		if (strcmp(name, dec[i]) == 0) {
			printf("%" PRIu64, v);
			return;
		}
	printf(v < 10 ? "%" PRIu64 : "0x%" PRIx64, v);
}

static void print_record(void *arg, uint64_t index, uint32_t type, const void *rec)
{
	(void)arg;
	const struct cryo_rec_desc *d = cryo_rec_desc(type);
	if (!d) {
		printf("#%" PRIu64 " type %u (unknown to this tool)\n", index, type);
		return;
	}
	printf("#%" PRIu64 " %s", index, d->name + 5);	/* skip "cryo_" */
	const uint8_t *base = rec;
	for (unsigned i = 0; i < d->nfields; i++) {
		const struct cryo_field *f = &d->fields[i];
		printf(" %s=", f->name);
		if (f->type == CRYO_F_BYTES) {
			const uint8_t *b = base + f->off;
			int text = 1;
			size_t len = strnlen((const char *)b, f->count);
			for (size_t k = 0; k < len; k++)
				if (b[k] < 0x20 || b[k] >= 0x7f)
					text = 0;
			for (size_t k = len; k < f->count; k++)
				if (b[k])
					text = 0;
			if (text)
				printf("\"%.*s\"", (int)len, (const char *)b);
			else
				print_bytes(b, f->count);
			continue;
		}
		const uint64_t *v = (const uint64_t *)(const void *)(base + f->off);
		if (f->count == 1) {
			print_u64(f->name, v[0]);
			continue;
		}
		/* Arrays (registers, siginfo): all values, trailing zeros folded. */
		unsigned last = f->count;
		while (last && !v[last - 1])
			last--;
		printf("[");
		for (unsigned k = 0; k < last; k++)
			printf(k ? " %" PRIx64 : "%" PRIx64, v[k]);
		if (last < f->count)
			printf("%s%u x 0", last ? " + " : "", f->count - last);
		printf("]");
	}
	if (d->blob_off >= 0) {
		const struct cryo_blob *b = (const struct cryo_blob *)(const void *)(base + d->blob_off);
		if (printable_text(b->data, b->len))
			printf(" blob=\"%s\"", (const char *)b->data);
		else if (b->len)
			printf(" blob=<%u bytes>", b->len);
	}
	putchar('\n');
}

/* ---- chunks ------------------------------------------------------------ */

struct chunk_state {
	const struct image *im;
	int verify;
	int64_t want;		/* --chunk N, or -1 */
	uint64_t nchunk;
	int found;
	uint8_t *raw;		/* scratch of CRYO_CHUNK_MAX */
	/* summary */
	uint64_t nvma, vma_bytes, raw_bytes, stored_bytes, codec[4], nrec[CRYO_REC_TYPE_MAX];
};

static void dump_chunk(const uint8_t *p, size_t n, uint64_t vaddr)
{
	if (!isatty(STDOUT_FILENO)) {
		if (fwrite(p, 1, n, stdout) != n || fflush(stdout) != 0) {
			fprintf(stderr, "%s: writing the chunk: %s\n", prog, strerror(errno));
			exit(1);
		}
		return;
	}
	for (size_t o = 0; o < n; o += 16) {
		printf("%016" PRIx64 " ", vaddr + o);
		for (size_t k = 0; k < 16; k++)
			printf(" %02x", p[o + k]);
		printf("  ");
		for (size_t k = 0; k < 16; k++)
			putchar(p[o + k] >= 0x20 && p[o + k] < 0x7f ? p[o + k] : '.');
		putchar('\n');
	}
}

static void check_chunk(struct chunk_state *s, const struct cryo_chunk *c)
{
	const struct cryo_trailer *t = &s->im->t;
	uint64_t n = s->nchunk++;
	if (c->codec > CRYO_CODEC_ZLIB)
		die("chunk %" PRIu64 ": unknown codec %" PRIu64, n, c->codec);
	if (!c->raw_len || c->raw_len > CRYO_CHUNK_MAX || c->raw_len % PAGE || c->vaddr % PAGE)
		die("chunk %" PRIu64 ": bad size or address (0x%" PRIx64 ", %" PRIu64 " bytes)", n,
		    c->vaddr, c->raw_len);
	if (c->file_off < t->data_off || c->file_off > t->records_off ||
	    c->stored_len > t->records_off - c->file_off)
		die("chunk %" PRIu64 ": data outside the data area (truncated or corrupt)", n);
	if (c->codec == CRYO_CODEC_NONE && (c->stored_len != c->raw_len || c->file_off % PAGE))
		die("chunk %" PRIu64 ": stored raw but misaligned or of the wrong length", n);
	s->codec[c->codec]++;
	s->raw_bytes += c->raw_len;
	s->stored_bytes += c->stored_len;
	/* The checksum is cheap (GB/s): always.  Decompression: on demand. */
	const uint8_t *stored = s->im->p + c->file_off;
	if (crc32c(0, stored, c->stored_len) != (uint32_t)c->crc)
		die("chunk %" PRIu64 " (0x%" PRIx64 "): checksum mismatch: corrupt image", n,
		    c->vaddr);
	int want = s->want == (int64_t)n;
	if (!s->verify && !want)
		return;
	if (cryo_decompress((int)c->codec, s->raw, c->raw_len, stored, c->stored_len) < 0)
		die("chunk %" PRIu64 " (0x%" PRIx64 "): does not decompress to %" PRIu64 " bytes",
		    n, c->vaddr, c->raw_len);
	if (want) {
		dump_chunk(s->raw, c->raw_len, c->vaddr);
		s->found = 1;
	}
}

static void account(void *arg, uint64_t index, uint32_t type, const void *rec)
{
	(void)index;
	struct chunk_state *s = arg;
	if (type < CRYO_REC_TYPE_MAX)
		s->nrec[type]++;
	if (type == CRYO_REC_VMA) {
		const struct cryo_vma *v = rec;
		if (v->end <= v->start || v->start % PAGE || v->end % PAGE)
			die("VMA record %" PRIu64 ": bad range", index);
		s->nvma++;
		s->vma_bytes += v->end - v->start;
	} else if (type == CRYO_REC_CHUNK) {
		check_chunk(s, rec);
	}
}

static void human(uint64_t n, char *buf, size_t cap)
{
	if (n >= 10ull << 30)
		snprintf(buf, cap, "%.1f GiB", (double)n / (1ull << 30));
	else if (n >= 10ull << 20)
		snprintf(buf, cap, "%.1f MiB", (double)n / (1ull << 20));
	else if (n >= 10ull << 10)
		snprintf(buf, cap, "%.1f KiB", (double)n / (1ull << 10));
	else
		snprintf(buf, cap, "%" PRIu64 " B", n);
}

int main(int argc, char **argv)
{
	int verify = 0;
	int64_t want = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--verify") == 0) {
			verify = 1;
		} else if (strcmp(argv[i], "--chunk") == 0 || strncmp(argv[i], "--chunk=", 8) == 0) {
			const char *v = argv[i][7] == '=' ? argv[i] + 8 : (++i < argc ? argv[i] : NULL);
			char *end;
			if (!v)
				usage(stderr, 2);
			errno = 0;
			long long n = strtoll(v, &end, 10);
			if (errno || *end || end == v || n < 0) {
				fprintf(stderr, "%s: --chunk: not a chunk number: %s\n", prog, v);
				return 2;
			}
			want = n;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout, 0);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: unknown option %s\n", prog, argv[i]);
			usage(stderr, 2);
		} else if (!file) {
			file = argv[i];
		} else {
			usage(stderr, 2);
		}
	}
	if (!file)
		usage(stderr, 2);

	struct image im;
	open_image(&im);
	struct chunk_state s = { .im = &im, .verify = verify, .want = want };
	s.raw = malloc(CRYO_CHUNK_MAX);
	if (!s.raw)
		die("out of memory");

	/* Check everything first: a corrupt image prints nothing but the error. */
	walk(&im, account, &s);
	if (want >= 0) {
		if (!s.found)
			die("no chunk %" PRId64 " (the image has %" PRIu64 ")", want, s.nchunk);
		return 0;
	}

	printf("%s: cryo image, format version %u, %zu bytes\n", file, im.t.version, im.size);
	printf("layout: stub ELF 0..%" PRIu64 ", data %" PRIu64 "..%" PRIu64 ", records %" PRIu64
	       "..%" PRIu64 " (%" PRIu64 " bytes), trailer %zu..%zu\n",
	       im.t.data_off, im.t.data_off, im.t.records_off, im.t.records_off,
	       im.t.records_off + im.t.records_len, im.t.records_len,
	       im.size - CRYO_TRAILER_SIZE, im.size);
	walk(&im, print_record, NULL);

	char a[32], b[32], c[32];
	human(s.vma_bytes, a, sizeof(a));
	human(s.raw_bytes, b, sizeof(b));
	human(s.stored_bytes, c, sizeof(c));
	printf("summary: %" PRIu64 " mappings (%s of address space), %" PRIu64
	       " chunks: %s of memory stored in %s",
	       s.nvma, a, s.nchunk, b, c);
	if (s.stored_bytes)
		printf(" (ratio %.2f)", (double)s.raw_bytes / (double)s.stored_bytes);
	printf("\ncodecs: none %" PRIu64 ", zstd %" PRIu64 ", zlib %" PRIu64 "\n", s.codec[0],
	       s.codec[1], s.codec[2]);
	printf("records:");
	for (uint32_t t = 1; t < CRYO_REC_TYPE_MAX; t++)
		if (s.nrec[t])
			printf(" %s %" PRIu64, cryo_rec_desc(t)->name + 5, s.nrec[t]);
	printf("\n");
	if (verify)
		printf("verify: all %" PRIu64 " chunks have good checksums and decompress\n",
		       s.nchunk);
	if (fflush(stdout) != 0)
		return 1;
	return 0;
}
