/* Run a syscall inside a ptrace-stopped target and leave no trace.
 *
 * The target must be in a ptrace stop (PTRACE_SEIZE + PTRACE_INTERRUPT).
 * remote_init() finds a `syscall` instruction in the target (its vdso has
 * one) and saves the registers; each remote_syscall() sets orig_rax = -1 (so
 * no syscall-restart logic fires), blocks all signals for the duration
 * (a signal arriving meanwhile stays pending, never lost), runs one syscall,
 * and puts registers and the signal mask back.  A scratch page (remote mmap)
 * is available for syscalls that take pointers; remote_fini() unmaps it.
 */
#ifndef CRYO_REMOTE_SYSCALL_H
#define CRYO_REMOTE_SYSCALL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct remote {
	pid_t tid;
	uint64_t syscall_ip;		/* address of a 0f 05 in the target */
	struct user_regs_struct saved;	/* registers at init, restored after each call */
	uint64_t saved_sigmask;
	uint64_t scratch;		/* scratch page in the target, 0 if none */
	size_t scratch_len;
	/* rseq: the kernel clears the area's rseq_cs field whenever the
	 * target returns to user space outside the critical section it names,
	 * which our injected syscalls do.  remote_init saves it, remote_fini
	 * writes it back; a collector must use rseq_cs, not the live field. */
	uint64_t rseq_cs_addr;		/* &rseq->rseq_cs in the target, 0: no rseq */
	uint64_t rseq_cs;		/* its value at remote_init */
};

/* 0 on success, -1 with errno-style message printed on failure. */
int remote_init(struct remote *r, pid_t tid);
/* Runs syscall nr; returns the raw return value (-errno on failure) in *ret.
 * Returns 0 if the syscall ran, -1 if ptrace failed (target state unknown:
 * message printed). */
int remote_syscall(struct remote *r, long *ret, long nr, uint64_t a1, uint64_t a2,
		   uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6);
/* Scratch memory: copy in/out with process_vm_writev/readv. */
int remote_scratch(struct remote *r, size_t len);	/* ensure scratch of >= len */
int remote_write(struct remote *r, uint64_t addr, const void *buf, size_t len);
int remote_read(struct remote *r, uint64_t addr, void *buf, size_t len);
/* Unmap the scratch page and restore the registers captured at init. */
int remote_fini(struct remote *r);
#endif
