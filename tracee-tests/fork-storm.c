/*
 * fork-storm: many short-lived tasks created concurrently, so that the tracer sees new tasks
 * stop before their parent's fork/clone event, children exit while their creation is still
 * being reported, and threads create threads.
 *
 *   main ── 4 threads; each forks 25 children one after another (each exits at once, the
 *           odd ones after starting a thread of their own) and starts 1 thread that starts
 *           another (a thread created by a thread)
 *
 * NPROC processes and NTHREAD threads (below).  pids.txt is written as for `tree` and
 * checked by checks/tree.py.
 */
#include "tt.h"

#include <pthread.h>

#define PIDS "pids.txt"
#define WORKERS 4
#define CHILDREN 25 /* per worker */
/* processes: WORKERS*CHILDREN; threads: WORKERS + 2*WORKERS (nested) + WORKERS*CHILDREN/2
 * (one in each odd child; CHILDREN is odd, so 12 of each worker's 25) */
#define NPROC (WORKERS * CHILDREN)
#define NTHREAD (WORKERS + 2 * WORKERS + WORKERS * (CHILDREN / 2))

static void *leaf(void *arg)
{
	(void)arg;
	tt_record(PIDS, "thread %d %d", getpid(), tt_gettid());
	return NULL;
}

static void *nester(void *arg)
{
	(void)arg;
	tt_record(PIDS, "thread %d %d", getpid(), tt_gettid());
	pthread_t t;
	if (pthread_create(&t, NULL, leaf, NULL))
		tt_fail("pthread_create (nested)");
	pthread_join(t, NULL);
	return NULL;
}

static void *worker(void *arg)
{
	(void)arg;
	tt_record(PIDS, "thread %d %d", getpid(), tt_gettid());
	pthread_t n;
	if (pthread_create(&n, NULL, nester, NULL))
		tt_fail("pthread_create (nester)");
	for (int i = 0; i < CHILDREN; i++) {
		pid_t c = tt_fork();
		if (c == 0) {
			if (i % 2) {
				pthread_t t;
				if (pthread_create(&t, NULL, leaf, NULL))
					_exit(2);
				pthread_join(t, NULL);
			}
			_exit(i % 2 ? 31 : 30);
		}
		tt_record(PIDS, "process %d %d", getpid(), c);
		tt_wait_exit(c, 0, i % 2 ? 31 : 30, "storm child");
	}
	pthread_join(n, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(40, "the fork storm");
	tt_record(PIDS, "self %d", getpid());
	tt_record(PIDS, "expect %d %d", NPROC, NTHREAD);
	pthread_t w[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		if (pthread_create(&w[i], NULL, worker, NULL))
			tt_fail("pthread_create (worker)");
	for (int i = 0; i < WORKERS; i++)
		pthread_join(w[i], NULL);
	return TT_PASS;
}
