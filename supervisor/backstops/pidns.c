/*
 * pidns: a PID namespace for the sandbox, so that no pid the program can name is the
 * tracer's, kill(-1) reaches only the sandbox, and nothing outlives the run (backstops on,
 * CAP_SYS_ADMIN).
 *
 * Shape (launch.c): the launch child, once traced, unshares CLONE_NEWPID and forks the
 * namespace's init (pid 1: sysward's own code, no exec, no filter, never runs program
 * code), which forks the program process (pid 2).  That one mounts a /proc of the namespace
 * over the old one and goes on with the launch (Landlock, capabilities, filter, exec).  The
 * init reaps every orphan and exits when the program process is gone; pid 1 exiting makes
 * the kernel kill everything left in the namespace (a double-forked daemon too).  The
 * tracer takes the run's exit status from the program process itself and treats the
 * launch child and the init as its own (loop.c: no spawn, exec or exit records, not
 * counted, never a member for pid checks).
 *
 * Views: the program's pid arguments and /proc names are the namespace's, the tracer's
 * table and the trail the tracer's; tracee.c maps one to the other with the last NSpid
 * field of /proc/TID/status.
 */
#include "supervisor/backstops/pidns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/util.h"

int pidns_probe(void)
{
	static int known = 1; /* 1: not asked yet */
	int self;

	if (known <= 0)
		return known;
	self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return known = -errno;
	if (unshare(CLONE_NEWPID) < 0) {
		known = -errno;
		close(self);
		return known;
	}
	/* the new namespace has no process yet: back to our own for our children */
	if (setns(self, CLONE_NEWPID) < 0)
		die("cannot return to the PID namespace of sysward: %s", strerror(errno));
	close(self);
	return known = 0;
}

void pidns_init_loop(pid_t prog)
{
	sigset_t all;

	/* pid 1 gets no signal it has no handler for from inside the namespace; the tracer's
	 * SIGKILL (from outside) still ends it */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, __WALL);
		if (w == prog || (w < 0 && errno == ECHILD))
			_exit(0);
	}
}

int pidns_mount_proc(bool read_only)
{
	unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC | (read_only ? MS_RDONLY : 0);

	/* on top of the old /proc: what Landlock granted beneath /proc still applies */
	if (mount("proc", "/proc", "proc", fl, NULL) < 0)
		return -errno;
	return 0;
}
