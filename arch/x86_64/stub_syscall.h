/* Raw Linux x86_64 system calls for the freestanding restore stub.
 *
 * No libc, no errno: every call returns the kernel's raw value, a negative
 * errno on failure.  The syscall instruction clobbers rcx and r11.
 */
#ifndef CRYO_ARCH_STUB_SYSCALL_H
#define CRYO_ARCH_STUB_SYSCALL_H

#include <stdint.h>
#include <asm/unistd.h>

static inline long sys6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* True for a raw return value that is an error (-4095..-1). */
static inline int sys_failed(long r)
{
	return (unsigned long)r > -4096ul;
}

/* Read XCR0 (the xstate features the OS enabled).  Only valid when
 * CPUID.1:ECX.OSXSAVE is set. */
static inline uint64_t arch_xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* Leave the restorer for good: set FS and GS base to the target's values,
 * point rsp at the ucontext of a prepared rt_sigframe and rt_sigreturn
 * (stub_start.S).  Does not return. */
__attribute__((noreturn)) void stub_sigreturn(void *uc, uint64_t fs_base, uint64_t gs_base);

/* Start a worker thread running fn(arg) on stack_top (stub_start.S).
 * *tid holds its TID until it has exited (then 0, futex-woken). */
int stub_clone_thread(void (*fn)(void *), void *arg, void *stack_top, volatile int *tid);

#endif
