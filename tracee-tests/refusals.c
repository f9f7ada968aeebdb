/*
 * refusals: the refusals built into the filter, in every profile and mode (INTERFACE;
 * THREATS B and C): ptrace, seccomp (and prctl(PR_SET_SECCOMP)), io_uring,
 * process_vm_writev, module, kexec and reboot calls fail with EPERM; clone3 fails with
 * ENOSYS; clone(CLONE_UNTRACED) fails with EPERM and creates no child.
 *
 * Following bubblewrap's try-syscall, each call is first made with harmless arguments that
 * make it fail in the kernel (fd -1, NULL pointers, bad flags, bad magic): there "allowed"
 * gives EBADF/EFAULT/EINVAL/... and "refused" gives the built-in errno, so the two differ by
 * one integer without doing anything.  Then the dangerous form (a real filter, a real ring,
 * a real attach, a real clone) is tried and must be refused too.
 * Every case is reported on stderr; the exit status is 1 if any case failed.  Natively (no
 * sysward) nearly every case fails, as it should.
 */
#include "tt.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

struct tt_clone_args { /* struct clone_args, CLONE_ARGS_SIZE_VER0 = 64 bytes */
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static int failures;

/* `ret`/`err` from a call that must fail with `want`. */
static void expect(const char *what, long ret, int err, int want)
{
	if (ret == -1 && err == want) {
		tt_note("ok   %-58s -1/%s", what, strerrorname_np(err));
		return;
	}
	tt_note("FAIL %-58s want -1/%s, got %ld/%s", what, strerrorname_np(want), ret,
		ret == -1 ? strerrorname_np(err) : "-");
	failures++;
}

#define TRY(what, want, call)                                                                \
	do {                                                                                 \
		errno = 0;                                                                   \
		long r_ = (long)(call);                                                      \
		expect(what, r_, errno, want);                                               \
	} while (0)

/* After a clone that must have failed: there must be no child at all. */
static void expect_no_child(const char *what)
{
	int st;
	pid_t r = waitpid(-1, &st, WNOHANG | __WALL);
	if (r == -1 && errno == ECHILD)
		return;
	tt_note("FAIL %s: a child exists (waitpid -> %d)", what, (int)r);
	failures++;
}

static int read_tracer_pid(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "TracerPid:");
	return p ? atoi(p + 10) : -1;
}

static void clone_cases(void)
{
	/* clone3: harmless size 0 (EINVAL when allowed), then a real fork-like clone3 */
	TRY("clone3(NULL, 0)", ENOSYS, syscall(SYS_clone3, NULL, 0));
	struct tt_clone_args ca = {.exit_signal = SIGCHLD};
	errno = 0;
	long r = syscall(SYS_clone3, &ca, sizeof ca);
	if (r == 0)
		syscall(SYS_exit_group, 99);
	expect("clone3({exit_signal=SIGCHLD}, 64)", r, errno, ENOSYS);
	if (r > 0)
		tt_wait(r, __WALL);
	expect_no_child("clone3");

	/* CLONE_UNTRACED: harmless form is an invalid combination (CLONE_SIGHAND without
	 * CLONE_VM gives EINVAL when allowed), then a real fork-like clone */
	TRY("clone(CLONE_UNTRACED|CLONE_SIGHAND) (invalid)", EPERM,
	    syscall(SYS_clone, (long)(CLONE_UNTRACED | CLONE_SIGHAND | SIGCHLD), 0L, NULL, NULL,
		    0L));
	errno = 0;
	r = syscall(SYS_clone, (long)(CLONE_UNTRACED | SIGCHLD), 0L, NULL, NULL, 0L);
	if (r == 0)
		syscall(SYS_exit_group, 99);
	int err = errno;
	if (r > 0) {
		int tracer = read_tracer_pid((pid_t)r);
		tt_note("clone(CLONE_UNTRACED) created child %ld, its TracerPid is %d", r, tracer);
		tt_wait((pid_t)r, __WALL);
	}
	expect("clone(CLONE_UNTRACED|SIGCHLD)", r, err, EPERM);
	expect_no_child("clone(CLONE_UNTRACED)");
}

static void ptrace_cases(void)
{
	int before = failures;
	/* pid 0 does not exist: ESRCH when allowed */
	TRY("ptrace(PTRACE_ATTACH, 0)", EPERM, syscall(SYS_ptrace, PTRACE_ATTACH, 0, 0, 0));
	TRY("ptrace(PTRACE_PEEKDATA, 0)", EPERM, syscall(SYS_ptrace, PTRACE_PEEKDATA, 0, 0, 0));
	TRY("ptrace(PTRACE_SEIZE, 0)", EPERM, syscall(SYS_ptrace, PTRACE_SEIZE, 0, 0, 0));

	/* PTRACE_TRACEME in a child: 0 when allowed (and untraced) */
	pid_t c = tt_fork();
	if (c == 0) {
		long rr = syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
		_exit(rr == -1 && errno == EPERM ? 0 : rr == 0 ? 3 : 4);
	}
	int st = tt_wait(c, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		tt_note("FAIL ptrace(PTRACE_TRACEME) in a child: %s",
			WIFEXITED(st) && WEXITSTATUS(st) == 3 ? "succeeded" : "not EPERM");
		failures++;
	} else {
		tt_note("ok   %-58s -1/EPERM", "ptrace(PTRACE_TRACEME) (child)");
	}

	/* the real thing: attach to our parent (the tracer, under sysward).  Only tried when
	 * the harmless form was refused, so a native run never stops its parent. */
	pid_t pp = getppid();
	if (failures != before || pp <= 1) {
		tt_note("skip ptrace(PTRACE_ATTACH, getppid()=%d): %s", (int)pp,
			failures != before ? "ptrace is not refused" : "no visible parent");
		return;
	}
	errno = 0;
	long r = syscall(SYS_ptrace, PTRACE_ATTACH, pp, 0, 0);
	int err = errno;
	if (r == 0) { /* undo at once: wait for the attach stop, detach */
		waitpid(pp, &st, __WALL);
		syscall(SYS_ptrace, PTRACE_DETACH, pp, 0, 0);
	}
	expect("ptrace(PTRACE_ATTACH, getppid())", r, err, EPERM);
}

