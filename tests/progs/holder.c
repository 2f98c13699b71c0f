/* holder: holds a resource that freeze does not support yet and must refuse,
 * and checks every tick that the resource still works and that the refused
 * freeze left no trace (t_state_check: handlers, mask, umask, exact maps).
 *
 * usage: holder unix|tcp|udp|pipe|eventfd|thread|child
 */
#include "common.h"
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

static volatile long thread_beats;
static void *beat(void *arg)
{
	(void)arg;
	for (;;) {
		thread_beats++;
		usleep(10000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int fd[2] = { -1, -1 };
	int lsock = -1;
	pid_t child = -1;
	t_init();
	if (strcmp(mode, "unix") == 0) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd) != 0)
			fail("socketpair: %s", strerror(errno));
	} else if (strcmp(mode, "tcp") == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		lsock = socket(AF_INET, SOCK_STREAM, 0);
		if (lsock < 0 || bind(lsock, (void *)&a, sizeof(a)) != 0 || listen(lsock, 4) != 0)
			fail("tcp listen: %s", strerror(errno));
	} else if (strcmp(mode, "udp") == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t al = sizeof(a);
		fd[0] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd[0] < 0 || bind(fd[0], (void *)&a, sizeof(a)) != 0 || getsockname(fd[0], (void *)&a, &al) != 0 ||
		    connect(fd[0], (void *)&a, sizeof(a)) != 0)
			fail("udp socket: %s", strerror(errno));
		fd[1] = fd[0];
	} else if (strcmp(mode, "pipe") == 0) {
		if (pipe(fd) != 0)
			fail("pipe: %s", strerror(errno));
	} else if (strcmp(mode, "eventfd") == 0) {
		fd[0] = fd[1] = eventfd(0, 0);
		if (fd[0] < 0)
			fail("eventfd: %s", strerror(errno));
	} else if (strcmp(mode, "thread") == 0) {
		pthread_t th;
		if (pthread_create(&th, NULL, beat, NULL) != 0)
			fail("pthread_create");
	} else if (strcmp(mode, "child") == 0) {
		child = fork();
		if (child < 0)
			fail("fork: %s", strerror(errno));
		if (child == 0) {	/* dies with its parent: the test kills only the parent */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	} else {
		fail("unknown mode '%s'", mode);
	}
	closedir(opendir("/proc/self/task"));	/* any lazy allocation happens now */
	t_state_init();
	say("ready");
	for (;;) {
		if (fd[0] >= 0 && strcmp(mode, "eventfd") == 0) {
			uint64_t v = 5, r = 0;
			if (write(fd[1], &v, 8) != 8 || read(fd[0], &r, 8) != 8 || r != 5)
				fail("eventfd round trip failed");
		} else if (fd[0] >= 0) {
			char c = (char)('a' + t_ticks % 26), r = 0;
			if (write(fd[1], &c, 1) != 1 || read(fd[0], &r, 1) != 1 || r != c)
				fail("%s round trip failed: %s", mode, strerror(errno));
		}
		if (lsock >= 0) {
			struct sockaddr_in a;
			socklen_t al = sizeof(a);
			if (getsockname(lsock, (void *)&a, &al) != 0 || a.sin_port == 0)
				fail("listening socket lost: %s", strerror(errno));
		}
		if (strcmp(mode, "thread") == 0) {
			int tasks = 0;
			DIR *d = opendir("/proc/self/task");
			for (struct dirent *e; d && (e = readdir(d));)
				tasks += e->d_name[0] != '.';
			if (d)
				closedir(d);
			if (tasks != 2)
				fail("%d threads, expected 2", tasks);
		}
		if (child > 0 && waitpid(child, NULL, WNOHANG) != 0)
			fail("the child process is gone");
		t_state_check();
		t_tick();
		t_sleep_ms(50);
	}
}
