/*
 * mt-exec: a thread that is not the leader calls execve (THREATS B, "multithreaded execve").
 *
 * The kernel kills the other threads and gives the exec'ing thread the leader's pid; a
 * tracer that keeps per-task state keyed by tid must rebuild it at PTRACE_EVENT_EXEC, or it
 * attributes the new image to the wrong task, or confuses syscall entry and exit (the leader
 * was blocked in a call when it vanished).
 *
 * Stage 1: the leader starts two idle threads (blocked in read) and one exec'ing thread,
 *          then blocks in pthread_join.  The exec'ing thread records the paths and pids in
 *          mt-exec.txt and calls execve(self, "--after", LEADER, OLD_TID).
 * Stage 2 (--after): checks getpid() == LEADER == gettid(), that it is the only thread, and
 *          that syscalls still work (open/write/read back a marker file "mt-exec-marker");
 *          checks/mt_exec.py then looks for the exec event of the leader and the marker
 *          openat attributed to the leader.
 */
#include "tt.h"

#include <dirent.h>
#include <limits.h>
#include <pthread.h>

static char self_exe[PATH_MAX];
static pid_t leader;
static int block_pipe[2];

static void *idle_thread(void *arg)
{
	char c;
	(void)arg;
	ssize_t n = read(block_pipe[0], &c, 1); /* never returns: nobody writes */
	tt_fail("idle thread: read returned %zd", n);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	char lbuf[32], tbuf[32];
	pid_t me = tt_gettid();
	TT_CHECK(me != leader, "exec thread has the leader's tid");
	snprintf(lbuf, sizeof lbuf, "%d", (int)leader);
	snprintf(tbuf, sizeof tbuf, "%d", (int)me);
	tt_record("mt-exec.txt", "exe %s", self_exe);
	tt_record("mt-exec.txt", "leader %d", (int)leader);
	tt_record("mt-exec.txt", "thread %d", (int)me);
	char *argv[] = {"mt-exec", "--after", lbuf, tbuf, NULL};
	extern char **environ;
	execve(self_exe, argv, environ);
	tt_fail("execve %s from a thread: %s", self_exe, strerror(errno));
}

static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		tt_fail("opendir /proc/self/task: %s", strerror(errno));
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int after(char **argv)
{
	pid_t want = (pid_t)atoi(argv[2]);
	pid_t old_tid = (pid_t)atoi(argv[3]);
	TT_CHECK(getpid() == want, "after exec: getpid %d, want the old leader %d", getpid(),
		 want);
	TT_CHECK(tt_gettid() == want, "after exec: gettid %d, want %d", tt_gettid(), want);
	TT_CHECK(old_tid != want, "old tid equals leader");
	TT_CHECK(count_threads() == 1, "after exec: %d threads, want 1", count_threads());

	/* syscalls must still behave: entry/exit confusion would corrupt these */
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "mt-exec-marker",
			      O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
	TT_CHECK(fd >= 0, "openat marker: %s", strerror(errno));
	tt_write_all(fd, "after-exec", 10);
	char buf[16] = {0};
	TT_CHECK(pread(fd, buf, sizeof buf, 0) == 10, "pread marker");
	TT_CHECK(memcmp(buf, "after-exec", 10) == 0, "marker content %.10s", buf);
	close(fd);
	int p[2];
	tt_pipe(p);
	tt_write_all(p[1], "xyz", 3);
	tt_read_all(p[0], buf, 3);
	TT_CHECK(memcmp(buf, "xyz", 3) == 0, "pipe round trip after exec");
	TT_CHECK(getppid() > 0, "getppid");
	return TT_PASS;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc == 4 && strcmp(argv[1], "--after") == 0)
		return after(argv);

	tt_watchdog(30, "the exec from a thread");
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
	TT_CHECK(n > 0 && n < (ssize_t)sizeof self_exe - 1, "readlink /proc/self/exe");
	self_exe[n] = 0;
	leader = getpid();
	tt_pipe(block_pipe);

	pthread_t t[3];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, idle_thread, NULL))
			tt_fail("pthread_create");
	if (pthread_create(&t[2], NULL, exec_thread, NULL))
		tt_fail("pthread_create");
	pthread_join(t[2], NULL); /* never returns: the exec replaces the process */
	tt_fail("pthread_join returned: the exec did not happen");
}
