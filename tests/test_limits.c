/*
 * test_limits: supervisor/limits.
 *
 * Pure tests (no kernel): the parsers of cpu.stat, cpuacct.stat, memory/pids knobs,
 * /proc/PID/stat, cpu lists, mountinfo (v1, v2, hybrid), /proc/self/cgroup, the backend choice
 * and the fallback's CPU table.
 * Kernel tests, skipped unless root and the hierarchy is mounted: real runs of small child
 * programs under each backend (v1, v2 and none), checking knobs, accounting, OOM, pids,
 * teardown of a double-forked setsid daemon, --scratch and the rlimits, and that every cgroup
 * and directory made is gone afterwards.  The children are not traced, so the tests stand in
 * for the tracer by waiting on pipes and pidfds; none sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervisor/limits/internal.h"
#include "supervisor/limits/limits.h"
#include "supervisor/util.h"

/* ---- pure parsers ---------------------------------------------------------------------- */

static void test_parse_u64(void **state)
{
	uint64_t v;

	assert_int_equal(limits_parse_u64("123\n", &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(limits_parse_u64("max\n", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(limits_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(limits_parse_u64("", &v), -EINVAL);
	assert_int_equal(limits_parse_u64("12x\n", &v), -EINVAL);
	assert_int_equal(limits_parse_u64("-1\n", &v), -EINVAL);
	assert_int_equal(limits_parse_u64("99999999999999999999\n", &v), -EINVAL);
}

static void test_parse_keyed(void **state)
{
	const char *events = "low 0\nhigh 0\nmax 17\noom 0\noom_kill 2\noom_group_kill 0\n";
	uint64_t v;

	assert_int_equal(limits_parse_keyed(events, "max", &v), 0);
	assert_int_equal(v, 17);
	/* "oom" must not match "oom_kill" or "oom_group_kill", nor the reverse */
	assert_int_equal(limits_parse_keyed(events, "oom", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(limits_parse_keyed(events, "oom_kill", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(limits_parse_keyed(events, "oom_k", &v), -ENOENT);
	assert_int_equal(limits_parse_keyed(events, "high_x", &v), -ENOENT);
	/* pids.events; memory.oom_control (v1); no final newline */
	assert_int_equal(limits_parse_keyed("max 3", "max", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(
	    limits_parse_keyed("oom_kill_disable 0\nunder_oom 1\noom_kill 0\n", "under_oom", &v),
	    0);
	assert_int_equal(v, 1);
	assert_int_equal(limits_parse_keyed("max x\n", "max", &v), -EINVAL);
	assert_int_equal(limits_parse_keyed("max 1 2\n", "max", &v), -EINVAL);
	assert_int_equal(limits_parse_keyed("", "max", &v), -ENOENT);
}

static void test_parse_cpu_stat(void **state)
{
	const char *text = "usage_usec 50952488\nuser_usec 22568776\nsystem_usec 28383712\n"
			   "nice_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n";
	struct limits_cpu c;

	assert_int_equal(limits_parse_cpu_stat(text, &c), 0);
	assert_true(c.cpu_s > 50.952487 && c.cpu_s < 50.952489);
	assert_true(c.user_s > 22.568775 && c.user_s < 22.568777);
	assert_true(c.sys_s > 28.383711 && c.sys_s < 28.383713);
	assert_int_equal(limits_parse_cpu_stat("usage_usec 1\nuser_usec 1\n", &c), -ENOENT);
}

static void test_parse_cpuacct_stat(void **state)
{
	double u, s;

	/* USER_HZ ticks */
	assert_int_equal(limits_parse_cpuacct_stat("user 2422\nsystem 3044\n", 100, &u, &s), 0);
	assert_true(u > 24.21 && u < 24.23);
	assert_true(s > 30.43 && s < 30.45);
	assert_int_equal(limits_parse_cpuacct_stat("user 250\nsystem 0\n", 250, &u, &s), 0);
	assert_true(u > 0.99 && u < 1.01);
	assert_int_equal(limits_parse_cpuacct_stat("user 1\n", 100, &u, &s), -ENOENT);
	assert_int_equal(limits_parse_cpuacct_stat("user 1\nsystem 1\n", 0, &u, &s), -EINVAL);
}

static void test_parse_proc_stat(void **state)
{
	struct limits_proc_stat ps;
	const char *plain = "4552 (cat) R 4542 4542 2398 0 -1 4194304 101 0 0 0 7 3 0 0 20 0 1 0 "
			    "85744 3133440 404 18446744073709551615 94225711722496 0 0\n";
	/* comm holds spaces and parentheses; nice is negative; several threads */
	const char *odd = "77 (a) b) (c ) S 1 77 77 0 -1 4194560 5 0 0 0 1234 56 0 0 10 -5 9 0 "
			  "99999 1000 250 18446744073709551615\n";

	assert_int_equal(limits_parse_proc_stat(plain, &ps), 0);
	assert_int_equal(ps.state, 'R');
	assert_int_equal(ps.utime, 7);
	assert_int_equal(ps.stime, 3);
	assert_int_equal(ps.num_threads, 1);
	assert_int_equal(ps.starttime, 85744);
	assert_int_equal(ps.rss_pages, 404);

	assert_int_equal(limits_parse_proc_stat(odd, &ps), 0);
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.utime, 1234);
	assert_int_equal(ps.stime, 56);
	assert_int_equal(ps.num_threads, 9);
	assert_int_equal(ps.starttime, 99999);
	assert_int_equal(ps.rss_pages, 250);

	assert_int_equal(limits_parse_proc_stat("12 (x) S 1 2 3\n", &ps), -EINVAL);
	assert_int_equal(limits_parse_proc_stat("12 x S 1 2 3\n", &ps), -EINVAL);
	assert_int_equal(limits_parse_proc_stat("", &ps), -EINVAL);
}

static void test_parse_cpulist(void **state)
{
	cpu_set_t set;
	char buf[64];

	assert_int_equal(limits_parse_cpulist("0-2,5,7-8\n", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 6);
	assert_true(CPU_ISSET(0, &set) && CPU_ISSET(2, &set) && CPU_ISSET(5, &set));
	assert_false(CPU_ISSET(3, &set));
	limits_format_cpulist(&set, buf, sizeof(buf));
	assert_string_equal(buf, "0-2,5,7-8");
	assert_int_equal(limits_parse_cpulist("1", &set), 0);
	limits_format_cpulist(&set, buf, sizeof(buf));
	assert_string_equal(buf, "1");
	assert_int_equal(limits_parse_cpulist("", &set), -EINVAL);
	assert_int_equal(limits_parse_cpulist("0-", &set), -EINVAL);
	assert_int_equal(limits_parse_cpulist("3-1", &set), -EINVAL);
	assert_int_equal(limits_parse_cpulist("1,,2", &set), -EINVAL);
	assert_int_equal(limits_parse_cpulist("a", &set), -EINVAL);
	assert_int_equal(limits_parse_cpulist("4096", &set), -ERANGE);
	assert_true(limits_has_word("cpuset cpu io memory hugetlb pids rdma misc\n", "memory"));
	assert_true(limits_has_word("cpuset cpu io memory hugetlb pids\n", "pids"));
	assert_false(limits_has_word("cpuset io memory\n", "cpu"));
	assert_false(limits_has_word("", "cpu"));
}

/* This machine: v1 hierarchies under a tmpfs, plus cgroup2 at /sys/fs/cgroup/unified. */
static const char mi_hybrid[] =
    "22 1 0:21 / / rw - ext4 /dev/vda rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

/* A systemd machine with unified cgroups. */
static const char mi_v2[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "28 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

/* Older layout: cpu and cpuacct co-mounted, a mount point with a space, a container root. */
static const char mi_comount[] =
    "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "31 25 0:27 /docker/abc /sys/fs/cgroup/mem\\040ory rw master:3 - cgroup cgroup rw,memory\n";

static void test_parse_mountinfo(void **state)
{
	struct limits_mounts *m = calloc(1, sizeof(*m));

	assert_int_equal(limits_parse_mountinfo(mi_hybrid, m), 0);
	assert_true(m->v2.found);
	assert_false(m->v2_is_main);
	assert_string_equal(m->v2.path, "/sys/fs/cgroup/unified");
	assert_string_equal(m->v1[CG1_MEMORY].path, "/sys/fs/cgroup/memory");
	assert_string_equal(m->v1[CG1_CPUACCT].path, "/sys/fs/cgroup/cpuacct");
	assert_string_equal(m->v1[CG1_PIDS].path, "/sys/fs/cgroup/pids");
	assert_string_equal(m->v1[CG1_FREEZER].path, "/sys/fs/cgroup/freezer");
	assert_string_equal(m->v1[CG1_CPUSET].path, "/sys/fs/cgroup/cpuset");

	assert_int_equal(limits_parse_mountinfo(mi_v2, m), 0);
	assert_true(m->v2.found && m->v2_is_main);
	assert_string_equal(m->v2.path, "/sys/fs/cgroup");
	assert_string_equal(m->v2.root, "/");
	for (int c = 0; c < CG1__COUNT; c++)
		assert_false(m->v1[c].found);

	assert_int_equal(limits_parse_mountinfo(mi_comount, m), 0);
	assert_false(m->v2.found);
	assert_string_equal(m->v1[CG1_CPUACCT].path, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(m->v1[CG1_MEMORY].path, "/sys/fs/cgroup/mem ory");
	assert_string_equal(m->v1[CG1_MEMORY].root, "/docker/abc");
	assert_false(m->v1[CG1_PIDS].found);

	/* a private cgroup2 mounted over /sys/fs/cgroup (tracee-tests/cgroup2-ns.sh) wins */
	{
		char text[2048];
		snprintf(text, sizeof(text), "%s%s", mi_hybrid,
			 "63 47 0:38 / /sys/fs/cgroup rw,relatime - cgroup2 none rw\n");
		assert_int_equal(limits_parse_mountinfo(text, m), 0);
		assert_true(m->v2_is_main);
		assert_string_equal(m->v2.path, "/sys/fs/cgroup");
		/* ...and hides the v1 hierarchies mounted below it */
		for (int c = 0; c < CG1__COUNT; c++)
			assert_false(m->v1[c].found);
	}
	/* a tmpfs mounted over a cgroup2 mount point hides it too */
	assert_int_equal(limits_parse_mountinfo("28 22 0:26 / /sys/fs/cgroup rw - cgroup2 c rw\n"
						"29 28 0:27 / /sys/fs/cgroup rw - tmpfs t rw\n",
						m),
			 0);
	assert_false(m->v2.found);
	assert_false(m->v2_is_main);
	assert_int_equal(limits_parse_mountinfo("1 2 3\n", m), -EINVAL);
	assert_int_equal(limits_parse_mountinfo("1 2 0:1 / /x rw no-dash-here\n", m), -EINVAL);
	assert_int_equal(limits_parse_mountinfo("", m), 0);
	free(m);
}

static void test_pick_backend(void **state)
{
	struct limits_mounts *m = calloc(1, sizeof(*m));
	enum limits_backend b;

	assert_int_equal(limits_parse_mountinfo(mi_hybrid, m), 0);
	assert_int_equal(limits_pick_backend(m, NULL, NULL, &b), 0);
	assert_int_equal(b, LIMITS_CGROUP_V1);
	assert_int_equal(limits_pick_backend(m, "v2", NULL, &b), 0);
	assert_int_equal(b, LIMITS_CGROUP_V2);
	assert_int_equal(limits_pick_backend(m, "none", NULL, &b), 0);
	assert_int_equal(b, LIMITS_NONE);
	assert_int_equal(limits_pick_backend(m, "", "/tmp/cg2", &b), 0);
	assert_int_equal(b, LIMITS_CGROUP_V2);
	assert_int_equal(limits_pick_backend(m, "v3", NULL, &b), -EINVAL);

	assert_int_equal(limits_parse_mountinfo(mi_v2, m), 0);
	assert_int_equal(limits_pick_backend(m, NULL, NULL, &b), 0);
	assert_int_equal(b, LIMITS_CGROUP_V2);
	assert_int_equal(limits_pick_backend(m, "v1", NULL, &b), -ENOENT);

	assert_int_equal(limits_parse_mountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", m), 0);
	assert_int_equal(limits_pick_backend(m, NULL, NULL, &b), 0);
	assert_int_equal(b, LIMITS_NONE);
	assert_int_equal(limits_pick_backend(m, "v2", NULL, &b), -ENOENT);
	free(m);
}

static void test_parse_own_cgroup(void **state)
{
	const char *v2 = "0::/user.slice/user-1000.slice/session-2.scope\n";
	const char *hybrid = "9:name=systemd:/\n4:memory:/process_api/5fc0\n1:cpu:/\n0::/\n";
	char out[256];

	assert_int_equal(limits_parse_own_cgroup(v2, "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/user.slice/user-1000.slice/session-2.scope");
	assert_int_equal(limits_parse_own_cgroup(v2, "/user.slice", out, sizeof(out)), 0);
	assert_string_equal(out, "/user-1000.slice/session-2.scope");
	assert_int_equal(limits_parse_own_cgroup(v2, "/user.slice/user-1000.slice/session-2.scope",
						 out, sizeof(out)),
			 0);
	assert_string_equal(out, "/");
	assert_int_equal(limits_parse_own_cgroup(v2, "/user.sl", out, sizeof(out)), -ENOENT);
	assert_int_equal(limits_parse_own_cgroup(v2, "/system.slice", out, sizeof(out)), -ENOENT);
	assert_int_equal(limits_parse_own_cgroup(hybrid, "/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(limits_parse_own_cgroup("4:memory:/a\n", "/", out, sizeof(out)), -ENOENT);
	assert_int_equal(limits_parse_own_cgroup(v2, "/", out, 8), -ENAMETOOLONG);
}

static void test_fallback_table(void **state)
{
	struct limits_proc_stat a = {.utime = 10, .stime = 5, .starttime = 1000};
	struct fb f;
	double cpu, user, sys;

	fb_init(&f);
	f.ticks_per_s = 100;
	fb_record(&f, 42, &a);
	a.utime = 30;
	fb_record(&f, 42, &a); /* the same process later: replaces, does not add */
	a.utime = 20;
	fb_record(&f, 42, &a); /* a stale read never lowers it */
	fb_cpu(&f, &cpu, &user, &sys);
	assert_true(user > 0.299 && user < 0.301);
	assert_true(sys > 0.049 && sys < 0.051);
	/* pid 42 reused by a new process: a separate entry */
	a.utime = 7;
	a.stime = 0;
	a.starttime = 2000;
	fb_record(&f, 42, &a);
	fb_cpu(&f, &cpu, &user, &sys);
	assert_true(cpu > 0.419 && cpu < 0.421);
	/* many processes: the table grows and keeps them all */
	for (int i = 1; i <= 1000; i++) {
		struct limits_proc_stat p = {.utime = 1, .starttime = (uint64_t)i};
		fb_record(&f, 1000 + i, &p);
	}
	fb_cpu(&f, &cpu, &user, &sys);
	assert_true(cpu > 10.419 && cpu < 10.421);
	assert_int_equal(f.used, 1002);
	fb_free(&f);
}

/* ---- kernel tests ------------------------------------------------------------------------ */

static struct limits_mounts host_mounts;

static int read_mounts(void)
{
	static char buf[65536];
	ssize_t n = read_small_file("/proc/self/mountinfo", buf, sizeof(buf));

	return n < 0 ? (int)n : limits_parse_mountinfo(buf, &host_mounts);
}

static bool can_v1(void)
{
	return geteuid() == 0 && host_mounts.v1[CG1_MEMORY].found &&
	       host_mounts.v1[CG1_PIDS].found && host_mounts.v1[CG1_CPUACCT].found;
}

static bool can_v2(void)
{
	return geteuid() == 0 && host_mounts.v2.found;
}

/* Write all, read all: children report through pipes. */
static void put(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		_exit(90);
}

static bool get(int fd, void *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

typedef void (*child_fn)(struct limits *l, int wfd, long arg);

/* What a failed test leaves behind, for teardown(): the run and the children not reaped. */
static struct limits *cur;
static pid_t kids[16];
static size_t nkids;

static void forget(pid_t pid)
{
	for (size_t i = 0; i < nkids; i++)
		if (kids[i] == pid)
			kids[i] = kids[--nkids];
}

static int teardown(void **state)
{
	while (nkids) {
		kill(kids[0], SIGKILL);
		waitpid(kids[0], NULL, 0);
		forget(kids[0]);
	}
	limits_destroy(cur);
	cur = NULL;
	return 0;
}

/* The end of a test that passed: remove the run now (its checks follow). */
static void finish(struct limits *l)
{
	assert_ptr_equal(l, cur);
	teardown(NULL);
}

/* Fork a child that stops, is put into the run like the tracer does, then runs fn. */
static pid_t spawn(struct limits *l, child_fn fn, long arg, int *rfd)
{
	int p[2], st;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		raise(SIGSTOP);
		fn(l, p[1], arg);
		_exit(0);
	}
	close(p[1]);
	if (nkids < ARRAY_SIZE(kids))
		kids[nkids++] = pid;
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	assert_int_equal(limits_add_pid(l, pid), 0);
	kill(pid, SIGCONT);
	*rfd = p[0];
	return pid;
}

static int reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		assert_int_equal(errno, EINTR);
	forget(pid);
	return st;
}

/* Wait (event-driven, bounded) for a process that is not our child to die. */
static bool dies(pid_t pid)
{
	struct pollfd p = {.events = POLLIN};
	bool dead;

	p.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return errno == ESRCH;
	dead = poll(&p, 1, 5000) == 1;
	close(p.fd);
	return dead;
}

/* Use `ms` of CPU, nearly all in user mode (the clock is read only now and then). */
static void child_burn(struct limits *l, int wfd, long ms)
{
	volatile unsigned long x = 0;
	struct timespec ts;
	do {
		for (int i = 0; i < 1000000; i++)
			x += (unsigned long)i * 7;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < ms);
}

static void child_hog(struct limits *l, int wfd, long bytes)
{
	char *p = malloc((size_t)bytes);
	char ok = 'k';
	if (!p)
		_exit(91);
	for (long i = 0; i < bytes; i += 4096)
		p[i] = 1;
	put(wfd, &ok, 1);
	pause();
}

static void *thread_pause(void *arg)
{
	pause();
	return arg;
}

static void child_hog_thread(struct limits *l, int wfd, long bytes)
{
	pthread_t t;
	if (pthread_create(&t, NULL, thread_pause, NULL))
		_exit(92);
	child_hog(l, wfd, bytes);
}

/* Fork up to `n` children that pause; report how many forks succeeded. */
static void child_forks(struct limits *l, int wfd, long n)
{
	int ok = 0;
	for (long i = 0; i < n; i++) {
		pid_t c = fork();
		if (c < 0)
			break;
		if (c == 0) {
			pause();
			_exit(0);
		}
		ok++;
	}
	put(wfd, &ok, sizeof(ok));
	pause();
}

/* A double-forked setsid daemon: report its pid, then wait to be killed. */
static void child_daemon(struct limits *l, int wfd, long unused)
{
	pid_t c = fork(), d;
	if (c < 0)
		_exit(93);
	if (c == 0) {
		setsid();
		d = fork();
		if (d == 0) {
			pid_t me = getpid();
			put(wfd, &me, sizeof(me));
			for (;;)
				pause();
		}
		_exit(0);
	}
	waitpid(c, NULL, 0);
	pause();
}

static void child_affinity(struct limits *l, int wfd, long unused)
{
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) < 0 ? -1 : CPU_COUNT(&set);
	put(wfd, &n, sizeof(n));
}

static void child_setup_affinity(struct limits *l, int wfd, long unused)
{
	int n = limits_child_setup(l);
	if (n < 0)
		put(wfd, &n, sizeof(n));
	else
		child_affinity(l, wfd, unused);
}

/* limits_child_setup, then report the rlimits and the working directory. */
struct setup_report {
	int setup;
	struct rlimit core, fsize, nofile;
	char cwd[256];
	int write_errno;
};

static void child_setup(struct limits *l, int wfd, long fill)
{
	struct setup_report rep = {0};
	char block[4096];
	int fd;

	signal(SIGXFSZ, SIG_IGN);
	rep.setup = limits_child_setup(l);
	getrlimit(RLIMIT_CORE, &rep.core);
	getrlimit(RLIMIT_FSIZE, &rep.fsize);
	getrlimit(RLIMIT_NOFILE, &rep.nofile);
	if (!getcwd(rep.cwd, sizeof(rep.cwd)))
		rep.cwd[0] = '\0';
	if (fill) {
		memset(block, 'x', sizeof(block));
		fd = open("fill", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		for (long done = 0; fd >= 0 && done < fill; done += (long)sizeof(block))
			if (write(fd, block, sizeof(block)) < 0) {
				rep.write_errno = errno;
				break;
			}
		if (fd < 0)
			rep.write_errno = errno;
	}
	put(wfd, &rep, sizeof(rep));
	pause();
}

/* The child's cgroup path in the v1 hierarchy `ctl`, or in v2 when ctl is NULL. */
static bool own_cgroup(pid_t pid, const char *ctl, char *out, size_t size)
{
	char path[64], buf[4096], want[64];
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return false;
	if (ctl)
		snprintf(want, sizeof(want), ":%s:", ctl);
	else
		snprintf(want, sizeof(want), "0::");
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		char *colon = ctl ? strstr(p, want) : (!strncmp(p, want, 3) ? p : NULL);
		char *nl = strchr(p, '\n');
		if (!colon || (nl && colon > nl))
			continue;
		colon += strlen(want);
		snprintf(out, size, "%.*s", nl ? (int)(nl - colon) : (int)strlen(colon), colon);
		return true;
	}
	return false;
}

static uint64_t knob_u64(const char *dir, const char *knob)
{
	char path[PATH_MAX + 64], buf[64];
	uint64_t v = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	if (read_small_file(path, buf, sizeof(buf)) < 0 || limits_parse_u64(buf, &v) < 0)
		return 0;
	return v;
}

static struct settings base_settings(void)
{
	struct settings s;
	memset(&s, 0, sizeof(s));
	return s;
}

static struct limits *make(const char *backend, const struct settings *s)
{
	struct limits *l = NULL;
	char why[512];
	int r;

	setenv("SYSWARD_CGROUP", backend, 1);
	r = limits_create(&l, s, why, sizeof(why));
	if (r < 0)
		print_error("limits_create: %s\n", why);
	assert_int_equal(r, 0);
	cur = l;
	return l;
}

static void test_v1_limits_and_teardown(void **state)
{
	struct settings s = base_settings();
	struct limits_usage u;
	char mem[2 * PATH_MAX], pids[2 * PATH_MAX], grp[PATH_MAX];
	struct limits *l;
	pid_t pid, daemon_pid;
	int rfd, st;

	if (!can_v1())
		skip();
	s.set[LIM_MEMORY] = s.set[LIM_PIDS] = true;
	s.memory = 64 << 20;
	s.pids = 16;
	l = make("v1", &s);
	assert_string_equal(limits_backend_name(l), "v1");
	assert_null(limits_notice(l));

	pid = spawn(l, child_daemon, 0, &rfd);
	assert_true(get(rfd, &daemon_pid, sizeof(daemon_pid)));
	assert_true(own_cgroup(pid, "memory", grp, sizeof(grp)));
	assert_true(!strncmp(grp, "/sysward/run-", 13));
	snprintf(mem, sizeof(mem), "%s%s", host_mounts.v1[CG1_MEMORY].path, grp);
	assert_true(knob_u64(mem, "memory.limit_in_bytes") == 64u << 20);
	if (cg_has(AT_FDCWD, "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"))
		assert_true(knob_u64(mem, "memory.memsw.limit_in_bytes") == 64u << 20);
	assert_true(own_cgroup(daemon_pid, "pids", grp, sizeof(grp)));
	snprintf(pids, sizeof(pids), "%s%s", host_mounts.v1[CG1_PIDS].path, grp);
	assert_int_equal(knob_u64(pids, "pids.max"), 16);

	assert_int_equal(limits_sample(l, &pid, 1, &u), 0);
	assert_false(u.oom || u.pids_hit || u.scratch_full);
	assert_true(u.peak_memory_bytes > 0);

	/* the setsid daemon is not in the tgids given: only the cgroup finds it */
	assert_int_equal(limits_kill_all(l, &pid, 1), 0);
	st = reap(pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_true(dies(daemon_pid));
	close(rfd);
	finish(l);
	assert_int_equal(access(mem, F_OK), -1);
	assert_int_equal(access(pids, F_OK), -1);
}

static void test_v1_oom(void **state)
{
	struct settings s = base_settings();
	struct limits_usage u;
	struct limits *l;
	pid_t pid;
	int rfd, st;

	if (!can_v1())
		skip();
	s.set[LIM_MEMORY] = true;
	s.memory = 32 << 20;
	l = make("v1", &s);
	pid = spawn(l, child_hog, 256l << 20, &rfd);
	st = reap(pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(limits_sample(l, NULL, 0, &u), 0);
	assert_true(u.oom);
	assert_true(u.peak_memory_bytes >= 16u << 20);
	assert_true(u.peak_memory_bytes <= 33u << 20);
	close(rfd);
	finish(l);
}

static void test_v1_pids_cpu_cpus(void **state)
{
	struct settings s = base_settings();
	struct limits_usage u;
	struct limits *l;
	pid_t pid;
	int rfd, forks, ncpu;

	if (!can_v1())
		skip();
	s.set[LIM_PIDS] = true;
	s.pids = 4;
	s.set[LIM_CPUS] = host_mounts.v1[CG1_CPUSET].found;
	snprintf(s.cpus, sizeof(s.cpus), "0");
	l = make("v1", &s);

	pid = spawn(l, child_forks, 10, &rfd);
	assert_true(get(rfd, &forks, sizeof(forks)));
	assert_int_equal(forks, 3); /* itself + 3 = pids.max */
	assert_int_equal(limits_sample(l, &pid, 1, &u), 0);
	assert_true(u.pids_hit);
	assert_int_equal(limits_kill_all(l, &pid, 1), 0);
	reap(pid);
	close(rfd);

	pid = spawn(l, child_burn, 300, &rfd);
	reap(pid);
	close(rfd);
	assert_int_equal(limits_sample(l, NULL, 0, &u), 0);
	assert_true(u.cpu_s >= 0.29);
	assert_true(u.user_s > 0.1);
	assert_true(u.user_s + u.sys_s <= u.cpu_s + 0.05);

	if (s.set[LIM_CPUS]) {
		pid = spawn(l, child_affinity, 0, &rfd);
		assert_true(get(rfd, &ncpu, sizeof(ncpu)));
		assert_int_equal(ncpu, 1);
		reap(pid);
		close(rfd);
	}
	finish(l);
}

/* A spare worker's limits (serve): made before the settings are known, adopted after. */
static void test_v1_ahead_adopt(void **state)
{
	struct settings s = base_settings();
	char name[64], mem[2 * PATH_MAX], pids[2 * PATH_MAX], why[512];
	struct limits *l;
	pid_t pid;
	int rfd, fds[16];

	if (!can_v1())
		skip();
	snprintf(name, sizeof(name), "uttest%d-0", (int)getpid());
	snprintf(mem, sizeof(mem), "%s/sysward/%s", host_mounts.v1[CG1_MEMORY].path, name);
	snprintf(pids, sizeof(pids), "%s/sysward/%s", host_mounts.v1[CG1_PIDS].path, name);
	setenv("SYSWARD_CGROUP", "v1", 1);
	limits_pool_use(name);

	/* made and opened without limits, then given the run's */
	assert_int_equal(limits_create_ahead(&l), 0);
	cur = l;
	assert_int_equal(access(mem, F_OK), 0);
	assert_true(limits_fds(l, fds, 16) >= 2);
	s.set[LIM_MEMORY] = s.set[LIM_PIDS] = true;
	s.memory = 64 << 20;
	s.pids = 16;
	assert_int_equal(limits_adopt(l, &s), 0);
	assert_string_equal(limits_backend_name(l), "v1");
	assert_null(limits_notice(l));
	pid = spawn(l, child_burn, 1, &rfd); /* spawn() moves it into the adopted groups */
	reap(pid);
	close(rfd);
	assert_true(knob_u64(mem, "memory.limit_in_bytes") == 64u << 20);
	assert_int_equal(knob_u64(pids, "pids.max"), 16);
	finish(l);
	assert_int_equal(access(mem, F_OK), -1);

	/* another backend asked for in the environment: not adopted; dropped, the groups stay
	 * and limits_create takes them */
	assert_int_equal(limits_create_ahead(&l), 0);
	cur = l;
	setenv("SYSWARD_CGROUP", "none", 1);
	assert_int_equal(limits_adopt(l, &s), -EAGAIN);
	limits_drop(l);
	cur = NULL;
	assert_int_equal(access(mem, F_OK), 0);
	setenv("SYSWARD_CGROUP", "v1", 1);
	assert_int_equal(limits_create(&l, &s, why, sizeof(why)), 0);
	cur = l;
	assert_true(knob_u64(mem, "memory.limit_in_bytes") == 64u << 20);
	finish(l);
	assert_int_equal(access(mem, F_OK), -1);

	/* --cpus needs a group in the cpuset hierarchy, not made ahead */
	if (host_mounts.v1[CG1_CPUSET].found) {
		s = base_settings();
		s.set[LIM_CPUS] = true;
		snprintf(s.cpus, sizeof(s.cpus), "0");
		assert_int_equal(limits_create_ahead(&l), 0);
		cur = l;
		assert_int_equal(limits_adopt(l, &s), -EAGAIN);
		finish(l);
	}
	limits_pool_use(NULL);
	unsetenv("SYSWARD_CGROUP");
}

static void test_v2(void **state)
{
	struct settings s = base_settings();
	struct limits_usage u;
	char grp[PATH_MAX], dir[2 * PATH_MAX];
	const char *notice;
	struct limits *l;
	pid_t pid, daemon_pid;
	int rfd, st;

	if (!can_v2())
		skip();
	s.set[LIM_MEMORY] = true;
	s.memory = 64 << 20;
	l = make("v2", &s);
	assert_string_equal(limits_backend_name(l), "v2");
	/* on a hybrid machine the v1 hierarchy owns memory: sampled RSS stands in */
	notice = limits_notice(l);
	if (notice)
		assert_non_null(strstr(notice, "--memory"));

	pid = spawn(l, child_burn, 300, &rfd);
	assert_true(own_cgroup(pid, NULL, grp, sizeof(grp)));
	assert_non_null(strstr(grp, "/sysward/run-"));
	reap(pid);
	close(rfd);
	assert_int_equal(limits_sample(l, NULL, 0, &u), 0);
	assert_true(u.cpu_s >= 0.29);

	pid = spawn(l, child_daemon, 0, &rfd);
	assert_true(get(rfd, &daemon_pid, sizeof(daemon_pid)));
	assert_int_equal(limits_kill_all(l, NULL, 0), 0);
	st = reap(pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_true(dies(daemon_pid));
	close(rfd);
	snprintf(dir, sizeof(dir), "%s%s", host_mounts.v2.path, grp);
	finish(l);
	assert_int_equal(access(dir, F_OK), -1);
}

static void test_none_fallback(void **state)
{
	struct settings s = base_settings();
	struct limits_usage u;
	struct limits *l;
	siginfo_t si;
	pid_t pid;
	int rfd;
	char ok;

	s.set[LIM_MEMORY] = s.set[LIM_PIDS] = s.set[LIM_CPUS] = true;
	s.memory = 16 << 20;
	s.pids = 1;
	snprintf(s.cpus, sizeof(s.cpus), "0");
	l = make("none", &s);
	assert_string_equal(limits_backend_name(l), "none");
	assert_non_null(limits_notice(l));
	assert_non_null(strstr(limits_notice(l), "--memory"));
	assert_non_null(strstr(limits_notice(l), "--pids"));
	assert_non_null(strstr(limits_notice(l), "--cpus"));
	assert_int_equal(limits_namespaces(l), 0);

	/* --cpus without a cpuset: the child's affinity */
	{
		int ncpu;
		pid = spawn(l, child_setup_affinity, 0, &rfd);
		assert_true(get(rfd, &ncpu, sizeof(ncpu)));
		assert_int_equal(ncpu, 1);
		reap(pid);
		close(rfd);
	}

	/* 64 MB and two threads: over both limits */
	pid = spawn(l, child_hog_thread, 64l << 20, &rfd);
	assert_true(get(rfd, &ok, 1));
	assert_int_equal(limits_sample(l, &pid, 1, &u), 0);
	assert_true(u.oom);
	assert_true(u.pids_hit);
	assert_true(u.peak_memory_bytes >= 64u << 20);
	assert_int_equal(limits_kill_all(l, &pid, 1), 0);
	reap(pid);
	close(rfd);

	/* CPU of a process read while it is a zombie (as at its exit stop), then gone */
	pid = spawn(l, child_burn, 300, &rfd);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	limits_task_exit(l, pid, pid);
	reap(pid);
	close(rfd);
	assert_int_equal(limits_sample(l, NULL, 0, &u), 0);
	assert_true(u.cpu_s >= 0.28);
	assert_true(u.oom && u.pids_hit); /* sticky */
	finish(l);
}

static void test_scratch_and_rlimits(void **state)
{
	struct settings s = base_settings();
	struct setup_report rep;
	struct limits_usage u;
	char dir[PATH_MAX];
	struct limits *l;
	pid_t pid;
	int rfd;

	s.set[LIM_SCRATCH] = s.set[LIM_FSIZE] = s.set[LIM_NOFILE] = true;
	s.scratch = 1 << 20;
	s.fsize = 8 << 20;
	s.nofile = 32;
	l = make("none", &s);
	assert_non_null(limits_scratch_dir(l));
	assert_int_equal(limits_namespaces(l), limits_notice(l) ? 0 : CLONE_NEWNS);
	snprintf(dir, sizeof(dir), "%s", limits_scratch_dir(l));

	pid = spawn(l, child_setup, 2l << 20, &rfd);
	assert_true(get(rfd, &rep, sizeof(rep)));
	assert_int_equal(rep.setup, 0);
	assert_string_equal(rep.cwd, dir);
	assert_true(rep.core.rlim_cur == 0 && rep.core.rlim_max == 0);
	assert_true(rep.nofile.rlim_cur == 32 && rep.nofile.rlim_max == 32);
	if (limits_notice(l)) {
		/* no mount namespace here: a plain directory, files capped by RLIMIT_FSIZE */
		assert_true(rep.fsize.rlim_cur == 1u << 20);
		assert_int_equal(rep.write_errno, EFBIG);
	} else {
		assert_true(rep.fsize.rlim_cur == 8u << 20);
		assert_int_equal(rep.write_errno, ENOSPC);
		/* private: the host sees the directory empty */
		{
			char path[PATH_MAX + 8];
			snprintf(path, sizeof(path), "%s/fill", dir);
			assert_int_equal(access(path, F_OK), -1);
		}
	}
	assert_int_equal(limits_sample(l, &pid, 1, &u), 0);
	assert_true(u.scratch_full);
	assert_int_equal(limits_kill_all(l, &pid, 1), 0);
	reap(pid);
	close(rfd);
	finish(l);
	assert_int_equal(access(dir, F_OK), -1);
}

static void test_bad_settings(void **state)
{
	struct settings s = base_settings();
	struct limits *l = NULL;
	char why[256];

	s.set[LIM_CPUS] = true;
	snprintf(s.cpus, sizeof(s.cpus), "1000");
	setenv("SYSWARD_CGROUP", "none", 1);
	assert_int_equal(limits_create(&l, &s, why, sizeof(why)), -EINVAL);
	assert_null(l);
	assert_non_null(strstr(why, "--cpus 1000: CPU 1000 is not available"));
	snprintf(s.cpus, sizeof(s.cpus), "0-");
	assert_int_equal(limits_create(&l, &s, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "--cpus"));

	s = base_settings();
	setenv("SYSWARD_CGROUP", "v3", 1);
	assert_int_equal(limits_create(&l, &s, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "SYSWARD_CGROUP=v3"));
	unsetenv("SYSWARD_CGROUP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_u64),
	    cmocka_unit_test(test_parse_keyed),
	    cmocka_unit_test(test_parse_cpu_stat),
	    cmocka_unit_test(test_parse_cpuacct_stat),
	    cmocka_unit_test(test_parse_proc_stat),
	    cmocka_unit_test(test_parse_cpulist),
	    cmocka_unit_test(test_parse_mountinfo),
	    cmocka_unit_test(test_pick_backend),
	    cmocka_unit_test(test_parse_own_cgroup),
	    cmocka_unit_test(test_fallback_table),
	    cmocka_unit_test_teardown(test_v1_limits_and_teardown, teardown),
	    cmocka_unit_test_teardown(test_v1_oom, teardown),
	    cmocka_unit_test_teardown(test_v1_pids_cpu_cpus, teardown),
	    cmocka_unit_test_teardown(test_v1_ahead_adopt, teardown),
	    cmocka_unit_test_teardown(test_v2, teardown),
	    cmocka_unit_test_teardown(test_none_fallback, teardown),
	    cmocka_unit_test_teardown(test_scratch_and_rlimits, teardown),
	    cmocka_unit_test(test_bad_settings),
	};

	if (read_mounts() < 0)
		memset(&host_mounts, 0, sizeof(host_mounts));
	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
