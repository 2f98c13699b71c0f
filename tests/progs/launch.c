/* launch: run a program with only fds 0-2 open.
 *
 * Targets must not inherit descriptors from whatever started the test suite
 * (a CI runner's pipes, make's jobserver): freeze would rightly refuse them.
 *
 * usage: launch PROGRAM [ARGS...]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: launch PROGRAM [ARGS...]\n");
		return 127;
	}
	if (close_range(3, ~0U, 0) != 0)
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
