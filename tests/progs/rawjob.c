/* rawjob: a raw-mode terminal program under job control (tests 90-92).
 * Sets raw mode (no ICANON, no ECHO) on its stdin terminal and reads keys.
 * With -r it reapplies raw mode when continued (SIGCONT), as full-screen
 * programs do (emacs, vim, less); without, it does not.  On 'q' it puts the
 * terminal settings it found back and exits 0.  Reports, appended to LOG:
 *   PID ready tty=/dev/pts/N
 *   PID key HEX icanon=0|1 echo=0|1 pgrp=G fg=F
 *   PID cont                 (SIGCONT handled)
 *   PID int                  (SIGINT handled; it goes on reading)
 *   PID quit                 (exiting on 'q', terminal restored)
 *
 * With -d, SIGINT keeps its default action (Ctrl-C kills it).
 *
 * usage: rawjob [-r] [-d] LOG
 */
#include "common.h"
#include <termios.h>

static int logfd = -1, reapply, dfl_int;
static struct termios orig, raw;
static volatile sig_atomic_t got_cont, got_int;

static void on_cont(int sig)
{
	(void)sig;
	got_cont = 1;
	if (reapply)	/* from the background this stops on SIGTTOU, as vim does */
		tcsetattr(0, TCSANOW, &raw);
}

static void on_int(int sig) { (void)sig; got_int = 1; }

int main(int argc, char **argv)
{
	int a = 1;
	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-r"))
			reapply = 1;
		else if (!strcmp(argv[a], "-d"))
			dfl_int = 1;
		else
			return 2;
	}
	if (a >= argc)
		return 2;
	logfd = open(argv[a], O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (logfd < 0)
		return 2;
	if (tcgetattr(0, &orig) != 0) {
		t_logf(logfd, "FAIL: stdin is not a terminal");
		return 1;
	}
	raw = orig;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSANOW, &raw) != 0) {
		t_logf(logfd, "FAIL: tcsetattr: %s", strerror(errno));
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_cont };	/* no SA_RESTART: logged at once */
	sigaction(SIGCONT, &sa, NULL);
	sa.sa_handler = on_int;
	if (!dfl_int)
		sigaction(SIGINT, &sa, NULL);
	const char *t = ttyname(0);
	t_logf(logfd, "ready tty=%s", t ? t : "none");
	for (;;) {
		unsigned char c;
		ssize_t n = read(0, &c, 1);
		if (got_cont)
			got_cont = 0, t_logf(logfd, "cont");
		if (got_int)
			got_int = 0, t_logf(logfd, "int");
		if (n == 1) {
			struct termios now;
			tcgetattr(0, &now);
			t_logf(logfd, "key %02x icanon=%d echo=%d pgrp=%d fg=%d", c, !!(now.c_lflag & ICANON),
				!!(now.c_lflag & ECHO), (int)getpgrp(), (int)tcgetpgrp(0));
			if (c == 'q') {
				tcsetattr(0, TCSANOW, &orig);
				t_logf(logfd, "quit");
				return 0;
			}
		} else if (n == 0 || (n < 0 && errno != EINTR)) {
			t_logf(logfd, "FAIL: read: %s", n ? strerror(errno) : "end of file");
			return 1;
		}
	}
}
