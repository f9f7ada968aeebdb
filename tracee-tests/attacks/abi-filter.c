/*
 * abi-filter: the seccomp filter and the built-in refusals (THREATS A, C).
 *
 * usage: abi-filter [SUB-ATTACK...]                 (--profile default)
 *
 *   64-bit argument tricks: ioctl(0, (1<<32)|TIOCSTI) and TIOCLINUX, prctl((1<<32)|
 *     PR_SET_SECCOMP), clone((0xffffffff<<32)|CLONE_UNTRACED) must fail with EPERM: the
 *     kernel truncates these arguments to 32 bits, the filter must compare at that width.
 *     (stdin is /dev/null: a TIOCSTI that got through would fail with ENOTTY, not EPERM.)
 *   refusals: PTRACE_TRACEME, seccomp() with a user-notify filter, prctl(PR_SET_SECCOMP),
 *     process_vm_writev, io_uring_setup, io_setup, clone(CLONE_UNTRACED) fail with EPERM;
 *     clone3 with ENOSYS.  Each is tried in a child, so that one that works changes nothing
 *     here.
 *   the tracer, with signal 0 (a permission check that delivers nothing, so safe to try on
 *     any process): kill, tgkill, rt_sigqueueinfo, pidfd_open, pidfd_send_signal through an
 *     fd of /proc/<sysward> (a /proc/PID directory works as a pidfd), prlimit64 (also with
 *     the pid's upper 32 bits set: the filter runs prlimit64 of pid 0 natively), kcmp,
 *     sched_setaffinity and setpriority (with the tracer's own current values),
 *     process_vm_readv; kill(-1, 0).  All must fail.
 *   sweep: every syscall number 0..470 (but exit, exit_group, pause, rt_sigreturn, fork,
 *     vfork, msgget) is called in a forked child with harmless bad arguments (-1 for
 *     everything) under alarm(2).  Privileged, namespace, module, mount and tracer calls
 *     must fail with EPERM (clone3 and unknown numbers with ENOSYS); the sweep must finish.
 *     Every result is written to ./sweep.tsv.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/uio.h>

#include "atk.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

/* Run fn in a child; the child exits with 0 if the call succeeded, 100 + errno if not. */
static void in_child(const char *name, int want, long (*fn)(void))
{
	pid_t pid;
	int st;
	char b[64];

	if (!atk_want(name))
		return;
	pid = tt_fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL); /* not the parent's watchdog */
		alarm(5);
		errno = 0;
		long r = fn();
		_exit(r >= 0 ? 0 : 100 + (errno & 0x7f));
	}
	st = tt_wait(pid, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		atk_refused(name, -1, WEXITSTATUS(st) - 100, want);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		atk_escaped(name, "the call succeeded");
	else
		atk_escaped(name, "the call did something: the child %s",
			    tt_status_str(st, b, sizeof b));
}

static long c_tiocsti64(void)
{
	char c = 'x';
	return syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, &c);
}
static long c_tiocsti(void)
{
	char c = 'x';
	return syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c);
}
static long c_tioclinux64(void)
{
	char c = 6;
	return syscall(SYS_ioctl, 0, (0xdeadUL << 32) | TIOCLINUX, &c);
}
static long c_set_seccomp64(void)
{
	return syscall(SYS_prctl, (1UL << 32) | PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
}
static long c_set_seccomp(void) { return prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0); }
static long c_traceme(void) { return ptrace(PTRACE_TRACEME, 0, 0, 0); }
static long c_user_notif(void)
{
	struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF) };
	struct sock_fprog prog = { 1, f };
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}
static long c_vm_writev(void)
{
	static char a[8] = "abc", b[8];
	struct iovec l = { b, 4 }, r = { a, 4 };
	return syscall(SYS_process_vm_writev, getpid(), &l, 1, &r, 1, 0);
}
static long c_io_uring(void)
{
	char params[120] = { 0 };
	return syscall(SYS_io_uring_setup, 1, params);
}
static long c_io_setup(void)
{
	unsigned long ctx = 0;
	return syscall(SYS_io_setup, 1, &ctx);
}
static long untraced(unsigned long flags)
{
	long r = syscall(SYS_clone, flags, 0, 0, 0, 0);
	if (r == 0)
		_exit(0); /* the untraced child: gone at once */
	if (r > 0)
		waitpid((pid_t)r, NULL, __WALL);
	return r;
}
static long c_untraced(void) { return untraced(CLONE_UNTRACED | SIGCHLD); }
static long c_untraced64(void) { return untraced((0xffffffffUL << 32) | CLONE_UNTRACED | SIGCHLD); }
static long c_clone3(void)
{
	uint64_t args[11] = { 0 };
	args[4] = SIGCHLD; /* exit_signal */
	long r = syscall(SYS_clone3, args, sizeof args);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return r;
}

