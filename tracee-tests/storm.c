/* storm: the supervisor under load.  `threads N`: N threads alive at once, each doing a
 * judged call; `procs N`: N short-lived processes, at most 64 alive at a time; `signals`:
 * every catchable signal sent to itself and to a thread, each handled exactly once.  The
 * result record is checked by checks/storm.py (processes counted, verdict ok). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tt.h"

static pthread_barrier_t all_up;
static volatile sig_atomic_t seen[_NSIG];

static void *thread_body(void *arg)
{
	struct stat st;
	(void)arg;
	pthread_barrier_wait(&all_up); /* every thread alive at the same time */
	if (stat("/etc/hostname", &st) < 0)
		return (void *)1;
	return NULL;
}

static int threads(int n)
{
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	pthread_attr_t a;
	int bad = 0;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	pthread_barrier_init(&all_up, NULL, (unsigned)n);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], &a, thread_body, NULL) != 0)
			tt_fail("pthread_create %d: %s", i, strerror(errno));
	for (int i = 0; i < n; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += r != NULL;
	}
	if (bad)
		tt_fail("%d threads failed their stat", bad);
	return TT_PASS;
}

static int procs(int n)
{
	int alive = 0;

	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			tt_fail("fork %d: %s", i, strerror(errno));
		if (p == 0)
			_exit(i % 7);
		if (++alive == 64) {
			int st;
			if (wait(&st) < 0)
				tt_fail("wait: %s", strerror(errno));
			alive--;
		}
	}
	while (alive--) {
		int st;
		if (wait(&st) < 0)
			tt_fail("wait: %s", strerror(errno));
	}
	return TT_PASS;
}

static void on_sig(int sig)
{
	seen[sig]++;
}

static void *sig_thread(void *arg)
{
	sigset_t all;
	(void)arg;
	sigemptyset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	return NULL;
}

static int signals(void)
{
	struct sigaction sa;
	pthread_t th;
	int n = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	for (int s = 1; s < _NSIG; s++) {
		if (s == SIGKILL || s == SIGSTOP || (s >= 32 && s < SIGRTMIN))
			continue;
		if (sigaction(s, &sa, NULL) < 0)
			continue;
		if (raise(s) != 0)
			tt_fail("raise(%d): %s", s, strerror(errno));
		if (seen[s] != 1)
			tt_fail("signal %d handled %d times, want 1", s, (int)seen[s]);
		n++;
	}
	if (pthread_create(&th, NULL, sig_thread, NULL) != 0)
		tt_fail("pthread_create");
	pthread_join(th, NULL);
	if (n < 50)
		tt_fail("only %d signals could be tried", n);
	printf("handled %d signals\n", n);
	return TT_PASS;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "threads") == 0)
		return threads(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "procs") == 0)
		return procs(atoi(argv[2]));
	if (argc >= 2 && strcmp(argv[1], "signals") == 0)
		return signals();
	tt_fail("usage: storm threads N | procs N | signals");
}
