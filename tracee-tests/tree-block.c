/*
 * tree-block: a tree that never ends by itself, for checks/kill_tracer.py, which runs it
 * under sysward, SIGKILLs sysward and expects every process of the tree to be gone
 * (THREATS B "tracer gone", G "escaping teardown by double fork and setsid").
 *
 *   main ─┬─ C1: ignores SIGTERM/SIGHUP/SIGINT, blocks in pause()
 *         ├─ C2: two threads, all blocked (pause, read)
 *         ├─ C3: spins in user space, never entering the kernel
 *         └─ G (setsid) ── D: double fork: G exits, D is in a new session, reparented
 *
 * Each process reports its pid through a pipe once it is set up; main then prints one
 * "pid N" line per process (itself included) and "ready" to stdout, and blocks forever.
 * Run natively it never ends: that is the point.
 */
#include "tt.h"

#include <pthread.h>

static int report[2];

static void say_ready(void)
{
	int me = getpid();
	tt_write_all(report[1], &me, sizeof me);
}

static void ignore_polite_signals(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

static void *blocked_thread(void *arg)
{
	int fd = *(int *)arg;
	char c;
	for (;;)
		if (read(fd, &c, 1) == 0)
			pause();
	return NULL;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (pipe(report) != 0)
		tt_fail("pipe: %s", strerror(errno));
	ignore_polite_signals();

	if (tt_fork() == 0) { /* C1 */
		say_ready();
		for (;;)
			pause();
	}
	if (tt_fork() == 0) { /* C2 */
		int p[2];
		if (pipe(p) != 0)
			_exit(1);
		pthread_t t;
		if (pthread_create(&t, NULL, blocked_thread, &p[0]))
			_exit(1);
		say_ready();
		for (;;)
			pause();
	}
	if (tt_fork() == 0) { /* C3 */
		say_ready();
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	pid_t g = tt_fork();
	if (g == 0) { /* G, then D */
		if (setsid() < 0)
			_exit(1);
		if (tt_fork() == 0) {
			say_ready();
			for (;;)
				pause();
		}
		_exit(0);
	}
	tt_wait_exit(g, 0, 0, "the setsid middle child");

	printf("pid %d\n", (int)getpid());
	for (int i = 0; i < 4; i++) {
		int pid;
		tt_read_all(report[0], &pid, sizeof pid);
		printf("pid %d\n", pid);
	}
	printf("ready\n");
	for (;;)
		pause();
}
