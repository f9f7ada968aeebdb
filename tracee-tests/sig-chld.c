/*
 * sig-chld: SIGCHLD reaches the parent's handler with the right siginfo.  A tracer must
 * re-inject signals it sees at signal-delivery-stops, with their siginfo intact.
 *
 * The SA_SIGINFO handler writes (si_pid, si_code, si_status) to a pipe; the parent reads
 * it (the read is interrupted by the signal and restarted: SA_RESTART) and compares with
 * what happened to the child: exit 5 (CLD_EXITED), then killed by SIGTERM (CLD_KILLED).
 */
#include "tt.h"

struct note {
	int pid, code, status;
};
static int note_pipe[2];

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	struct note n = {si->si_pid, si->si_code, si->si_status};
	int e = errno;
	ssize_t w = write(note_pipe[1], &n, sizeof n);
	(void)w;
	errno = e;
}

static void expect_note(pid_t pid, int code, int status, const char *what)
{
	struct note n;
	tt_watch(what);
	tt_read_all(note_pipe[0], &n, sizeof n);
	if (n.pid != pid || n.code != code || n.status != status)
		tt_fail("%s: SIGCHLD siginfo pid %d code %d status %d, want %d %d %d", what, n.pid,
			n.code, n.status, (int)pid, code, status);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "start");
	tt_pipe(note_pipe);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	TT_CHECK(sigaction(SIGCHLD, &sa, NULL) == 0, "sigaction");

	pid_t a = tt_fork();
	if (a == 0)
		_exit(5);
	expect_note(a, CLD_EXITED, 5, "SIGCHLD for a child that exited 5");
	tt_wait_exit(a, 0, 5, "child");

	int p[2];
	tt_pipe(p);
	pid_t b = tt_fork();
	if (b == 0) {
		char c;
		ssize_t n = read(p[0], &c, 1); /* blocks until killed */
		_exit(n < 0 ? 92 : 93);
	}
	TT_CHECK(kill(b, SIGTERM) == 0, "kill SIGTERM: %s", strerror(errno));
	expect_note(b, CLD_KILLED, SIGTERM, "SIGCHLD for a child killed by SIGTERM");
	char sb[64];
	int st = tt_wait(b, 0);
	TT_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "child b: %s",
		 tt_status_str(st, sb, sizeof sb));
	return TT_PASS;
}
