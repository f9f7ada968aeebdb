/*
 * exec-fail: execve calls that fail must leave the process as it was, and the tracer too:
 * a tracer that commits to "this task is exec'ing" at the execve entry stop gets confused
 * when no PTRACE_EVENT_EXEC follows.
 *
 * Stage 1 tries execve of a missing file (ENOENT), a directory (EACCES), an executable
 * file that is no program (ENOEXEC), and a missing file from a second thread; after each
 * it checks that syscalls still work (open/write/read back, pipe round trip, getpid).
 * Then it execs itself with --after (stage 2, which exits 0).
 * checks/exec_fail.py: the failed execve calls are logged as syscalls; `exec` events exist
 * only for the successful exec (and the start of the program); the marker files exec-ok-N
 * are each opened once.
 */
#include "tt.h"

#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>

extern char **environ;
static int step;

static void still_works(void)
{
	char name[32], buf[16] = {0};
	snprintf(name, sizeof name, "exec-ok-%d", step++);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, name, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC,
			      0600);
	TT_CHECK(fd >= 0, "%s: openat: %s", name, strerror(errno));
	tt_write_all(fd, name, strlen(name));
	TT_CHECK(pread(fd, buf, sizeof buf - 1, 0) == (ssize_t)strlen(name), "%s: pread", name);
	TT_CHECK(strcmp(buf, name) == 0, "%s: read back %s", name, buf);
	close(fd);
	int p[2];
	tt_pipe(p);
	tt_write_all(p[1], "ok", 2);
	tt_read_all(p[0], buf, 2);
	TT_CHECK(memcmp(buf, "ok", 2) == 0, "%s: pipe", name);
	close(p[0]);
	close(p[1]);
}

static void expect_exec_fails(const char *path, int want)
{
	char *argv[] = {(char *)path, NULL};
	errno = 0;
	int r = execve(path, argv, environ);
	TT_EXPECT_ERRNO(r, errno, want, path);
	still_works();
}

static void *thread_exec(void *arg)
{
	(void)arg;
	expect_exec_fails("/nonexistent-exec-fail-thread", ENOENT);
	return NULL;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc == 2 && strcmp(argv[1], "--after") == 0)
		return TT_PASS;
	tt_watchdog(30, "the failing execs");

	expect_exec_fails("/nonexistent-exec-fail", ENOENT);
	expect_exec_fails("/", EACCES);
	int fd = open("not-a-program", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0755);
	TT_CHECK(fd >= 0, "create not-a-program: %s", strerror(errno));
	tt_write_all(fd, "\x7f" "ELF garbage", 12);
	close(fd);
	char path[PATH_MAX];
	TT_CHECK(getcwd(path, sizeof path - 20) != NULL, "getcwd");
	strcat(path, "/not-a-program");
	expect_exec_fails(path, ENOEXEC);

	pthread_t t;
	if (pthread_create(&t, NULL, thread_exec, NULL))
		tt_fail("pthread_create");
	pthread_join(t, NULL);

	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	TT_CHECK(n > 0 && n < (ssize_t)sizeof exe - 1, "readlink");
	exe[n] = 0;
	char *xargv[] = {"exec-fail", "--after", NULL};
	execve(exe, xargv, environ);
	tt_fail("execve %s: %s", exe, strerror(errno));
}
