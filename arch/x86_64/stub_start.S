/* Entry and exit of the restore stub (x86_64).
 *
 * _start: the kernel-given stack sits at a random address that may be
 * where the target had a mapping, and it is unmapped during the rebuild.
 * So the stub moves to its own stack (in its .bss, inside the hole the
 * freezer placed it in) before any C runs, and passes the initial stack
 * pointer (argc, argv, envp, auxv) to stub_main, which copies what it
 * needs from there before the teardown.
 *
 * It also points FS at a small block of its own .bss first: the prebuilt
 * libzstd.a/libz.a are compiled with -fstack-protector-strong and read the
 * canary at %fs:0x28.  The kernel starts a static program with FS base 0,
 * so without this the first zstd call would fault.  The target's real FS
 * base is set only in stub_sigreturn, right before rt_sigreturn, because
 * sigreturn restores neither FS nor GS base.
 */
#include <asm/unistd.h>
#include <asm/prctl.h>

	.section .bss.stub_stack,"aw",@nobits
	.balign 4096
stub_stack:
	.skip 262144
stub_stack_top:

	.text
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp
	mov %rsp, %r12			/* initial sp: argc, argv..., envp..., auxv */
	lea stub_stack_top(%rip), %rsp
	mov $__NR_arch_prctl, %eax
	mov $ARCH_SET_FS, %edi
	lea stub_tcb(%rip), %rsi
	syscall
	mov %r12, %rdi
	call stub_main
	ud2
	.size _start, .-_start

/* void stub_sigreturn(void *uc, uint64_t fs_base, uint64_t gs_base)
 * From here on nothing may read %fs (the stack protector canary would be
 * the target's) and no C runs.  The kernel finds the rt_sigframe at
 * rsp - 8 (the pretcode slot), i.e. rsp must point at frame->uc. */
	.globl stub_sigreturn
	.type stub_sigreturn, @function
stub_sigreturn:
	mov %rdi, %r12
	mov %rdx, %r13
	mov $__NR_arch_prctl, %eax
	mov $ARCH_SET_FS, %edi
	syscall				/* rsi = fs_base */
	mov $__NR_arch_prctl, %eax
	mov $ARCH_SET_GS, %edi
	mov %r13, %rsi
	syscall
	mov %r12, %rsp
	mov $__NR_rt_sigreturn, %eax
	syscall
	ud2
	.size stub_sigreturn, .-stub_sigreturn

/* int stub_clone_thread(void (*fn)(void *), void *arg, void *stack_top, int *tid)
 * A thread of the stub (decompression workers, the SIGWINCH helper, and the
 * program's other threads before their sigreturn): shares everything,
 * inherits the blocked signal mask and the FS base (the canary block), runs
 * fn(arg) on stack_top and exits.  *tid is set before this returns
 * (CLONE_PARENT_SETTID) and cleared with a futex wake when the thread is
 * gone (CLONE_CHILD_CLEARTID): the parent waits on it.  Returns the tid or
 * -errno. */
#define CLONE_WORKER (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x100000 | 0x200000)
	/* CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|PARENT_SETTID|CHILD_CLEARTID */
	.globl stub_clone_thread
	.type stub_clone_thread, @function
stub_clone_thread:
	and $-16, %rdx
	sub $16, %rdx
	mov %rdi, 0(%rdx)		/* fn and arg, popped by the child */
	mov %rsi, 8(%rdx)
	mov %rcx, %r10			/* child_tid */
	mov %rdx, %rsi			/* new stack */
	mov %rcx, %rdx			/* parent_tid */
	mov $CLONE_WORKER, %edi
	xor %r8d, %r8d			/* tls: unused */
	mov $__NR_clone, %eax
	syscall
	test %rax, %rax
	jnz 1f
	xor %ebp, %ebp			/* the child, on its own stack */
	pop %rax
	pop %rdi
	call *%rax
	mov $__NR_exit, %eax
	xor %edi, %edi
	syscall
	ud2
1:	ret
	.size stub_clone_thread, .-stub_clone_thread

	.section .note.GNU-stack,"",@progbits
