/*
 * leader-exit: the thread-group leader ends with pthread_exit while other threads go on
 * (it stays a zombie until the group is empty, and waitpid does not report it before);
 * then a non-leader thread ends the process with exit(7) while another thread is blocked
 * in read.  A tracer that takes the leader's exit for the process's, or waits for the
 * wrong task, hangs or reports the wrong status.
 *
 * Exit status 7 means every check passed (the row expects 7 and verdict nonzero-exit,
 * exit_code 7); 1 is a failure.  The last thread checks, before exiting, that the leader
 * is a zombie and that syscalls still work (open/write/read back a file).
 */
#include "tt.h"

#include <pthread.h>

static pid_t leader;
static int block_pipe[2];

static char task_state(pid_t tid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* gone */
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp[2] : '?';
}

static void *blocked(void *arg)
{
	(void)arg;
	char c;
	ssize_t n = read(block_pipe[0], &c, 1); /* never returns */
	tt_fail("blocked thread: read returned %zd", n);
}

static void *last(void *arg)
{
	(void)arg;
	tt_watch("the leader to become a zombie");
	while (task_state(leader) != 'Z')
		sched_yield();
	TT_CHECK(getpid() == leader, "getpid %d != leader %d", getpid(), (int)leader);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "leader-exit-marker",
			      O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
	TT_CHECK(fd >= 0, "openat: %s", strerror(errno));
	tt_write_all(fd, "zombie", 6);
	char buf[8] = {0};
	TT_CHECK(pread(fd, buf, 6, 0) == 6 && memcmp(buf, "zombie", 6) == 0, "read back");
	close(fd);
	exit(7);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "start");
	leader = getpid();
	tt_pipe(block_pipe);
	pthread_t t;
	if (pthread_create(&t, NULL, blocked, NULL) || pthread_create(&t, NULL, last, NULL))
		tt_fail("pthread_create");
	pthread_exit(NULL);
}
