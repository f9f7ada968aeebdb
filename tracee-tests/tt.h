/*
 * tt.h: small helpers shared by the tracee tests.
 *
 * A tracee test is one standalone program that runs under the real tracer.  It encodes its
 * verdict in its exit status, which `sysward run` passes through:
 *
 *   TT_PASS 0    what was tested behaved as the contract (docs, INTERFACE) says
 *   TT_FAIL 1    it did not; a one-line reason was printed to stderr
 *   TT_SKIP 77   the machine cannot run this test (say why on stderr)
 *
 * Rules for test programs: no sleeps for synchronisation (pipes, waits, pidfds, polling /proc
 * with sched_yield under a watchdog), no timing thresholds, and every test must be able to
 * fail.  Programs that leave evidence for a check script write it into their working
 * directory (the harness runs each row in a fresh temporary directory).
 *
 * Everything here is header-only (static functions) so that each test stays one .c file.
 * Every failure path uses _exit(), never exit(): it is safe in forked and vforked children
 * and in threads (exit_group ends the whole process).
 */
#ifndef SYSWARD_TT_H
#define SYSWARD_TT_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define TT_PASS 0
#define TT_FAIL 1
#define TT_SKIP 77

/* Helpers are static and may go unused in a given test. */
#define TT_FN static __attribute__((unused))

/* The program name used in messages (set by tt_init, "tracee-test" until then). */
static const char *tt_prog = "tracee-test";

static inline pid_t tt_gettid(void) { return (pid_t)syscall(SYS_gettid); }

TT_FN void tt_vmsg(const char *tag, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof buf, "%s[%d/%d]: %s: ", tt_prog, (int)getpid(),
			 (int)tt_gettid(), tag);
	if (n < 0 || (size_t)n >= sizeof buf)
		n = 0;
	int m = vsnprintf(buf + n, sizeof buf - n, fmt, ap);
	if (m < 0)
		m = 0;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof buf - 2)
		len = sizeof buf - 2;
	buf[len++] = '\n';
	/* one write(2): lines from several processes do not interleave */
	ssize_t w = write(2, buf, len);
	(void)w;
}

/* Print why the test failed and end the whole process (all threads) with TT_FAIL. */
__attribute__((format(printf, 1, 2), noreturn)) TT_FN void tt_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tt_vmsg("FAIL", fmt, ap);
	va_end(ap);
	_exit(TT_FAIL);
}

/* Print why the test cannot run here and end with TT_SKIP. */
__attribute__((format(printf, 1, 2), noreturn)) TT_FN void tt_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tt_vmsg("SKIP", fmt, ap);
	va_end(ap);
	_exit(TT_SKIP);
}

/* A diagnostic that does not end the test. */
__attribute__((format(printf, 1, 2))) TT_FN void tt_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tt_vmsg("note", fmt, ap);
	va_end(ap);
}

/* TT_CHECK(cond, "what %d", x): fail with file:line and the message unless cond holds. */
#define TT_CHECK(cond, ...)                                                                  \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			char tt_m_[512];                                                     \
			snprintf(tt_m_, sizeof tt_m_, __VA_ARGS__);                          \
			tt_fail("%s:%d: %s (failed: %s)", __FILE__, __LINE__, tt_m_, #cond); \
		}                                                                            \
	} while (0)

/* Fail unless a libc/raw call returned -1 with errno `want`.  `ret` is the return value and
 * `err` the errno captured right after the call. */
#define TT_EXPECT_ERRNO(ret, err, want, what)                                                \
	do {                                                                                 \
		long tt_r_ = (long)(ret);                                                    \
		int tt_e_ = (err);                                                           \
		if (tt_r_ != -1 || tt_e_ != (want))                                          \
			tt_fail("%s:%d: %s: want -1/%s, got %ld/%s", __FILE__, __LINE__, what,  \
				strerrorname_np(want), tt_r_,                                \
				tt_r_ == -1 ? strerrorname_np(tt_e_) : "-");                 \
	} while (0)

/* Call at the start of main(). */
static inline void tt_init(int argc, char **argv)
{
	(void)argc;
	if (argv && argv[0]) {
		const char *s = strrchr(argv[0], '/');
		tt_prog = s ? s + 1 : argv[0];
	}
	setvbuf(stdout, NULL, _IONBF, 0);
}

/* ---- watchdog: turns a hang caused by a tracer bug into a diagnosed failure ------------ */

static const char *volatile tt_watch_what = "?";

