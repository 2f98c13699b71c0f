/* regs: values held in registers across a freeze.
 *
 * regs_loop() (assembly below) loads known values into rbx, r12-r15 and all
 * sixteen 256-bit ymm registers, then for ~130 ms alternates a busy spin that
 * re-checks every one of them with a 10 ms nanosleep issued by a raw
 * `syscall`, re-checking after each.  A freeze therefore catches the process
 * either in user mode with all values live or inside the syscall; after the
 * resume both the upper and lower ymm halves, and the general registers,
 * must hold exactly what they held.  MXCSR (rounding mode, FTZ/DAZ) and the
 * x87 control word are set to non-default values and checked every tick.
 *
 * usage: regs [-p]     -p: also hold a socket pair (a resource freeze must refuse)
 * Exits 77 ("SKIP") on a CPU or kernel without AVX.
 */
#include "common.h"
#include <sys/socket.h>

struct regs_ctx {
	uint64_t gpr[5];	/*   0: r12 r13 r14 r15 rbx */
	uint64_t iterations;	/*  40 */
	uint64_t spin;		/*  48 */
	struct timespec ts;	/*  56 */
	uint8_t pad[128 - 72];
	uint8_t pat[16][32];	/* 128: ymm0..15 */
	uint8_t npat[16][32];	/* 640: their complements */
};
_Static_assert(__builtin_offsetof(struct regs_ctx, pat) == 128, "layout");
_Static_assert(__builtin_offsetof(struct regs_ctx, npat) == 640, "layout");

/* Returns 0, or 1..5 for r12,r13,r14,r15,rbx, or 16+k for ymm k. */
long regs_loop(struct regs_ctx *c);

__asm__(
	".text\n"
	".intel_syntax noprefix\n"
	".globl regs_loop\n"
	".type regs_loop,@function\n"
	".macro CHECKALL\n"
	"	cmp r12, [r10]\n	jne .Lf1\n"
	"	cmp r13, [r10+8]\n	jne .Lf2\n"
	"	cmp r14, [r10+16]\n	jne .Lf3\n"
	"	cmp r15, [r10+24]\n	jne .Lf4\n"
	"	cmp rbx, [r10+32]\n	jne .Lf5\n"
	"	.irp k,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vptest ymm\\k, [r10+128+32*\\k]\n	jnc .Lfy\\k\n"	/* all pattern bits set */
	"	vptest ymm\\k, [r10+640+32*\\k]\n	jnz .Lfy\\k\n"	/* no other bit set */
	"	.endr\n"
	".endm\n"
	"regs_loop:\n"
	"	push rbx\n	push r12\n	push r13\n	push r14\n	push r15\n"
	"	mov r10, rdi\n"
	"	mov r12, [r10]\n	mov r13, [r10+8]\n	mov r14, [r10+16]\n"
	"	mov r15, [r10+24]\n	mov rbx, [r10+32]\n"
	"	.irp k,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	"	vmovdqu ymm\\k, [r10+128+32*\\k]\n"
	"	.endr\n"
	"	mov r8, [r10+40]\n"
	"1:	mov r9, [r10+48]\n"
	"2:	CHECKALL\n"
	"	dec r9\n	jnz 2b\n"
	"	mov eax, 35\n	lea rdi, [r10+56]\n	xor esi, esi\n	syscall\n"	/* nanosleep */
	"	CHECKALL\n"
	"	dec r8\n	jnz 1b\n"
	"	xor eax, eax\n	jmp .Lout\n"
	".Lf1:	mov eax, 1\n	jmp .Lout\n"
	".Lf2:	mov eax, 2\n	jmp .Lout\n"
	".Lf3:	mov eax, 3\n	jmp .Lout\n"
	".Lf4:	mov eax, 4\n	jmp .Lout\n"
	".Lf5:	mov eax, 5\n	jmp .Lout\n"
	"	.irp k,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
	".Lfy\\k:	mov eax, 16+\\k\n	jmp .Lout\n"
	"	.endr\n"
	".Lout:	vzeroupper\n"
	"	pop r15\n	pop r14\n	pop r13\n	pop r12\n	pop rbx\n"
	"	ret\n"
	".size regs_loop, .-regs_loop\n"
	".att_syntax prefix\n");

static const char *reg_name(long code)
{
	static const char *g[] = { "?", "r12", "r13", "r14", "r15", "rbx" };
	static char buf[32];
	if (code >= 1 && code <= 5)
		return g[code];
	snprintf(buf, sizeof(buf), "ymm%ld", code - 16);
	return buf;
}

#define MXCSR_WANT 0xffc0u	/* all exceptions masked, round toward zero, FTZ, DAZ */
#define FPUCW_WANT 0x0e7fu	/* round toward zero, 53-bit precision, all masked */

int main(int argc, char **argv)
{
	int pipefd[2] = { -1, -1 };
	if (argc > 1 && strcmp(argv[1], "-p") == 0 &&
	    socketpair(AF_UNIX, SOCK_STREAM, 0, pipefd) != 0)
		fail("socketpair: %s", strerror(errno));
	t_init();
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx")) {
		say("SKIP: no AVX on this machine");
		return 77;
	}
	unsigned mx = MXCSR_WANT;
	unsigned short cw = FPUCW_WANT;
	__asm__ volatile("ldmxcsr %0" : : "m"(mx));
	__asm__ volatile("fldcw %0" : : "m"(cw));
	t_state_init();

	static struct regs_ctx c __attribute__((aligned(64)));
	c.spin = 60000;
	c.iterations = 10;
	c.ts.tv_nsec = 10 * 1000000L;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	say("ready");
	for (;;) {
		for (int i = 0; i < 5; i++)
			c.gpr[i] = t_rand(&seed);
		for (int k = 0; k < 16; k++)
			for (int j = 0; j < 32; j += 8) {
				uint64_t v = t_rand(&seed);
				memcpy(&c.pat[k][j], &v, 8);
				v = ~v;
				memcpy(&c.npat[k][j], &v, 8);
			}
		long r = regs_loop(&c);
		if (r != 0)
			fail("register %s lost its value", reg_name(r));
		__asm__ volatile("stmxcsr %0" : "=m"(mx));
		__asm__ volatile("fnstcw %0" : "=m"(cw));
		if ((mx & ~0x3fu) != MXCSR_WANT)
			fail("MXCSR is %#x, expected %#x", mx, MXCSR_WANT);
		if ((cw & 0x1f3f) != (FPUCW_WANT & 0x1f3f))
			fail("x87 control word is %#x, expected %#x", cw, FPUCW_WANT);
		if (pipefd[0] >= 0) {
			char b = 'x';
			if (write(pipefd[1], &b, 1) != 1 || read(pipefd[0], &b, 1) != 1 || b != 'x')
				fail("pipe round trip failed");
		}
		t_state_check();
		t_tick();
	}
}
