/* The way back into the program: every register and the whole xstate at
 * once, through an rt_sigreturn frame built in the stub's own memory (so
 * the program's stack, red zone included, is never written).
 *
 * Step 2 (arch_check_cpu): the CPU must have every xstate feature the
 * image uses, with a layout that holds the saved area; refused before
 * anything is changed.  Step 11 (arch_resume): the frame, then FS/GS base
 * and rt_sigreturn (stub_start.S).
 */
#include "../../cryo/stub/stub.h"
#include "../../cryo/le.h"
#include "regs.h"
#include "stub_syscall.h"

#include <cpuid.h>
#include <asm/signal.h>
#ifndef SS_ONSTACK
#define SS_ONSTACK 1
#endif
#include <asm/prctl.h>

#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define XSAVE_LEGACY 512		/* FXSAVE area */
#define XSAVE_HDR 64			/* XSAVE header, after the legacy area */
#define XSAVE_MIN (XSAVE_LEGACY + XSAVE_HDR)
#define SW_BYTES_OFF 464		/* software-reserved bytes of the FXSAVE area */
#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define USER_CS 0x33
#define USER_DS 0x2b
#ifndef ARCH_REQ_XCOMP_PERM
#define ARCH_REQ_XCOMP_PERM 0x1023
#endif
#define XFEATURE_XTILEDATA 18

/* The kernel's 64-bit struct sigcontext (asm/sigcontext.h). */
struct x64_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;	/* 64-byte aligned XSAVE area, or 0 */
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct x64_sigcontext) == 256, "struct sigcontext");

struct x64_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		uint64_t ss_sp;
		int32_t ss_flags;
		int32_t pad;
		uint64_t ss_size;
	} uc_stack;
	struct x64_sigcontext uc_mcontext;
	uint64_t uc_sigmask;	/* the kernel's sigset: 64 bits */
};

/* What rt_sigreturn reads at rsp - 8. */
struct x64_rt_sigframe {
	uint64_t pretcode;
	struct x64_ucontext uc;
	uint8_t info[128];
};

#define FPBUF_SIZE 16384
/* What rt_sigreturn reads for one thread: the frame and its xstate. */
struct arch_frame {
	uint8_t fpbuf[FPBUF_SIZE] __attribute__((aligned(64)));
	struct x64_rt_sigframe frame __attribute__((aligned(64)));
};
static struct arch_frame main_frame;
static uint32_t frame_xstate_size;	/* decided by arch_check_cpu */

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

static void check_thread(const struct cryo_thread *t)
{
	if (t->regs[REG_FS_BASE] >= STUB_USER_TOP || t->regs[REG_GS_BASE] >= STUB_USER_TOP ||
	    t->regs[REG_RIP] >= STUB_USER_TOP || t->regs[REG_RSP] >= STUB_USER_TOP)
		stub_corrupt("a register of the thread holds a kernel address");
	const uint8_t *xs = t->xstate.data;
	uint32_t len = t->xstate.len;
	if (!len)
		return;

	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[2] & bit_OSXSAVE))
		stub_fatal("this CPU or kernel has no XSAVE; the program's registers need it");
	uint64_t xcr0 = arch_xgetbv0();
	uint64_t used = t->xfeatures | le64_get(xs + XSAVE_LEGACY);
	if (used & ~xcr0)
		stub_fatal("this CPU lacks register state the program used (xstate features 0x%lx, "
			   "this CPU has 0x%lx)", used, xcr0);
	/* The area is in the standard (non-compacted) format: each component
	 * at the offset CPUID gives.  It must hold every component in use,
	 * where this CPU puts it. */
	cpuid(0xd, 0, r);
	uint32_t size = r[1] < len ? r[1] : len;	/* this kernel's user size at most */
	if (size < XSAVE_MIN)
		size = XSAVE_MIN;
	for (int f = 2; f < 64; f++) {
		if (!(used >> f & 1))
			continue;
		cpuid(0xd, (uint32_t)f, r);
		if ((uint64_t)r[1] + r[0] > size)
			stub_fatal("the program's register state (%u bytes) does not fit this CPU's "
				   "layout (feature %d at %u)", len, f, r[1]);
	}
	if (size + 4 > FPBUF_SIZE)
		stub_fatal("the program's register state is too large (%u bytes)", len);
	if (size > frame_xstate_size)
		frame_xstate_size = size;
}

void arch_check_cpu(const struct stub *s)
{
	check_thread(&s->thread);
	for (size_t i = 0; i < s->nxthread; i++)
		check_thread(&s->xthread[i]);
}

