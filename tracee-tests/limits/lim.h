/*
 * lim.h: helpers shared by the limit tests (the programs in tracee-tests/limits), on top of tt.h.
 *
 * The limit tests are workloads whose verdict sysward decides (memory-limit, cpu-time-limit,
 * ...), so they mostly do NOT judge themselves: they do their work and leave evidence on
 * stdout, one line per fact, which the check scripts (tracee-tests/checks/limits_*.py) read:
 *
 *   cgroup LINE      each line of /proc/self/cgroup at start (which groups the program was
 *                    exec'd into; the checks assert the run's groups are removed afterwards)
 *   knob FILE VALUE  a limit file of its own cgroup as the program saw it (memory.max ...)
 *   pid N            a process the check should watch (teardown tests)
 *   ready            every reported process exists; the driver may take pidfds now
 *   cpu S user U     the program's own CPU account (getrusage SELF + CHILDREN), seconds
 *   cwd PATH         the working directory (the --scratch directory)
 *   ...              other keys, documented in each program
 *
 * Each line goes out in one write(2), so lines of several processes do not interleave.
 * A program still fails itself (exit 1, reason on stderr) when what it can see of its own
 * world is wrong (e.g. a scratch directory that is not empty).
 */
#ifndef SYSWARD_LIM_H
#define SYSWARD_LIM_H

#include "tt.h"

#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

/* One line to stdout in one write(2). */
__attribute__((format(printf, 1, 2))) TT_FN void lim_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof buf - 2)
		n = (int)sizeof buf - 2;
	buf[n++] = '\n';
	tt_write_all(1, buf, (size_t)n);
}

/* Print "cgroup LINE" for each line of /proc/self/cgroup. */
TT_FN void lim_report_cgroups(void)
{
	char buf[4096];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("open /proc/self/cgroup: %s", strerror(errno));
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n < 0)
		tt_fail("read /proc/self/cgroup: %s", strerror(errno));
	close(fd);
	buf[n] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		lim_say("cgroup %s", line);
}

/* Print "knob FILE VALUE" for a cgroup file of this process's own group, if it can be read:
 * `ctl` names the v1 controller (its hierarchy at the usual /sys/fs/cgroup/CTL), or is NULL
 * for the v2 group (the `0::` line; cgroup2 at /sys/fs/cgroup, as tracee-tests/cgroup2-ns.sh
 * mounts it).  Nothing is printed when the file is not there (no such controller). */
TT_FN void lim_report_knob(const char *ctl, const char *file)
{
	char buf[4096], want[64], path[4096 + 128];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	snprintf(want, sizeof want, ":%s:", ctl ? ctl : "");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *at = strstr(line, want);
		if (!at || (!ctl && strncmp(line, "0::", 3)))
			continue;
		snprintf(path, sizeof path, "/sys/fs/cgroup%s%s%s/%s", ctl ? "/" : "",
			 ctl ? ctl : "", at + strlen(want), file);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		char val[128];
		ssize_t k = read(fd, val, sizeof val - 1);
		close(fd);
		if (k <= 0)
			return;
		val[k] = 0;
		val[strcspn(val, "\n")] = 0;
		lim_say("knob %s %s", file, val);
		return;
	}
}

static inline double lim_ts(const struct timespec *t)
{
	return (double)t->tv_sec + t->tv_nsec / 1e9;
}

static inline double lim_clock(clockid_t id)
{
	struct timespec t;
	if (clock_gettime(id, &t) < 0)
		tt_fail("clock_gettime: %s", strerror(errno));
	return lim_ts(&t);
}

/* Parse a CPU amount in seconds; "inf" means forever. */
static inline double lim_secs(const char *s)
{
	if (!strcmp(s, "inf"))
		return INFINITY;
	char *end;
	double v = strtod(s, &end);
	if (*end || v < 0)
		tt_fail("bad seconds %s", s);
	return v;
}

static volatile uint64_t lim_sink;

/* Burn CPU until this thread has used `secs` more seconds of CPU (CLOCK_THREAD_CPUTIME_ID):
 * a fixed amount of work whatever else the machine does. */
TT_FN void lim_burn(double secs)
{
	double end = lim_clock(CLOCK_THREAD_CPUTIME_ID) + secs;
	uint64_t x = 88172645463325252ull;
	while (lim_clock(CLOCK_THREAD_CPUTIME_ID) < end) {
		for (int i = 0; i < 20000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		lim_sink = x;
	}
}

/* Own CPU account: this process and its waited-for children. */
TT_FN void lim_report_cpu(void)
{
	struct rusage s, c;
	if (getrusage(RUSAGE_SELF, &s) < 0 || getrusage(RUSAGE_CHILDREN, &c) < 0)
		tt_fail("getrusage: %s", strerror(errno));
	double user = s.ru_utime.tv_sec + s.ru_utime.tv_usec / 1e6 + c.ru_utime.tv_sec +
		      c.ru_utime.tv_usec / 1e6;
	double sys = s.ru_stime.tv_sec + s.ru_stime.tv_usec / 1e6 + c.ru_stime.tv_sec +
		     c.ru_stime.tv_usec / 1e6;
	lim_say("cpu %.6f user %.6f", user + sys, user);
}

/* Block forever in read() on a pipe whose write end this process keeps: only a signal ends
 * it.  Used where the test expects sysward to end the run (a limit); if sysward does not,
 * the row's --wall-time guard does, and the check sees the wrong verdict. */
__attribute__((noreturn)) TT_FN void lim_block_forever(const char *why)
{
	int p[2];
	char c;
	if (why)
		tt_note("blocking until sysward ends the run: %s", why);
	tt_pipe(p);
	for (;;) {
		ssize_t n = read(p[0], &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		tt_fail("read on a pipe nobody writes returned %zd (%s)", n,
			n < 0 ? strerror(errno) : "data/EOF");
	}
}

static inline pid_t lim_pidfd_open(pid_t pid)
{
	return (pid_t)syscall(SYS_pidfd_open, pid, 0);
}

#endif
