/* lockcheck: look at a lock from another process.
 *   lockcheck -p FILE START LEN   POSIX F_GETLK for a write lock: prints the
 *                                 holder's "pid type" (type W or R) or "free"
 *   lockcheck -o FILE START LEN   the same with F_OFD_GETLK (pid is -1)
 *   lockcheck -f FILE             flock LOCK_EX|LOCK_NB: prints "busy" or "free"
 *   lockcheck -H FILE             take flock LOCK_EX, print "PID held", wait
 *   lockcheck -P FILE START LEN   take a POSIX write lock, print "PID held", wait
 */
#include "common.h"
#include <sys/file.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	t_init();
	int fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "-f") || !strcmp(argv[1], "-H")) {
		int busy = flock(fd, LOCK_EX | LOCK_NB) != 0;
		if (argv[1][1] == 'f') {
			printf("%s\n", busy ? "busy" : "free");
			return 0;
		}
		if (busy)
			return 1;
		say("held");
		for (;;)
			pause();
	}
	if (argc < 5)
		return 2;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = atol(argv[3]), .l_len = atol(argv[4]) };
	if (argv[1][1] == 'P') {
		if (fcntl(fd, F_SETLK, &fl))
			return 1;
		say("held");
		for (;;)
			pause();
	}
	if (fcntl(fd, argv[1][1] == 'o' ? F_OFD_GETLK : F_GETLK, &fl)) {
		perror("fcntl");
		return 1;
	}
	if (fl.l_type == F_UNLCK)
		printf("free\n");
	else
		printf("%d %c\n", (int)fl.l_pid, fl.l_type == F_WRLCK ? 'W' : 'R');
	return 0;
}
