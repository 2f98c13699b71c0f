/* Messages of the restore stub: a tiny printf (%s %c %d %u %x %p, with l,
 * ll, z modifiers) writing whole lines with one write(2), and the error
 * exits.  Every failure of the stub is one line on stderr and exit status 1:
 * never a signal death, never a hang. */
#include "stub.h"
#include "../../arch/x86_64/stub_syscall.h"

#include <stdarg.h>

/* A copy: argv lives on the kernel-given stack, which is unmapped later. */
static char prog[64] = "app.cryo";

void stub_set_name(const char *argv0)
{
	if (!argv0 || !*argv0)
		return;
	const char *p = argv0;
	for (const char *q = argv0; *q; q++)
		if (*q == '/' && q[1])
			p = q + 1;
	size_t i = 0;
	for (; p[i] && p[i] != '/' && i < sizeof(prog) - 1; i++)
		prog[i] = p[i];
	prog[i] = 0;
}

/* Messages go to the stderr the stub was started with, also after the
 * program's descriptors took the numbers 0-2 (step 9). */
static int err_fd = 2;

void stub_set_err_fd(int fd)
{
	err_fd = fd;
}

int stub_err_fd(void)
{
	return err_fd;
}

__attribute__((noreturn)) void stub_exit(int status)
{
	for (;;)
		sys1(__NR_exit_group, status);
}

static const struct {
	short err;
	const char *msg;
} errs[] = {
	{ 1, "Operation not permitted" }, { 2, "No such file or directory" },
	{ 3, "No such process" }, { 4, "Interrupted system call" },
	{ 5, "Input/output error" }, { 6, "No such device or address" },
	{ 9, "Bad file descriptor" }, { 11, "Resource temporarily unavailable" },
	{ 12, "Cannot allocate memory" }, { 13, "Permission denied" },
	{ 14, "Bad address" }, { 16, "Device or resource busy" },
	{ 17, "File exists" }, { 19, "No such device" }, { 20, "Not a directory" },
	{ 21, "Is a directory" }, { 22, "Invalid argument" },
	{ 23, "Too many open files in system" }, { 24, "Too many open files" },
	{ 25, "Inappropriate ioctl for device" }, { 26, "Text file busy" },
	{ 27, "File too large" }, { 28, "No space left on device" },
	{ 29, "Illegal seek" }, { 30, "Read-only file system" },
	{ 36, "File name too long" }, { 38, "Function not implemented" },
	{ 40, "Too many levels of symbolic links" }, { 75, "Value too large for defined data type" },
	{ 95, "Operation not supported" }, { 116, "Stale file handle" },
};

const char *stub_strerror(long err)
{
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].err == err)
			return errs[i].msg;
	return "Unknown error";
}

struct out {
	char buf[1024];
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len < sizeof(o->buf) - 1)
		o->buf[o->len++] = c;
}

static void puts_(struct out *o, const char *s)
{
	if (!s)
		s = "(null)";
	while (*s)
		put(o, *s++);
}

static void putnum(struct out *o, uint64_t v, unsigned base, int neg)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
}

static void vformat(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(o, *fmt);
			continue;
		}
		int l = 0;
		fmt++;
		while (*fmt == 'l' || *fmt == 'z') {
			l = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			puts_(o, va_arg(ap, const char *));
			break;
		case 'c':
			put(o, (char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = l ? va_arg(ap, int64_t) : va_arg(ap, int);
			putnum(o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0);
			break;
		}
		case 'u':
			putnum(o, l ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0);
			break;
		case 'x':
			putnum(o, l ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0);
			break;
		case 'p':
			puts_(o, "0x");
			putnum(o, (uint64_t)va_arg(ap, void *), 16, 0);
			break;
		case '%':
			put(o, '%');
			break;
		default:
			put(o, '?');
			break;
		}
	}
}

static void emit(int fd, struct out *o)
{
	const char *p = o->buf;
	size_t n = o->len;
	while (n) {
		long r = sys3(__NR_write, fd, p, n);
		if (r == -4)	/* EINTR */
			continue;
		if (r <= 0)
			return;
		p += r;
		n -= (size_t)r;
	}
}

void stub_print(int fd, const char *fmt, ...)
{
	struct out o = { .len = 0 };
	va_list ap;
	va_start(ap, fmt);
	vformat(&o, fmt, ap);
	va_end(ap);
	emit(fd, &o);
}

static void line(const char *prefix, const char *fmt, va_list ap)
{
	struct out o = { .len = 0 };
	puts_(&o, prog);
	puts_(&o, ": ");
	puts_(&o, prefix);
	vformat(&o, fmt, ap);
	if (o.len >= sizeof(o.buf) - 1)
		o.len = sizeof(o.buf) - 2;
	o.buf[o.len++] = '\n';
	emit(err_fd, &o);
}

__attribute__((noreturn)) void stub_fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line("", fmt, ap);
	va_end(ap);
	stub_exit(1);
}

__attribute__((noreturn)) void stub_corrupt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line("image is corrupt: ", fmt, ap);
	va_end(ap);
	stub_exit(1);
}

/* A one-line notice on the stub's stderr ("app.cryo: ..."), usable also
 * after the kernel-given stack (argv) is gone. */
void stub_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line("", fmt, ap);
	va_end(ap);
}

void stub_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	line("warning: ", fmt, ap);
	va_end(ap);
}
