/* raw: a terminal program in raw mode (no ICANON, no ECHO) blocked reading
 * single keys from its terminal.  Reports go to LOG (appended), one line
 * each, "PID text" like every target:
 *   PID ready tty=/dev/pts/N size=ROWSxCOLS
 *   PID key HEX lflag=OCTAL icanon=0|1 echo=0|1 tty=/dev/pts/N
 *   PID winch size=ROWSxCOLS tty=/dev/pts/N     (after a SIGWINCH interrupted
 *       the read; with " (noticed only when read returned)" appended if the
 *       handler ran but the read went on blocking: a full-screen program
 *       would not redraw until the next key)
 * A resumed copy must still be in raw mode on its new terminal, get a single
 * key without Enter, and hear of the new window size through SIGWINCH.
 *
 * usage: raw LOG
 */
#include "common.h"
#include <sys/ioctl.h>
#include <termios.h>

static int logfd = -1;
static volatile sig_atomic_t winch;
static void on_winch(int sig) { (void)sig; winch = 1; }

static const char *tty(void)
{
	const char *t = ttyname(0);
	return t ? t : "none";
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	logfd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (logfd < 0)
		return 2;
	struct termios t;
	if (tcgetattr(0, &t) != 0) {
		t_logf(logfd, "FAIL: stdin is not a terminal");
		return 1;
	}
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(0, TCSANOW, &t) != 0) {
		t_logf(logfd, "FAIL: tcsetattr: %s", strerror(errno));
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_winch };	/* no SA_RESTART: read returns EINTR */
	sigaction(SIGWINCH, &sa, NULL);
	struct winsize ws;
	ioctl(0, TIOCGWINSZ, &ws);
	t_logf(logfd, "ready tty=%s size=%ux%u", tty(), ws.ws_row, ws.ws_col);
	for (;;) {
		unsigned char c;
		ssize_t n = read(0, &c, 1);
		int e = errno;
		if (winch) {	/* as a full-screen program would: redraw first */
			winch = 0;
			ioctl(0, TIOCGWINSZ, &ws);
			t_logf(logfd, "winch size=%ux%u tty=%s%s", ws.ws_row, ws.ws_col, tty(),
				n < 0 && e == EINTR ? "" : " (noticed only when read returned)");
		}
		if (n == 1) {
			struct termios now;
			tcgetattr(0, &now);
			t_logf(logfd, "key %02x lflag=%o icanon=%d echo=%d tty=%s", c, (unsigned)now.c_lflag,
				!!(now.c_lflag & ICANON), !!(now.c_lflag & ECHO), tty());
		} else if (n < 0 && e == EINTR) {
			continue;
		} else {
			t_logf(logfd, "FAIL: read from the terminal returned %zd (%s)", n, n < 0 ? strerror(e) : "EOF");
			return 1;
		}
	}
}
