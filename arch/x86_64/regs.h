/* Indices into cryo_thread.regs[]: the order of the kernel's
 * struct user_regs_struct on x86_64 (what PTRACE_GETREGSET NT_PRSTATUS
 * returns).  Shared by the freezer and the stub. */
#ifndef CRYO_ARCH_REGS_H
#define CRYO_ARCH_REGS_H

enum x86_reg {
	REG_R15, REG_R14, REG_R13, REG_R12, REG_RBP, REG_RBX, REG_R11, REG_R10,
	REG_R9, REG_R8, REG_RAX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_ORIG_RAX,
	REG_RIP, REG_CS, REG_EFLAGS, REG_RSP, REG_SS, REG_FS_BASE, REG_GS_BASE,
	REG_DS, REG_ES, REG_FS, REG_GS,
	REG_COUNT	/* == CRYO_NREGS */
};

#endif
