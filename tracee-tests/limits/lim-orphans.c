/*
 * lim-orphans [TOKEN]: leave behind what a careless or hostile program leaves when its main
 * process exits 0:
 *   - a daemon: fork, setsid, fork again, the middle process exits, so the daemon is
 *     reparented away from the program and lives in a session of its own;
 *   - a child that ignores SIGTERM, SIGHUP, SIGINT and SIGQUIT.
 * Both then block in read() forever: only a kill ends them.
 *
 * Protocol with the driver check (limits_drive.py), no sleeps: both left-behind processes
 * send their pid to the main process over a pipe; the main process prints `pid N` for each
 * and `ready`, then waits on stdin (a pipe from the driver) for EOF or a byte: meanwhile the
 * driver takes a pidfd of each pid.  Then the main process exits 0.  After `sysward run`
 * returns, both pidfds must report that the process has exited.
 *
 * stdout: `cgroup ...` lines, `pid N` (x2), `ready`.
 */
#include "lim.h"

static void linger(void)
{
	/* stdin/stdout are the driver's pipes: do not hold them */
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	lim_block_forever(NULL);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	int rep[2];
	pid_t pids[2];
	char c;

	lim_report_cgroups();
	tt_pipe(rep);

	/* the double-forked setsid daemon */
	pid_t mid = tt_fork();
	if (mid == 0) {
		if (setsid() < 0)
			tt_fail("setsid: %s", strerror(errno));
		pid_t d = tt_fork();
		if (d == 0) {
			pid_t me = getpid();
			tt_write_all(rep[1], &me, sizeof me);
			close(rep[1]);
			linger();
		}
		_exit(0);
	}
	tt_wait_exit(mid, 0, 0, "daemon's middle process");

	/* the SIGTERM-ignoring child */
	pid_t ign = tt_fork();
	if (ign == 0) {
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		pid_t me = getpid();
		tt_write_all(rep[1], &me, sizeof me);
		close(rep[1]);
		linger();
	}
	close(rep[1]);
	tt_read_all(rep[0], pids, sizeof pids);
	lim_say("pid %d", (int)pids[0]);
	lim_say("pid %d", (int)pids[1]);
	lim_say("ready");
	while (read(0, &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}
