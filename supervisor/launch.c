/*
 * launch: fork, set the child up, let the tracer seize it, install the filter, exec.
 *
 * Order (no untrusted instruction runs before the last step): the child starts a session,
 * asks to die with the tracer (PDEATHSIG), applies rlimits and the scratch directory, marks
 * inherited fds close-on-exec, sets NO_NEW_PRIVS and stops itself.  The parent moves it into
 * the run's cgroups and PTRACE_SEIZEs it with EXITKILL and every TRACE option, then lets it
 * continue.  The child checks that it is traced, installs the seccomp filter and execs; the
 * execve is the first trapped call.  Any failure is reported through a close-on-exec pipe.
 * With the PID namespace backstop, the program is the grandchild (launch_pidns_fork()).
 * launch-ahead.c: the same tree forked before its run is known (`sysward serve`).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/backstops/caps.h"
#include "supervisor/backstops/landlock.h"
#include "supervisor/backstops/pidns.h"
#include "supervisor/backstops/rofs.h"
#include "supervisor/launch.h"
#include "supervisor/limits/limits.h"
#include "supervisor/tracer.h"
#include "supervisor/util.h"

struct child_report {
	int stage; /* CHILD_SETUP or CHILD_EXEC */
	int err;
	char what[48];
};

int launch_report_pipe = -1;

void __attribute__((noreturn)) launch_child_fail(int stage, int err, const char *what)
{
	struct child_report rep = { stage, err, { 0 } };
	size_t n = strlen(what);

	memcpy(rep.what, what, n < sizeof(rep.what) - 1 ? n : sizeof(rep.what) - 1);
	if (write(launch_report_pipe, &rep, sizeof(rep)) < 0) {
		/* nothing left to tell anyone */
	}
	if (stage == CHILD_EXEC)
		_exit(err == ENOENT || err == ENOTDIR ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE);
	_exit(EXIT_SYSWARD_FAILED);
}

bool launch_traced_by(pid_t tracer)
{
	char buf[4096];
	const char *p;
	ssize_t n = read_small_file("/proc/self/status", buf, sizeof(buf));

	if (n <= 0 || !(p = strstr(buf, "\nTracerPid:")))
		return false;
	return atoi(p + 11) == tracer;
}

