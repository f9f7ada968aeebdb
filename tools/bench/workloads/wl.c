/*
 * wl: the loop workloads of `make bench`.  Each times its own loop (CLOCK_MONOTONIC), so the
 * program's start-up and the supervisor's launch are not counted, and prints nanoseconds.
 *
 *   wl open N PATH        N x (open(PATH, O_RDONLY) + close): one trapped call per iteration
 *   wl stat N PATH        N x stat(PATH): one trapped call (newfstatat) per iteration
 *   wl getpid N           N x getpid(): never trapped, pays only the seccomp filter
 *   wl forkexec N PROG    N x (fork, execv(PROG), wait)
 *
 * A short warm-up runs before the clock starts.  Exit status 1 if a call fails.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_close(long n, const char *path)
{
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

static int stat_path(long n, const char *path)
{
	struct stat st;

	for (long i = 0; i < n; i++)
		if (stat(path, &st) < 0)
			return -1;
	return 0;
}

static int get_pid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid); /* the raw call: no libc caching */
	return 0;
}

static int fork_exec(long n, const char *prog)
{
	for (long i = 0; i < n; i++) {
		int st;
		pid_t p = fork();
		if (p < 0)
			return -1;
		if (p == 0) {
			execl(prog, prog, (char *)NULL);
			_exit(127);
		}
		if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0;
	long long t0;
	int r;

	if (argc < 3 || n <= 0)
		goto usage;
	if (strcmp(argv[1], "open") == 0 && argc == 4) {
		open_close(n / 10 + 1, argv[3]);
		t0 = now_ns();
		r = open_close(n, argv[3]);
	} else if (strcmp(argv[1], "stat") == 0 && argc == 4) {
		stat_path(n / 10 + 1, argv[3]);
		t0 = now_ns();
		r = stat_path(n, argv[3]);
	} else if (strcmp(argv[1], "getpid") == 0 && argc == 3) {
		get_pid(n / 10 + 1);
		t0 = now_ns();
		r = get_pid(n);
	} else if (strcmp(argv[1], "forkexec") == 0 && argc == 4) {
		fork_exec(2, argv[3]);
		t0 = now_ns();
		r = fork_exec(n, argv[3]);
	} else {
		goto usage;
	}
	if (r < 0) {
		perror("wl");
		return 1;
	}
	printf("%lld\n", now_ns() - t0);
	return 0;
usage:
	fprintf(stderr, "usage: wl open|stat N PATH | wl getpid N | wl forkexec N PROG\n");
	return 2;
}
