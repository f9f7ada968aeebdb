/*
 * tree: a process tree built every way a program can build one, so that the tracer must
 * follow each new task.
 *
 *   main ─┬─ fork A ─┬─ 2 pthreads, thread 0 forks F'
 *         │          └─ fork G ── fork GG          (grandchild, great-grandchild)
 *         ├─ vfork V1 (_exit 7 at once)
 *         ├─ vfork V2 → execve(self, "--exec-child") (exits 5)
 *         ├─ raw clone(SIGCHLD) C1                   (no CLONE_VM, fork-like)
 *         ├─ raw clone(exit signal 0) C2             (a "clone" child, waited with __WALL)
 *         └─ 4 pthreads, thread 0 forks F
 *
 * 9 processes and 6 threads in all.  pids.txt records them for checks/tree.py, which
 * matches them against the `spawn` events of the trail and `processes` of the result
 * record: "self PID" (main), "expect 9 6" (the totals), "exec-child" (one child execs
 * itself), then one "process PARENT_PID CHILD_PID" or "thread PID TID" per task created.
 * The program itself checks that each child ran and exited as it should.
 */
#include "tt.h"

#include <pthread.h>

#define PIDS "pids.txt"

static void record_child(pid_t child) { tt_record(PIDS, "process %d %d", getpid(), child); }

static void *thread_main(void *arg)
{
	long idx = (long)arg;
	tt_record(PIDS, "thread %d %d", getpid(), tt_gettid());
	TT_CHECK(tt_gettid() != getpid(), "thread %ld has the leader's tid", idx);
	if (idx == 0) {
		/* fork from a thread that is not the leader */
		pid_t f = tt_fork();
		if (f == 0)
			_exit(11);
		record_child(f);
		tt_wait_exit(f, 0, 11, "child forked by a thread");
	}
	return (void *)(idx + 100);
}

static void start_threads(pthread_t *t, int n)
{
	for (long i = 0; i < n; i++) {
		int e = pthread_create(&t[i], NULL, thread_main, (void *)i);
		if (e)
			tt_fail("pthread_create: %s", strerror(e));
	}
}

static void join_threads(pthread_t *t, int n)
{
	for (long i = 0; i < n; i++) {
		void *r;
		int e = pthread_join(t[i], &r);
		if (e)
			tt_fail("pthread_join: %s", strerror(e));
		TT_CHECK(r == (void *)(i + 100), "thread %ld returned %p", i, r);
	}
}

static void child_a(void)
{
	pthread_t t[2];
	start_threads(t, 2);
	pid_t g = tt_fork();
	if (g == 0) {
		pid_t gg = tt_fork();
		if (gg == 0)
			_exit(13);
		record_child(gg);
		tt_wait_exit(gg, 0, 13, "great-grandchild");
		_exit(12);
	}
	record_child(g);
	tt_wait_exit(g, 0, 12, "grandchild");
	join_threads(t, 2);
	_exit(10);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc > 1 && strcmp(argv[1], "--exec-child") == 0)
		return 5;
	tt_watchdog(30, "the process tree to finish");
	tt_record(PIDS, "self %d", getpid());
	tt_record(PIDS, "expect 9 6");
	tt_record(PIDS, "exec-child");

	pid_t a = tt_fork();
	if (a == 0)
		child_a();
	record_child(a);
	tt_wait_exit(a, 0, 10, "child A");

	pid_t v1 = vfork();
	if (v1 == 0)
		_exit(7);
	TT_CHECK(v1 > 0, "vfork: %s", strerror(errno));
	record_child(v1);
	tt_wait_exit(v1, 0, 7, "vfork child");

	char *xargv[] = {argv[0], "--exec-child", NULL};
	pid_t v2 = vfork();
	if (v2 == 0) {
		execv("/proc/self/exe", xargv);
		_exit(99);
	}
	TT_CHECK(v2 > 0, "vfork: %s", strerror(errno));
	record_child(v2);
	tt_wait_exit(v2, 0, 5, "vfork+exec child");

	/* raw clone without CLONE_VM: the child runs on a copy of the stack, like fork, but
	 * glibc's fork machinery is bypassed; the child makes raw calls only. */
	long c1 = syscall(SYS_clone, (long)SIGCHLD, 0L, NULL, NULL, 0L);
	if (c1 == 0)
		syscall(SYS_exit_group, 8);
	TT_CHECK(c1 > 0, "clone(SIGCHLD): %s", strerror(errno));
	record_child((pid_t)c1);
	tt_wait_exit((pid_t)c1, 0, 8, "raw clone child");

	long c2 = syscall(SYS_clone, 0L, 0L, NULL, NULL, 0L);
	if (c2 == 0)
		syscall(SYS_exit_group, 9);
	TT_CHECK(c2 > 0, "clone(0): %s", strerror(errno));
	record_child((pid_t)c2);
	tt_wait_exit((pid_t)c2, __WALL, 9, "raw clone child without exit signal");

	pthread_t t[4];
	start_threads(t, 4);
	join_threads(t, 4);
	return TT_PASS;
}
