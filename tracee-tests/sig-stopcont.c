/*
 * sig-stopcont: job control through the tracer.  A tracer that resumes a group-stop as if it
 * were a signal, or swallows SIGCONT, breaks what the real parent sees with
 * waitpid(WUNTRACED/WCONTINUED).
 *
 * Round 1: the parent stops its child (blocked in read on a pipe) with SIGSTOP and must see
 *          it stopped; resumes it with SIGCONT and must see it continued; then the child
 *          must still complete its read and exit with the byte it read.
 * Round 2: the child stops itself with raise(SIGSTOP); same observations.
 * Round 3: SIGTSTP (default action stop), then SIGCONT.
 * The child gets its own process group so that SIGTSTP is not discarded as sent to an
 * orphaned group (the program may run in a session of its own).
 */
#include "tt.h"

static void expect_stopped(pid_t pid, int sig, const char *what)
{
	char b[64];
	tt_watch(what);
	int st = tt_wait(pid, WUNTRACED);
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != sig)
		tt_fail("%s: want stopped by %s, got %s", what, sigabbrev_np(sig),
			tt_status_str(st, b, sizeof b));
}

static void expect_continued(pid_t pid, const char *what)
{
	char b[64];
	tt_watch(what);
	int st = tt_wait(pid, WCONTINUED);
	if (!WIFCONTINUED(st))
		tt_fail("%s: want continued, got %s", what, tt_status_str(st, b, sizeof b));
}

/* The child: optionally stop itself, then read one byte and exit with it. */
static pid_t spawn_reader(int p[2], int self_stop)
{
	pid_t pid = tt_fork();
	if (pid == 0) {
		/* own process group, whose parent is in another group of the same session: not
		 * orphaned, so SIGTSTP is not discarded (POSIX) */
		setpgid(0, 0);
		close(p[1]);
		if (self_stop && raise(SIGSTOP) != 0)
			_exit(90);
		unsigned char c;
		ssize_t n;
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? c : 91);
	}
	if (setpgid(pid, pid) != 0 && errno != EACCES)
		tt_fail("setpgid: %s", strerror(errno));
	return pid;
}

static void round_trip(int round, int stopsig, int self_stop)
{
	char what[128];
	int p[2];
	tt_pipe(p);
	pid_t pid = spawn_reader(p, self_stop);
	close(p[0]);
	if (!self_stop)
		TT_CHECK(kill(pid, stopsig) == 0, "kill %s: %s", sigabbrev_np(stopsig),
			 strerror(errno));
	snprintf(what, sizeof what, "round %d: waitpid(WUNTRACED) to report the stop", round);
	expect_stopped(pid, stopsig, what);
	TT_CHECK(kill(pid, SIGCONT) == 0, "kill SIGCONT: %s", strerror(errno));
	snprintf(what, sizeof what, "round %d: waitpid(WCONTINUED) to report SIGCONT", round);
	expect_continued(pid, what);
	unsigned char c = (unsigned char)(40 + round);
	tt_write_all(p[1], &c, 1);
	snprintf(what, sizeof what, "round %d: the resumed child to read and exit", round);
	tt_watch(what);
	tt_wait_exit(pid, 0, 40 + round, what);
	close(p[1]);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "start");
	round_trip(1, SIGSTOP, 0);
	round_trip(2, SIGSTOP, 1);
	round_trip(3, SIGTSTP, 0);
	return TT_PASS;
}
