/* x86_64 register capture for the freezer. */
#include "freeze_regs.h"

#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516
#define XSAVE_HDR_OFF 512	/* XSTATE_BV: first u64 of the XSAVE header */
#define USER_CS_64 0x33

int arch_get_gregs(pid_t tid, uint64_t regs[REG_COUNT])
{
	struct user_regs_struct u;
	struct iovec iov = { &u, sizeof(u) };
	_Static_assert(sizeof(u) == REG_COUNT * 8, "user_regs_struct is regs.h order");
	if (ptrace(PTRACE_GETREGSET, tid, NT_PRSTATUS, &iov))
		return -1;
	memcpy(regs, &u, sizeof(u));
	return 0;
}

/* Bytes of the XSAVE area for the features enabled in XCR0 (CPUID 0xD.0
 * EBX); ECX is the size for every supported feature.  The kernel's
 * ptrace area is at most the larger. */
static size_t xstate_size(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d))
		return 0;
	return b > c ? b : c;
}

int arch_get_xstate(pid_t tid, uint8_t **buf, size_t *len, uint64_t *xfeatures)
{
	size_t size = xstate_size();
	if (size < XSAVE_HDR_OFF + 64)
		size = 4096;
	uint8_t *p = calloc(1, size);
	if (!p)
		return -1;
	struct iovec iov = { p, size };
	if (ptrace(PTRACE_GETREGSET, tid, NT_X86_XSTATE, &iov)) {
		int e = errno;
		free(p);
		errno = e;
		return -1;
	}
	if (iov.iov_len < XSAVE_HDR_OFF + 8) {
		free(p);
		errno = EINVAL;
		return -1;
	}
	memcpy(xfeatures, p + XSAVE_HDR_OFF, 8);
	*buf = p;
	*len = iov.iov_len;
	return 0;
}

int arch_is_64bit(const uint64_t regs[REG_COUNT])
{
	return regs[REG_CS] == USER_CS_64;
}

int arch_fixup_syscall_restart(uint64_t regs[REG_COUNT])
{
	int changed = 0;
	if ((int64_t)regs[REG_ORIG_RAX] >= 0) {
		switch ((int64_t)regs[REG_RAX]) {
		case -ERESTARTSYS:
		case -ERESTARTNOINTR:
		case -ERESTARTNOHAND:
			regs[REG_RAX] = regs[REG_ORIG_RAX];
			regs[REG_RIP] -= 2;
			changed = 1;
			break;
		case -ERESTART_RESTARTBLOCK:
			/* restart_syscall() needs kernel state the image
			 * cannot carry: the call returns EINTR instead. */
			regs[REG_RAX] = (uint64_t)-EINTR;
			changed = 1;
			break;
		}
	}
	regs[REG_ORIG_RAX] = (uint64_t)-1;
	return changed;
}
