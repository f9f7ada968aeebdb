/*
 * sig-threads: SIGUSR1 sent between threads with pthread_kill (tgkill) must run the handler
 * in the target thread, once, with the sender in si_pid and SI_TKILL in si_code.  A tracer
 * that re-injects a signal on the wrong tid, drops it, or delivers it twice fails this.
 *
 * ROUNDS ping-pongs: main -> worker, then worker -> main.  The handler writes the tid it runs
 * in to a pipe; the sender reads it back.  The receiving thread is often blocked in a
 * syscall (read on a pipe, restarted: SA_RESTART), so the signal also lands mid-call.
 */
#include "tt.h"

#include <pthread.h>

#define ROUNDS 50

static int tid_pipe[2];          /* handler -> whoever waits for it */
static int go_pipe[2];           /* main -> worker: "your turn" */
static int done_pipe[2];         /* worker -> main: "round done" */
static volatile pid_t main_tid;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	int e = errno;
	int msg[2] = {(int)syscall(SYS_gettid), si->si_code == SI_TKILL ? si->si_pid : -1};
	ssize_t w = write(tid_pipe[1], msg, sizeof msg);
	(void)w;
	errno = e;
}

static void expect_handler(pid_t tid, const char *who, int round)
{
	int msg[2];
	tt_read_all(tid_pipe[0], msg, sizeof msg);
	if (msg[0] != tid)
		tt_fail("round %d: SIGUSR1 for %s (tid %d) handled in tid %d", round, who, (int)tid,
			msg[0]);
	if (msg[1] != getpid())
		tt_fail("round %d: SIGUSR1 for %s: si_code not SI_TKILL or si_pid %d != %d", round,
			who, msg[1], (int)getpid());
}

/* arg: the main thread's pthread_t */
static void *worker(void *arg)
{
	for (int i = 0; i < ROUNDS; i++) {
		char c;
		tt_read_all(go_pipe[0], &c, 1); /* main signals us around here */
		expect_handler(tt_gettid(), "worker", i);
		int e = pthread_kill(*(pthread_t *)arg, SIGUSR1);
		if (e)
			tt_fail("pthread_kill main: %s", strerror(e));
		expect_handler(main_tid, "main", i);
		tt_write_all(done_pipe[1], "d", 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "the SIGUSR1 ping-pong");
	tt_pipe(tid_pipe);
	tt_pipe(go_pipe);
	tt_pipe(done_pipe);
	main_tid = tt_gettid();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	TT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");

	static pthread_t main_thread;
	main_thread = pthread_self();
	pthread_t w;
	if (pthread_create(&w, NULL, worker, &main_thread))
		tt_fail("pthread_create");
	for (int i = 0; i < ROUNDS; i++) {
		int e = pthread_kill(w, SIGUSR1);
		if (e)
			tt_fail("pthread_kill worker: %s", strerror(e));
		tt_write_all(go_pipe[1], "g", 1);
		char c;
		tt_read_all(done_pipe[0], &c, 1); /* the worker signals us around here */
	}
	pthread_join(w, NULL);
	return TT_PASS;
}
