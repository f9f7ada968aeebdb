/*
 * tracer-kill: try for real to kill the tracer (THREATS C: attacking the tracer).
 *
 * usage: tracer-kill [METHOD...]                    (--profile default)
 *
 * The first process's parent is sysward (with the PID namespace backstop it is the
 * namespace's init and sysward has no pid to name: the row passes with one `held`).  Each method below sends it a fatal signal; each
 * must fail, and the program must then go on and exit 0 with sysward alive (the driver
 * checks that the trail ends with `end` and the result record exists).  A method that works
 * kills sysward, and with it (PTRACE_O_EXITKILL) this program: the row fails, and the last
 * "trying" line on stdout names the method.  Nothing is ever sent to any other process: the
 * program runs only when its parent is its tracer and is called sysward (else exit 77).
 *   kill, tgkill, rt_sigqueueinfo  SIGKILL by pid
 *   pidfd_open                     a pidfd of the tracer, then pidfd_send_signal
 *   pidfd-proc-dir                 an fd of the directory /proc/<sysward> is a pidfd too
 *   setown-sigio                   fcntl(F_SETOWN, sysward) + O_ASYNC on a pipe, then a write:
 *                                  the kernel sends SIGIO (default action: terminate)
 *   setown-setsig                  the same with F_SETSIG SIGKILL
 *   setown-ex                      F_SETOWN_EX (F_OWNER_PID) instead of F_SETOWN
 *   fiosetown                      the socket ioctls FIOSETOWN + FIOASYNC on a socketpair
 *   siocspgrp                      the socket ioctl SIOCSPGRP (a pid: the same as FIOSETOWN)
 *   pidfd-pin-swap                 pidfd_send_signal(SIGUSR1) on a pidfd of ourselves (we
 *                                  ignore SIGUSR1) while a thread keeps an fd of
 *                                  /proc/<sysward> going in and out of the lowest free fd
 *                                  numbers: a tracer that judges a duplicate of the pidfd
 *                                  and then signals through that number signals sysward
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "atk.h"

static pid_t sw;

static void trying(const char *m) { printf("trying: %s\n", m); }

/* Is our parent sysward's PID namespace init (pid 1, "sysward-init", traced by nobody we
 * can see)? */
static bool atk_ns_init(void)
{
	char buf[64];
	if (tt_read_text("/proc/1/comm", buf, sizeof buf) <= 0)
		return false;
	return strcmp(buf, "sysward-init\n") == 0;
}

static void setown(const char *name, int sig)
{
	int fds[2];
	if (!atk_want(name))
		return;
	trying(name);
	tt_pipe(fds);
	errno = 0;
	long r = fcntl(fds[0], F_SETOWN, sw);
	int e = errno;
	if (r == 0 && sig)
		fcntl(fds[0], F_SETSIG, sig);
	if (r == 0)
		fcntl(fds[0], F_SETFL, O_ASYNC | O_NONBLOCK);
	/* the write makes the kernel signal the owner, if it may */
	tt_write_all(fds[1], "x", 1);
	close(fds[0]);
	close(fds[1]);
	if (r == 0)
		atk_held(name, "F_SETOWN was accepted, but sysward is still alive");
	else
		atk_held(name, "F_SETOWN: %s", strerrorname_np(e));
}

/* SIGIO through the owner of a socket, set with an ioctl */
static void sock_owner(const char *name, unsigned long req)
{
	int sv[2], one = 1, pid = sw;
	if (!atk_want(name))
		return;
	trying(name);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		tt_fail("socketpair: %s", strerror(errno));
	errno = 0;
	long r = ioctl(sv[0], req, &pid);
	int e = errno;
	if (r == 0)
		ioctl(sv[0], FIOASYNC, &one);
	tt_write_all(sv[1], "x", 1);
	close(sv[0]);
	close(sv[1]);
	if (r == 0)
		atk_held(name, "the owner was accepted, but sysward is still alive");
	else
		atk_held(name, "%s", strerrorname_np(e));
}

static void setown_ex(const char *name)
{
	int fds[2];
	struct f_owner_ex ox = { F_OWNER_PID, 0 };
	if (!atk_want(name))
		return;
	trying(name);
	tt_pipe(fds);
	ox.pid = sw;
	errno = 0;
	long r = fcntl(fds[0], F_SETOWN_EX, &ox);
	int e = errno;
	if (r == 0)
		fcntl(fds[0], F_SETFL, O_ASYNC | O_NONBLOCK);
	tt_write_all(fds[1], "x", 1);
	close(fds[0]);
	close(fds[1]);
	if (r == 0)
		atk_held(name, "F_SETOWN_EX was accepted, but sysward is still alive");
	else
		atk_held(name, "F_SETOWN_EX: %s", strerrorname_np(e));
}

