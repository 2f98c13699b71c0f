/* x86_64 register capture for the freezer (freeze_regs.c). */
#ifndef CRYO_ARCH_FREEZE_REGS_H
#define CRYO_ARCH_FREEZE_REGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "regs.h"

/* The general registers (NT_PRSTATUS) in regs.h order.  0 or -1 (errno). */
int arch_get_gregs(pid_t tid, uint64_t regs[REG_COUNT]);

/* The whole XSAVE area (NT_X86_XSTATE) into a malloc'd buffer; its size
 * and the XSTATE_BV of its header.  0 or -1 (errno). */
int arch_get_xstate(pid_t tid, uint8_t **buf, size_t *len, uint64_t *xfeatures);

/* 1 if the registers are those of a 64-bit process. */
int arch_is_64bit(const uint64_t regs[REG_COUNT]);

/* Undo a syscall the freeze interrupted, in a copy of the registers, as
 * the kernel would on return to user space: restart it, or make it
 * return -EINTR (-ERESTART_RESTARTBLOCK).  orig_rax becomes -1.  Returns
 * 1 if it changed something. */
int arch_fixup_syscall_restart(uint64_t regs[REG_COUNT]);
#endif