TT_FN void tt_watchdog_fired(int sig)
{
	(void)sig;
	char buf[256];
	int n = snprintf(buf, sizeof buf, "%s[%d]: FAIL: watchdog: still waiting for: %s\n",
			 tt_prog, (int)getpid(), tt_watch_what);
	if (n > 0) {
		ssize_t w = write(2, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
		(void)w;
	}
	_exit(TT_FAIL);
}

/* Arm (or re-arm) a SIGALRM watchdog for `seconds`; `what` names the step being waited for.
 * This is a hang guard, not synchronisation: a correct run never gets near it. */
static inline void tt_watchdog(unsigned seconds, const char *what)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tt_watchdog_fired;
	sigaction(SIGALRM, &sa, NULL);
	tt_watch_what = what;
	alarm(seconds);
}
static inline void tt_watch(const char *what) { tt_watch_what = what; }

/* ---- I/O ------------------------------------------------------------------------------ */

static inline void tt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			tt_fail("write(fd %d): %s", fd, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Read exactly len bytes (EINTR retried); fail on EOF or error. */
static inline void tt_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			tt_fail("read(fd %d): unexpected EOF", fd);
		if (n < 0)
			tt_fail("read(fd %d): %s", fd, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/* Read a small file (a /proc entry) into buf, NUL-terminated: the bytes read (0: empty) or
 * -1 (it cannot be opened or read). */
static inline ssize_t tt_read_text(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static inline void tt_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		tt_fail("pipe2: %s", strerror(errno));
}

/* Append one line to FILE in the working directory with a single O_APPEND write, so lines
 * written by several processes and threads never mix. */
__attribute__((format(printf, 2, 3))) TT_FN void tt_record(const char *file, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf - 1)
		tt_fail("tt_record: line too long");
	buf[n++] = '\n';
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		tt_fail("open %s: %s", file, strerror(errno));
	ssize_t w = write(fd, buf, (size_t)n);
	if (w != n)
		tt_fail("write %s: %s", file, w < 0 ? strerror(errno) : "short write");
	close(fd);
}

/* ---- processes ------------------------------------------------------------------------ */

/* Describe a wait status ("exited 3", "killed by SIGSEGV", "stopped by SIGSTOP"). */
static inline const char *tt_status_str(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by %s", sigabbrev_np(WTERMSIG(st)) ?: "?");
	else if (WIFSTOPPED(st))
		snprintf(buf, len, "stopped by %s", sigabbrev_np(WSTOPSIG(st)) ?: "?");
	else if (WIFCONTINUED(st))
		snprintf(buf, len, "continued");
	else
		snprintf(buf, len, "status 0x%x", st);
	return buf;
}

/* waitpid (EINTR retried) with extra `flags` (e.g. __WALL); returns the status. */
static inline int tt_wait(pid_t pid, int flags)
{
	int st;
	pid_t r;
	do
		r = waitpid(pid, &st, flags);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		tt_fail("waitpid(%d): %s", (int)pid, r < 0 ? strerror(errno) : "wrong pid");
	return st;
}

/* Wait for pid and fail unless it exited with `code`. */
static inline void tt_wait_exit(pid_t pid, int flags, int code, const char *what)
{
	char b[64];
	int st = tt_wait(pid, flags);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != code)
		tt_fail("%s (pid %d): want exited %d, got %s", what, (int)pid, code,
			tt_status_str(st, b, sizeof b));
}

/* fork() that fails the test on error. */
static inline pid_t tt_fork(void)
{
	pid_t p = fork();
	if (p < 0)
		tt_fail("fork: %s", strerror(errno));
	return p;
}

/* ---- /proc: is a thread of this process blocked in a given syscall? -------------------- */

/* Block (polling with sched_yield, under the caller's watchdog) until thread `tid` of this
 * process sleeps ('S') inside syscall number `nr`.  A task stopped by the tracer is 't', so
 * this really waits for the kernel to be blocked in the call. */
static inline void tt_wait_blocked_in(pid_t tid, long nr)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	int sfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
	int cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (sfd < 0 || cfd < 0)
		tt_fail("open /proc/self/task/%d/{stat,syscall}: %s", (int)tid, strerror(errno));
	for (;;) {
		ssize_t n = pread(sfd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			tt_fail("read %s: %s", "stat", n < 0 ? strerror(errno) : "empty");
		buf[n] = 0;
		char *rp = strrchr(buf, ')');
		char state = rp && rp[1] == ' ' ? rp[2] : '?';
		if (state == 'S') {
			n = pread(cfd, buf, sizeof buf - 1, 0);
			if (n <= 0)
				tt_fail("read %s: %s", "syscall", n < 0 ? strerror(errno) : "empty");
			buf[n] = 0;
			if (strtol(buf, NULL, 10) == nr && buf[0] != '-' && buf[0] != 'r')
				break;
		}
		sched_yield();
	}
	close(sfd);
	close(cfd);
}

#endif
