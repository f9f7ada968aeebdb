/*
 * sig-eintr: a read() blocked on an empty pipe and interrupted by a signal.  Without
 * SA_RESTART it must fail with EINTR; with SA_RESTART it must be restarted and return the
 * data written afterwards.  A tracer that mishandles -ERESTARTSYS at syscall exit (or
 * restarts a call the program asked not to restart) changes what the program sees.
 *
 * The main thread reads; a helper thread waits until the main thread really sleeps in
 * read (polling /proc/self/task/TID/{stat,syscall}: 'S' in syscall 0, not stopped by the
 * tracer), sends SIGUSR1 with tgkill, and, for the SA_RESTART case, waits for the handler
 * (which writes to a pipe), waits until the main thread is blocked in read again, and only
 * then writes the data.
 */
#include "tt.h"

#include <pthread.h>

static int data_pipe[2], handled_pipe[2];
static pid_t main_tid;
static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	int e = errno;
	handled++;
	ssize_t w = write(handled_pipe[1], "h", 1);
	(void)w;
	errno = e;
}

static void *helper(void *arg)
{
	int restart = (int)(long)arg;
	tt_wait_blocked_in(main_tid, SYS_read);
	TT_CHECK(syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1) == 0, "tgkill: %s",
		 strerror(errno));
	if (restart) {
		char c;
		tt_read_all(handled_pipe[0], &c, 1);
		tt_wait_blocked_in(main_tid, SYS_read); /* the restarted read */
		tt_write_all(data_pipe[1], "data", 4);
	}
	return NULL;
}

static void one_case(int restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	TT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	handled = 0;

	pthread_t h;
	if (pthread_create(&h, NULL, helper, (void *)(long)restart))
		tt_fail("pthread_create");
	char buf[8] = {0};
	tt_watch(restart ? "read with SA_RESTART" : "read without SA_RESTART");
	ssize_t n = read(data_pipe[0], buf, 4);
	int err = errno;
	if (restart) {
		TT_CHECK(n == 4 && memcmp(buf, "data", 4) == 0,
			 "SA_RESTART: read returned %zd (%s), want 4 bytes \"data\"", n,
			 n < 0 ? strerrorname_np(err) : buf);
	} else {
		TT_EXPECT_ERRNO(n, err, EINTR, "read interrupted without SA_RESTART");
		char c;
		tt_read_all(handled_pipe[0], &c, 1);
	}
	TT_CHECK(handled == 1, "handler ran %d times", (int)handled);
	pthread_join(h, NULL);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "start");
	tt_pipe(data_pipe);
	tt_pipe(handled_pipe);
	main_tid = tt_gettid();
	one_case(0);
	one_case(1);
	one_case(0);
	return TT_PASS;
}