static void filter_width(void)
{
	in_child("ioctl-tiocsti-64bit", EPERM, c_tiocsti64);
	in_child("ioctl-tiocsti", EPERM, c_tiocsti);
	in_child("ioctl-tioclinux-64bit", EPERM, c_tioclinux64);
	in_child("prctl-set-seccomp-64bit", EPERM, c_set_seccomp64);
	in_child("prctl-set-seccomp", EPERM, c_set_seccomp);
	in_child("ptrace-traceme", EPERM, c_traceme);
	in_child("seccomp-user-notif", EPERM, c_user_notif);
	in_child("process_vm_writev", EPERM, c_vm_writev);
	in_child("io_uring_setup", EPERM, c_io_uring);
	in_child("io_setup", EPERM, c_io_setup);
	in_child("clone-untraced", EPERM, c_untraced);
	in_child("clone-untraced-64bit", EPERM, c_untraced64);
	in_child("clone3", ENOSYS, c_clone3);
}

/* ---- the tracer, with signal 0 ---------------------------------------------------------- */

static void tracer_probes(void)
{
	pid_t sw = atk_sysward_pid();
	char p[64];
	siginfo_t si;

	ATK_REFUSED("kill-minus-1-sig0", kill(-1, 0), EPERM);
	if (!sw) {
		atk_held("tracer-probes", "not run: our parent is not sysward");
		return;
	}
	ATK_REFUSED("kill-tracer-sig0", kill(sw, 0), 0);
	ATK_REFUSED("tgkill-tracer-sig0", syscall(SYS_tgkill, sw, sw, 0), 0);
	memset(&si, 0, sizeof si);
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	ATK_REFUSED("rt_sigqueueinfo-tracer-sig0", syscall(SYS_rt_sigqueueinfo, sw, 0, &si), 0);
	ATK_REFUSED("pidfd_open-tracer", syscall(SYS_pidfd_open, sw, 0), 0);
	if (atk_want("pidfd_send_signal-proc-dir")) {
		snprintf(p, sizeof p, "/proc/%d", (int)sw);
		int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			atk_held("pidfd_send_signal-proc-dir", "open %s: %s", p, strerrorname_np(errno));
		else {
			ATK_REFUSED("pidfd_send_signal-proc-dir",
				    syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0), 0);
			close(fd);
		}
	}
	{
		struct rlimit rl;
		ATK_REFUSED("prlimit64-tracer-read", syscall(SYS_prlimit64, sw, RLIMIT_NOFILE, NULL, &rl), 0);
		/* the filter lets prlimit64(0, r, NULL, old) (getrlimit) run natively; a pid with
		 * bits above 32 is the pid the kernel reads, the tracer's here */
		ATK_REFUSED("prlimit64-tracer-read-high",
			    syscall(SYS_prlimit64, (1UL << 32) | (unsigned long)(unsigned)sw,
				    RLIMIT_NOFILE, NULL, &rl),
			    0);
	}
	ATK_REFUSED("kcmp-tracer", syscall(SYS_kcmp, getpid(), sw, 0 /*KCMP_FILE*/, 0, 0), 0);
	{
		cpu_set_t set;
		if (sched_getaffinity(sw, sizeof set, &set) == 0)
			ATK_REFUSED("sched_setaffinity-tracer", sched_setaffinity(sw, sizeof set, &set), 0);
	}
	{
		errno = 0;
		int prio = getpriority(PRIO_PROCESS, (id_t)sw);
		if (errno == 0)
			ATK_REFUSED("setpriority-tracer", setpriority(PRIO_PROCESS, (id_t)sw, prio), 0);
	}
	{
		char buf[8];
		struct iovec l = { buf, sizeof buf }, r = { (void *)0x400000, sizeof buf };
		ATK_REFUSED("process_vm_readv-tracer", syscall(SYS_process_vm_readv, sw, &l, 1, &r, 1, 0), 0);
	}
}

/* ---- the sweep -------------------------------------------------------------------------- */

struct expect {
	int nr;
	const char *name;
	int want; /* EPERM or ENOSYS */
};

