/*
 * lim-cpu SECS: two threads and a child process each burn SECS seconds of their own CPU
 * (CLOCK_THREAD_CPUTIME_ID; `inf` = forever), so the tree uses 3*SECS in all, spread over
 * processes and threads: --cpu-time must count all of them together (per-process
 * RLIMIT_CPU would not).  The main thread only waits.
 *
 * stdout: `cgroup ...` lines; at the end `cpu S user U` (own account, getrusage SELF +
 * CHILDREN, after the child was waited for) and `done`.
 */
#include "lim.h"

#include <pthread.h>

static double secs;

static void *burner(void *arg)
{
	(void)arg;
	lim_burn(secs);
	return NULL;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc < 2)
		tt_fail("usage: lim-cpu SECS|inf [TOKEN]");
	secs = lim_secs(argv[1]);
	lim_report_cgroups();

	pid_t child = tt_fork();
	if (child == 0) {
		lim_burn(secs);
		_exit(0);
	}
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		if ((errno = pthread_create(&th[i], NULL, burner, NULL)))
			tt_fail("pthread_create: %s", strerror(errno));
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	tt_wait_exit(child, 0, 0, "burning child");
	lim_report_cpu();
	lim_say("done");
	return 0;
}