/* This CPU's MXCSR mask: a value with other bits set makes XRSTOR fault,
 * and the kernel would kill the process at sigreturn. */
static uint32_t mxcsr_mask(void)
{
	/* On the stack: threads build their frames at the same time. */
	uint8_t area[512] __attribute__((aligned(16)));
	memset(area, 0, sizeof(area));
	__asm__ volatile("fxsave64 %0" : "=m"(area));
	uint32_t m = le32_get(area + 28);
	return m ? m : 0xffbf;
}

static void build_fpstate(const struct cryo_thread *t, uint8_t *fpbuf)
{
	uint32_t size = frame_xstate_size;
	memset(fpbuf, 0, size + 4);
	memcpy(fpbuf, t->xstate.data, size < t->xstate.len ? size : t->xstate.len);
	uint64_t used = (t->xfeatures | le64_get(fpbuf + XSAVE_LEGACY)) & arch_xgetbv0();
	/* Standard format: XCOMP_BV and the rest of the header must be 0. */
	le64_put(fpbuf + XSAVE_LEGACY, used);
	memset(fpbuf + XSAVE_LEGACY + 8, 0, XSAVE_HDR - 8);
	le32_put(fpbuf + 24, le32_get(fpbuf + 24) & mxcsr_mask());
	/* struct _fpx_sw_bytes: tells the kernel the frame has xstate */
	uint8_t *sw = fpbuf + SW_BYTES_OFF;
	memset(sw, 0, 48);
	le32_put(sw + 0, FP_XSTATE_MAGIC1);
	le32_put(sw + 4, size + 4);	/* extended_size: the area and magic2 */
	le64_put(sw + 8, used);
	le32_put(sw + 16, size);	/* xstate_size */
	le32_put(fpbuf + size, FP_XSTATE_MAGIC2);
	if (used >> XFEATURE_XTILEDATA & 1)	/* AMX: a per-process permission */
		sys2(__NR_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA);
}

size_t arch_frame_size(void)
{
	return sizeof(struct arch_frame);
}

void *arch_build_frame(const struct cryo_thread *t, void *area)
{
	struct arch_frame *f = area;
	const uint64_t *g = t->regs;
	struct x64_ucontext *uc = &f->frame.uc;
	memset(&f->frame, 0, sizeof(f->frame));

	struct x64_sigcontext *sc = &uc->uc_mcontext;
	sc->r8 = g[REG_R8], sc->r9 = g[REG_R9], sc->r10 = g[REG_R10], sc->r11 = g[REG_R11];
	sc->r12 = g[REG_R12], sc->r13 = g[REG_R13], sc->r14 = g[REG_R14], sc->r15 = g[REG_R15];
	sc->rdi = g[REG_RDI], sc->rsi = g[REG_RSI], sc->rbp = g[REG_RBP], sc->rbx = g[REG_RBX];
	sc->rdx = g[REG_RDX], sc->rax = g[REG_RAX], sc->rcx = g[REG_RCX], sc->rsp = g[REG_RSP];
	sc->rip = g[REG_RIP];
	sc->eflags = g[REG_EFLAGS];
	sc->cs = USER_CS;
	sc->ss = USER_DS;
	uc->uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	if (t->xstate.len) {
		build_fpstate(t, f->fpbuf);
		sc->fpstate = (uint64_t)f->fpbuf;
		uc->uc_flags |= UC_FP_XSTATE;
	}
	/* sigreturn installs the blocked mask (pending signals the program
	 * allows are delivered right after) and the alternate signal stack. */
	uc->uc_sigmask = t->sigmask;
	uc->uc_stack.ss_sp = t->ss_sp;
	uc->uc_stack.ss_flags = (int32_t)(t->ss_flags & ~(uint64_t)SS_ONSTACK);
	uc->uc_stack.ss_size = t->ss_size;
	return uc;
}

__attribute__((noreturn)) void arch_resume(struct stub *s)
{
	const struct cryo_thread *t = &s->thread;
	void *uc = arch_build_frame(t, &main_frame);

	/* Everything needed is copied out of the image: drop its mapping, so
	 * that the resumed program's address space holds only the stub's
	 * small segments besides its own. */
	sys2(__NR_munmap, s->img, s->img_map_len);
	stub_arena_release();
	threads_release();	/* the other threads go on too */
	stub_sigreturn(uc, t->regs[REG_FS_BASE], t->regs[REG_GS_BASE]);
}