/* Calls the brief and THREATS name: they must never reach the kernel. */
static const struct expect dangerous[] = {
	{ 101, "ptrace", EPERM }, { 103, "syslog", EPERM }, { 153, "vhangup", EPERM },
	{ 155, "pivot_root", EPERM }, { 159, "adjtimex", EPERM }, { 161, "chroot", EPERM },
	{ 163, "acct", EPERM }, { 164, "settimeofday", EPERM }, { 165, "mount", EPERM },
	{ 166, "umount2", EPERM }, { 167, "swapon", EPERM }, { 168, "swapoff", EPERM },
	{ 169, "reboot", EPERM }, { 170, "sethostname", EPERM }, { 171, "setdomainname", EPERM },
	{ 172, "iopl", EPERM }, { 173, "ioperm", EPERM }, { 175, "init_module", EPERM },
	{ 176, "delete_module", EPERM }, { 179, "quotactl", EPERM }, { 206, "io_setup", EPERM },
	{ 209, "io_submit", EPERM }, { 227, "clock_settime", EPERM }, { 246, "kexec_load", EPERM },
	{ 248, "add_key", EPERM }, { 249, "request_key", EPERM }, { 250, "keyctl", EPERM },
	{ 272, "unshare", EPERM }, { 298, "perf_event_open", EPERM }, { 300, "fanotify_init", EPERM },
	{ 304, "open_by_handle_at", EPERM }, { 305, "clock_adjtime", EPERM }, { 308, "setns", EPERM },
	{ 311, "process_vm_writev", EPERM }, { 313, "finit_module", EPERM },
	{ 317, "seccomp", EPERM }, { 320, "kexec_file_load", EPERM }, { 321, "bpf", EPERM },
	{ 323, "userfaultfd", EPERM }, { 425, "io_uring_setup", EPERM },
	{ 426, "io_uring_enter", EPERM }, { 427, "io_uring_register", EPERM },
	{ 428, "open_tree", EPERM }, { 429, "move_mount", EPERM }, { 430, "fsopen", EPERM },
	{ 431, "fsconfig", EPERM }, { 432, "fsmount", EPERM }, { 433, "fspick", EPERM },
	{ 435, "clone3", ENOSYS }, { 442, "mount_setattr", EPERM }, { 443, "quotactl_fd", EPERM },
	{ 447, "memfd_secret", EPERM }, { 457, "statmount", EPERM }, { 458, "listmount", EPERM },
	{ 467, "open_tree_attr", EPERM },
};

static bool skipped(int nr)
{
	/* rt_sigreturn, pause, fork, vfork, exit, msgget (would make a real queue), exit_group */
	return nr == 15 || nr == 34 || nr == 57 || nr == 58 || nr == 60 || nr == 68 || nr == 231;
}

/* Every number, known to the kernel or not (one it lacks answers ENOSYS natively too). */
static const char *sweep_one(int nr, long arg, char *res, size_t size)
{
	char b[64];
	int st;
	pid_t pid = tt_fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm(2);
		errno = 0;
		long r = syscall(nr, arg, arg, arg, arg, arg, arg);
		_exit(r >= 0 ? 0 : 100 + (errno & 0x7f));
	}
	st = tt_wait(pid, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		snprintf(res, size, "%s", strerrorname_np(WEXITSTATUS(st) - 100) ?: "?");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		snprintf(res, size, "ok");
	else
		snprintf(res, size, "%s", tt_status_str(st, b, sizeof b));
	return res;
}

/* Calls whose first argument is a path: with -1 the tracer cannot read it and refuses the
 * call with EFAULT before any rule is asked (the kernel would say EFAULT too), so they are
 * called a second time with every argument pointing at a name that does not exist: a call
 * that reached the kernel then fails with ENOENT or EINVAL, a refused one with EPERM. */
static bool path_first(int nr)
{
	return nr == 155 || nr == 161 || nr == 163 || nr == 166 || nr == 167 || nr == 168;
}

static void sweep(void)
{
	static const char nowhere[] = "/nonexistent-sysward-sweep";
	FILE *out;
	int bad = 0, n = 0;

	if (!atk_want("sweep"))
		return;
	out = fopen("sweep.tsv", "w");
	if (!out)
		tt_fail("control failed: sweep.tsv: %s", strerror(errno));
	fprintf(out, "# nr\tresult with every argument -1 (errno name, ok, or how the child ended)"
		     "\t[with every argument a pointer to a name that does not exist]\n");
	for (int nr = 0; nr <= 470; nr++) {
		char res[64], res2[64] = "";

		if (skipped(nr))
			continue;
		sweep_one(nr, -1L, res, sizeof res);
		if (path_first(nr))
			sweep_one(nr, (long)(uintptr_t)nowhere, res2, sizeof res2);
		n++;
		fprintf(out, "%d\t%s%s%s\n", nr, res, res2[0] ? "\t" : "", res2);
		for (size_t i = 0; i < sizeof dangerous / sizeof dangerous[0]; i++) {
			const char *want = strerrorname_np(dangerous[i].want);
			bool ok;
			if (dangerous[i].nr != nr)
				continue;
			if (path_first(nr))
				ok = (!strcmp(res, want) || !strcmp(res, "EFAULT")) && !strcmp(res2, want);
			else
				ok = !strcmp(res, want);
			if (!ok) {
				atk_mismatch("sweep", "%s (%d): %s%s%s, want %s", dangerous[i].name, nr,
					     res, res2[0] ? " / " : "", res2, want);
				bad++;
			}
		}
	}
	fclose(out);
	if (!bad)
		atk_held("sweep", "%d syscall numbers called; every dangerous one refused", n);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	atk_select(argc, argv, 1);
	atk_controls();
	tt_watchdog(50, "abi-filter");
	filter_width();
	tracer_probes();
	sweep();
	atk_finish();
}
