/*
 * one-stop: which calls run as the program made them, with one stop (docs/DESIGN.md), as
 * `--stats` counts them in the result record (stats.one_stop_calls).
 *
 * usage: one-stop alone|thread|writable N
 *   alone     N stat()s of /etc/hostname (the name in a stack buffer) and N fstat()s:
 *             nothing can change what was judged, so every one of them may take one stop
 *   thread    the same after starting a thread (it waits on a pipe): the address space is
 *             shared, so none of them may
 *   writable  N stat()s of a file in the working directory, which the default profile lets
 *             the program write: none of them may
 * Prints "one-stop: at-least K" or "one-stop: at-most K" for checks/one_stop.py, which
 * compares it with the result record.  Every call must succeed.
 */
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "tt.h"

static int gate[2];

static void *waiter(void *arg)
{
	char c;
	(void)arg;
	tt_read_all(gate[0], &c, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	char name[64];
	struct stat st;
	pthread_t th;
	long n;
	int fd;
	bool thread, writable;

	tt_init(argc, argv);
	if (argc != 3 || (n = atol(argv[2])) <= 0)
		tt_fail("usage: one-stop alone|thread|writable N");
	thread = strcmp(argv[1], "thread") == 0;
	writable = strcmp(argv[1], "writable") == 0;
	if (!thread && !writable && strcmp(argv[1], "alone") != 0)
		tt_fail("unknown mode %s", argv[1]);
	if (writable) {
		fd = open("plain.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		TT_CHECK(fd >= 0, "create plain.txt: %s", strerror(errno));
		close(fd);
		snprintf(name, sizeof name, "plain.txt");
	} else {
		snprintf(name, sizeof name, "/etc/hostname");
	}
	if (thread) {
		tt_pipe(gate);
		TT_CHECK(pthread_create(&th, NULL, waiter, NULL) == 0, "pthread_create failed");
	}
	fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	TT_CHECK(fd >= 0, "open /etc/hostname: %s", strerror(errno));
	for (long i = 0; i < n; i++) {
		TT_CHECK(stat(name, &st) == 0, "stat %s: %s", name, strerror(errno));
		if (!writable)
			TT_CHECK(fstat(fd, &st) == 0, "fstat: %s", strerror(errno));
	}
	close(fd);
	if (thread) {
		tt_write_all(gate[1], "x", 1);
		pthread_join(th, NULL);
	}
	/* the calls of start-up (the loader's, a few) may go either way */
	if (thread || writable)
		printf("one-stop: at-most %ld\n", n / 2);
	else
		printf("one-stop: at-least %ld\n", 2 * n);
	return TT_PASS;
}