/* --net none|loopback: a new network namespace, with `lo` up for loopback. */
int launch_private_network(enum net_mode net)
{
	struct ifreq ifr = { 0 };
	int fd;

	if (net == NET_UNSET || net == NET_HOST)
		return 0;
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	if (net == NET_NONE)
		return 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		int e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

/*
 * The PID namespace backstop (pidns.c): this process (the launch child) stays outside and
 * waits; its child is the namespace's init, whose child (pid 2) returns from here and becomes
 * the program.  None of them has the filter yet.  `fd` (-1: none) is closed in the launch
 * child and the init, which run nothing more; with `note` the launch child first sends the
 * init's pid (its own view) on it.
 */
void launch_pidns_fork(int fd, bool note)
{
	pid_t init, prog;

	if (unshare(CLONE_NEWPID) < 0)
		launch_child_fail(CHILD_SETUP, errno, "PID namespace");
	init = fork();
	if (init < 0)
		launch_child_fail(CHILD_SETUP, errno, "PID namespace: fork");
	if (init > 0) {
		struct launch_init_note n = {'I', init};
		int st;
		if (note && send(fd, &n, sizeof(n), MSG_NOSIGNAL) < 0)
			launch_child_fail(CHILD_SETUP, errno, "PID namespace: the init's pid");
		if (fd >= 0)
			close(fd);
		close(launch_report_pipe);
		while (waitpid(init, &st, __WALL) < 0 && errno == EINTR)
			;
		_exit(0); /* the tracer takes the status from the program process */
	}
	/* pid 1: dies with the launch child, and with it everything in the namespace */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		launch_child_fail(CHILD_SETUP, errno, "PR_SET_PDEATHSIG");
	prctl(PR_SET_NAME, "sysward-init", 0, 0, 0);
	prog = fork();
	if (prog < 0)
		launch_child_fail(CHILD_SETUP, errno, "PID namespace: fork");
	if (prog > 0) {
		if (fd >= 0)
			close(fd);
		close(launch_report_pipe);
		pidns_init_loop(prog);
	}
	/* pid 2, the program: its own session and process group, as without the namespace */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		launch_child_fail(CHILD_SETUP, errno, "PR_SET_PDEATHSIG");
	if (getppid() != 1)
		launch_child_fail(CHILD_SETUP, ESRCH, "PID namespace: init died");
	if (setsid() < 0)
		launch_child_fail(CHILD_SETUP, errno, "setsid");
}

/*
 * The program process of a PID namespace, once traced: a mount namespace of its own unless
 * the read-only root made one (the namespace's /proc must not reach the machine's mounts),
 * the namespace's /proc over the old one (read-only under the read-only root), and the
 * Landlock rules anchored at /proc granted again on it (Landlock does not look through the
 * mount it hides).
 */
void launch_pidns_proc(bool rofs, int landlock_fd, const struct policy *p)
{
	int e;

	if (!rofs && (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0))
		launch_child_fail(CHILD_SETUP, errno, "PID namespace: mount namespace");
	if ((e = pidns_mount_proc(rofs)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "PID namespace: mounting /proc");
	if (landlock_fd >= 0 && (e = landlock_regrant(landlock_fd, p, "/proc")) < 0)
		launch_child_fail(CHILD_SETUP, -e, "PID namespace: Landlock rules for /proc");
}

/* The last steps of every launch: nothing after them runs but the program. */
void __attribute__((noreturn)) launch_child_exec(int landlock_fd, bool drop_caps,
						 const struct sock_fprog *fprog, const char *path,
						 char *const argv[], char *const envp[])
{
	int e;

	if (landlock_fd >= 0 && (e = landlock_enforce(landlock_fd)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "landlock_restrict_self");
	if (drop_caps && (e = caps_drop()) < 0)
		launch_child_fail(CHILD_SETUP, -e, "dropping capabilities");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0) < 0)
		launch_child_fail(CHILD_SETUP, errno, "seccomp filter");
	execve(path, argv, envp);
	launch_child_fail(CHILD_EXEC, errno, "execve");
}

static void __attribute__((noreturn)) child(struct run *r, pid_t parent, const void *prog,
					    size_t proglen, const char *path, char *const argv[],
					    char *const envp[])
{
	struct sock_fprog fprog = {
		.len = (unsigned short)(proglen / sizeof(struct sock_filter)),
		.filter = (struct sock_filter *)prog,
	};
	int e;

	if (setsid() < 0)
		launch_child_fail(CHILD_SETUP, errno, "setsid");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		launch_child_fail(CHILD_SETUP, errno, "PR_SET_PDEATHSIG");
	if (getppid() != parent)
		launch_child_fail(CHILD_SETUP, ESRCH, "parent died");
	if ((e = limits_child_setup(r->limits)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "limits");
	if ((e = launch_private_network(r->opt->net)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "--net: new network namespace");
	if (r->rw && (e = rofs_enter(r->rw, r->nrw)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "read-only root (mount namespace)");
	if (chdir(r->cwd) < 0)
		launch_child_fail(CHILD_SETUP, errno, "chdir");
	/* inherited descriptors above 2 (and the tracer's own) are gone at exec */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 65536; fd++)
			if (fd != launch_report_pipe)
				close(fd);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		launch_child_fail(CHILD_SETUP, errno, "PR_SET_NO_NEW_PRIVS");
	if (kill(getpid(), SIGSTOP) < 0)
		launch_child_fail(CHILD_SETUP, errno, "SIGSTOP");
	/* resumed: by the tracer, and nobody else */
	if (!launch_traced_by(parent))
		launch_child_fail(CHILD_SETUP, EPERM, "not traced");
	if (r->pidns) {
		launch_pidns_fork(-1, false);
		launch_pidns_proc(r->rw != NULL, r->landlock_fd, r->policy);
	}
	launch_child_exec(r->landlock_fd, r->drop_caps, &fprog, path, argv, envp);
}

/* clone3(2)'s arguments, declared here for older headers */
struct sw_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
		set_tid, set_tid_size, cgroup;
};
#define SW_CLONE_INTO_CGROUP 0x200000000ULL

/*
 * fork(), with the child made inside the cgroup v2 directory cgfd when there is one
 * (clone3 CLONE_INTO_CGROUP, Linux 5.7: no move, so no wait for an RCU grace period);
 * *inside says whether it was.  The tracer is single-threaded, so a raw clone3 leaves the
 * child's libc as sound as fork's would.
 */
pid_t launch_fork_into(int cgfd, bool *inside)
{
	*inside = false;
	if (cgfd >= 0) {
		struct sw_clone_args ca = { .flags = SW_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
					    .cgroup = (uint64_t)cgfd };
		long pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*inside = true;
			return (pid_t)pid;
		}
		/* ENOSYS, E2BIG (old kernel), EBUSY, EPERM...: the usual way */
	}
	return fork();
}

int launch(struct run *r, char *const argv[], char *const envp[], const char *path)
{
	void *prog = NULL;
	size_t proglen = 0;
	int pfd[2];
	pid_t parent = getpid(), pid;
	bool in_cgroup = false;
	int st, e;
	const long options = PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |
			     PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
			     PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT;

	if (r->filter) {
		/* built ahead for this policy and these options (serve); copied, so that every
		 * path below frees what it has */
		prog = xmalloc(r->filter_len);
		memcpy(prog, r->filter, r->filter_len);
		proglen = r->filter_len;
	} else if ((e = filter_build(r, &prog, &proglen)) < 0) {
		warnx_("cannot build the seccomp filter: %s", strerror(-e));
		return e;
	}
	if (r->ahead) {
		struct launch_ahead *a = r->ahead;
		r->ahead = NULL;
		e = launch_ahead_go(r, a, prog, proglen, path, argv, envp, options);
		free(prog);
		if (e == 0)
			r->t0 = r->t0 ? r->t0 : now_monotonic();
		return e;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		e = -errno;
		free(prog);
		return e;
	}
	pid = launch_fork_into(limits_clone_fd(r->limits), &in_cgroup);
	if (pid < 0) {
		e = -errno;
		free(prog);
		close(pfd[0]);
		close(pfd[1]);
		return e;
	}
	if (pid == 0) {
		close(pfd[0]);
		launch_report_pipe = pfd[1];
		child(r, parent, prog, proglen, path, argv, envp);
	}
	free(prog);
	close(pfd[1]);
	r->child = pid;

	if (waitpid(pid, &st, WUNTRACED) < 0 || !WIFSTOPPED(st)) {
		struct child_report rep;
		e = -ECHILD;
		if (read(pfd[0], &rep, sizeof(rep)) == sizeof(rep)) {
			warnx_("setting up the program failed: %s: %s", rep.what, strerror(rep.err));
			e = -rep.err;
		}
		close(pfd[0]);
		if (!WIFEXITED(st) && !WIFSIGNALED(st)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
		return e ? e : -ECHILD;
	}
	if (!in_cgroup && (e = limits_add_pid(r->limits, pid)) < 0) {
		warnx_("cannot move the program into its cgroup: %s", strerror(-e));
		goto kill;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, options) < 0) {
		e = -errno;
		warnx_("cannot trace the program: %s", strerror(errno));
		goto kill;
	}
	{
		struct tracee *t = tracee_add(r, pid, pid);
		/* with a PID namespace the program is its grandchild (loop.c: on_spawn) */
		t->internal = r->pidns;
		/* the child inherited the boot arena's mapping; it is used until the exec */
		t->arena = arena_ref(r->boot_arena);
		t->arena_base = (uint64_t)(uintptr_t)r->boot_arena->map;
		t->seen_first_stop = true;
	}
	r->processes = 1;
	if (kill(pid, SIGCONT) < 0) {
		e = -errno;
		goto kill;
	}
	r->t0 = r->t0 ? r->t0 : now_monotonic();
	/* the report pipe stays open: an exec failure is read after the run */
	r->report_fd = pfd[0];
	return 0;
kill:
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	return e;
}

int launch_exec_failure(struct run *r, char *what, size_t size)
{
	struct child_report rep;
	int fl;

	if (r->report_fd < 0)
		return 0;
	fl = fcntl(r->report_fd, F_GETFL);
	fcntl(r->report_fd, F_SETFL, fl | O_NONBLOCK);
	if (read(r->report_fd, &rep, sizeof(rep)) != sizeof(rep))
		return 0;
	snprintf(what, size, "%s", rep.what);
	return rep.stage == CHILD_SETUP ? -rep.err : rep.err;
}
