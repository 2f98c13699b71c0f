/* no-restore-ids PROG ARGS...: run PROG as on a kernel before Linux 6.17,
 * where prctl(PR_TIMER_CREATE_RESTORE_IDS) does not exist: a seccomp filter
 * makes that prctl fail with EINVAL, so the stub must keep POSIX timer ids
 * with its create/delete fallback (test 61). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PR_TIMER_CREATE_RESTORE_IDS_NR 77

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no-restore-ids PROG ARGS...\n");
		return 2;
	}
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_TIMER_CREATE_RESTORE_IDS_NR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
	/* Unprivileged seccomp needs no_new_privs (the resumed process keeps it). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "no-restore-ids: seccomp: %s\n", strerror(errno));
		return 1;
	}
	execv(argv[1], argv + 1);
	fprintf(stderr, "no-restore-ids: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