static int proc_fd, low;
static void *pin_swapper(void *arg)
{
	(void)arg;
	unsigned spin = 1;
	while (!atk_stop) {
		for (int k = 0; k < 4; k++)
			close(low + k);
		for (volatile unsigned i = 0; i < spin; i++)
			;
		for (int k = 0; k < 4; k++)
			dup2(proc_fd, low + k);
		for (volatile unsigned i = 0; i < spin; i++)
			;
		spin = spin * 7 % 4001 + 1;
	}
	for (int k = 0; k < 4; k++)
		close(low + k);
	return NULL;
}

static void pidfd_pin_swap(const char *name)
{
	char p[64];
	pthread_t th;
	long i, nok = 0;
	double t0;
	int self;

	if (!atk_want(name))
		return;
	trying(name);
	signal(SIGUSR1, SIG_IGN);
	self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (self < 0) {
		atk_held(name, "no pidfd of ourselves: %s", strerrorname_np(errno));
		return;
	}
	snprintf(p, sizeof p, "/proc/%d", (int)sw);
	proc_fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc_fd < 0) {
		atk_held(name, "open %s: %s", p, strerrorname_np(errno));
		close(self);
		return;
	}
	low = dup(0);
	close(low);
	atk_stop = 0;
	if (pthread_create(&th, NULL, pin_swapper, NULL))
		tt_fail("pthread_create failed");
	t0 = atk_now();
	for (i = 0; i < 100000; i++) {
		if (syscall(SYS_pidfd_send_signal, self, SIGUSR1, NULL, 0) == 0)
			nok++;
		if ((i & 15) == 0 && atk_now() - t0 > 0.4)
			break;
	}
	atk_stop = 1;
	pthread_join(th, NULL);
	close(proc_fd);
	close(self);
	atk_held(name, "%ld signals to ourselves (%ld delivered), sysward is still alive", i, nok);
}

int main(int argc, char **argv)
{
	char p[64];
	siginfo_t si;

	tt_init(argc, argv);
	atk_select(argc, argv, 1);
	atk_controls();
	sw = atk_sysward_pid();
	if (!sw && getppid() == 1 && atk_ns_init()) {
		/* the PID namespace backstop: no pid here names sysward (pidns.c tries harder) */
		atk_held("tracer-pid", "sysward has no pid in our PID namespace: nothing to name");
		atk_finish();
	}
	if (!sw)
		tt_skip("our parent is not sysward: nothing to attack");
	tt_watchdog(20, "tracer-kill");

	if (atk_want("kill")) {
		trying("kill");
		ATK_REFUSED("kill", kill(sw, SIGKILL), 0);
	}
	if (atk_want("tgkill")) {
		trying("tgkill");
		ATK_REFUSED("tgkill", syscall(SYS_tgkill, sw, sw, SIGKILL), 0);
	}
	if (atk_want("rt_sigqueueinfo")) {
		trying("rt_sigqueueinfo");
		memset(&si, 0, sizeof si);
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		ATK_REFUSED("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, sw, SIGKILL, &si), 0);
	}
	if (atk_want("pidfd_open")) {
		trying("pidfd_open");
		int fd = (int)syscall(SYS_pidfd_open, sw, 0);
		if (fd >= 0) {
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			close(fd);
			atk_escaped("pidfd_open", "got a pidfd of sysward");
		} else {
			atk_held("pidfd_open", "%s", strerrorname_np(errno));
		}
	}
	if (atk_want("pidfd-proc-dir")) {
		trying("pidfd-proc-dir");
		snprintf(p, sizeof p, "/proc/%d", (int)sw);
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			atk_held("pidfd-proc-dir", "open %s: %s", p, strerrorname_np(errno));
		else {
			ATK_REFUSED("pidfd-proc-dir", syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0), 0);
			close(fd);
		}
	}
	pidfd_pin_swap("pidfd-pin-swap");
	setown("setown-sigio", 0);
	setown("setown-setsig", SIGKILL);
	setown_ex("setown-ex");
	sock_owner("fiosetown", FIOSETOWN);
	sock_owner("siocspgrp", SIOCSPGRP);
	trying("nothing more: sysward survived");
	atk_finish();
}
