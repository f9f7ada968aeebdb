/*
 * serve-job MODE [ARG]: the workloads of the `sysward serve` driver checks
 * (checks/serve_*.py), one small program with a mode per behaviour a run can have:
 *
 *   mem MIB      touch MIB MiB (1 MiB at a time) and exit 0: a memory limit below kills it
 *   spin         use CPU until killed (a CPU time limit ends it)
 *   block        wait forever in pause() (a wall time limit, or the checks, end it)
 *   fork N       start N children that wait; exit 1 when a fork fails (a pids limit)
 *   write BYTES  write BYTES bytes to ./out.bin and exit 0 (a file size limit kills it)
 *   cat          copy stdin to stdout until end of file, then exit 0
 *   env NAME     print the value of NAME (or "(unset)")
 *   pwd          print the working directory
 *   exit N       exit with status N
 *   uname        call uname(2) and print "uname ok" or "uname errno N" (exit 0 either way)
 *
 * Run natively: `spin` and `block` never end (that is the point).
 */
#include "tt.h"

#include <limits.h>
#include <sys/mman.h>
#include <sys/utsname.h>

static long arg_long(const char *s)
{
	char *end;
	long v = strtol(s ? s : "", &end, 10);

	if (!s || !*s || *end || v < 0)
		tt_fail("bad number '%s'", s ? s : "");
	return v;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : NULL;

	tt_init(argc, argv);
	if (!strcmp(mode, "mem")) {
		long mib = arg_long(arg);
		for (long i = 0; i < mib; i++) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				tt_fail("mmap: %s", strerror(errno));
			for (size_t off = 0; off < (1 << 20); off += 4096)
				p[off] = 1;
		}
		return 0;
	}
	if (!strcmp(mode, "spin")) {
		volatile unsigned long x = 0;
		for (;;)
			x++;
	}
	if (!strcmp(mode, "block")) {
		for (;;)
			pause();
	}
	if (!strcmp(mode, "fork")) {
		long n = arg_long(arg);
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid < 0)
				tt_fail("fork %ld: %s", i, strerror(errno));
			if (pid == 0)
				for (;;)
					pause();
		}
		return 0;
	}
	if (!strcmp(mode, "write")) {
		long n = arg_long(arg);
		char buf[4096];
		int fd = open("out.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			tt_fail("out.bin: %s", strerror(errno));
		memset(buf, 'x', sizeof(buf));
		while (n > 0) {
			ssize_t w = write(fd, buf, n < (long)sizeof(buf) ? (size_t)n : sizeof(buf));
			if (w <= 0)
				tt_fail("write: %s", strerror(errno));
			n -= w;
		}
		return 0;
	}
	if (!strcmp(mode, "cat")) {
		char buf[4096];
		ssize_t n;
		while ((n = read(0, buf, sizeof(buf))) > 0)
			tt_write_all(1, buf, (size_t)n);
		return n < 0 ? TT_FAIL : 0;
	}
	if (!strcmp(mode, "env")) {
		const char *v = arg ? getenv(arg) : NULL;
		printf("%s\n", v ? v : "(unset)");
		return 0;
	}
	if (!strcmp(mode, "pwd")) {
		char buf[PATH_MAX];
		if (!getcwd(buf, sizeof(buf)))
			tt_fail("getcwd: %s", strerror(errno));
		printf("%s\n", buf);
		return 0;
	}
	if (!strcmp(mode, "exit"))
		return (int)arg_long(arg);
	if (!strcmp(mode, "uname")) {
		struct utsname u;
		if (uname(&u) == 0)
			printf("uname ok\n");
		else
			printf("uname errno %d\n", errno);
		return 0;
	}
	tt_fail("unknown mode '%s'", mode);
}