static void seccomp_cases(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = {.len = 1, .filter = &allow};
	uint32_t action = SECCOMP_RET_ALLOW;

	TRY("seccomp(SET_MODE_FILTER, 0, NULL)", EPERM,
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, NULL));
	TRY("prctl(PR_SET_SECCOMP, MODE_FILTER, NULL)", EPERM,
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL, 0, 0));
	TRY("seccomp(GET_ACTION_AVAIL, 0, &ALLOW)", EPERM,
	    syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action));

	/* real filters (allow-all, so harmless if they got in) */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	TRY("seccomp(SET_MODE_FILTER, NEW_LISTENER, allow-all)", EPERM,
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
	TRY("seccomp(SET_MODE_FILTER, 0, allow-all)", EPERM,
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
	TRY("prctl(PR_SET_SECCOMP, MODE_FILTER, allow-all)", EPERM,
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0));

	/* strict mode in a child: if it gets in, only exit (not exit_group) is left */
	pid_t c = tt_fork();
	if (c == 0) {
		long rr = prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
		if (rr == 0)
			syscall(SYS_exit, 3);
		_exit(rr == -1 && errno == EPERM ? 0 : 4);
	}
	char sb[64];
	int st = tt_wait(c, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		tt_note("FAIL prctl(PR_SET_SECCOMP, MODE_STRICT) in a child: %s",
			tt_status_str(st, sb, sizeof sb));
		failures++;
	} else {
		tt_note("ok   %-58s -1/EPERM", "prctl(PR_SET_SECCOMP, MODE_STRICT) (child)");
	}
}

static void io_uring_cases(void)
{
	char buf[16] = {0};
	int fd = open("/proc/sys/kernel/io_uring_disabled", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n > 0 && buf[0] == '2')
			tt_note("io_uring is disabled system-wide: io_uring_setup's EPERM proves "
				"little here");
	}
	TRY("io_uring_setup(1, NULL)", EPERM, syscall(SYS_io_uring_setup, 1, NULL));
	TRY("io_uring_enter(-1, ...)", EPERM, syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0));
	TRY("io_uring_register(-1, ...)", EPERM, syscall(SYS_io_uring_register, -1, 0, NULL, 0));
	unsigned char params[120] = {0}; /* struct io_uring_params, zeroed */
	errno = 0;
	long r = syscall(SYS_io_uring_setup, 4, params);
	int err = errno;
	if (r >= 0)
		close((int)r);
	expect("io_uring_setup(4, {0}) (a real ring)", r, err, EPERM);
}

static void misc_cases(void)
{
	/* process_vm_writev: empty vectors return 0 when allowed; then a real self-write */
	TRY("process_vm_writev(self, 0 iovecs)", EPERM,
	    syscall(SYS_process_vm_writev, getpid(), NULL, 0, NULL, 0, 0));
	char src[8] = "written", dst[8] = "";
	struct iovec l = {src, sizeof src}, rv = {dst, sizeof dst};
	TRY("process_vm_writev(self, 8 bytes)", EPERM,
	    syscall(SYS_process_vm_writev, getpid(), &l, 1, &rv, 1, 0));
	if (strcmp(dst, "written") == 0) {
		tt_note("FAIL process_vm_writev wrote the memory");
		failures++;
	}

	/* module calls: ENOEXEC / EBADF / ENOENT when allowed */
	TRY("init_module(NULL, 0, \"\")", EPERM, syscall(SYS_init_module, NULL, 0, ""));
	TRY("finit_module(-1, \"\", 0)", EPERM, syscall(SYS_finit_module, -1, "", 0));
	TRY("delete_module(\"\", 0)", EPERM, syscall(SYS_delete_module, "", 0));
	/* kexec with an unknown flag: EINVAL when allowed */
	TRY("kexec_load(0, 0, NULL, 0x8000)", EPERM, syscall(SYS_kexec_load, 0, 0, NULL, 0x8000));
	TRY("kexec_file_load(-1, -1, 0, NULL, 0x8000)", EPERM,
	    syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0x8000));
	/* reboot with bad magic: EINVAL when allowed */
	TRY("reboot(0, 0, 0, NULL) (bad magic)", EPERM, syscall(SYS_reboot, 0, 0, 0, NULL));
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "the refusal cases");
	clone_cases();
	ptrace_cases();
	seccomp_cases();
	io_uring_cases();
	misc_cases();
	if (failures)
		tt_fail("%d case(s) not refused as INTERFACE says", failures);
	return TT_PASS;
}
