/*
 * pidns: what the PID namespace backstop promises, tried for real (THREATS C: attacking the
 * tracer, kill(-1), a PID namespace hides the tracer; G: escaping teardown by double fork).
 *
 * usage: pidns ns|nons [see-tracer] [kill-all] [daemon]     (--profile default)
 *   ns     backstops on as root: the program must run in a PID namespace of its own
 *   nons   --no-backstops: no namespace, the tracer is our parent (the control that shows
 *          see-tracer would notice a visible tracer), and pid calls on it are refused
 *   see-tracer  no pid of our view names the tracer: TracerPid of ourselves is 0 although
 *          we are traced, our parent is not sysward, a scan of /proc and kill(pid, 0) over
 *          pids 1..4096 find no process called sysward and no process /proc does not list
 *   kill-all    kill(-1, SIGKILL) is refused (EPERM) and we and our child live on; the
 *          driver's checks see the run end normally (trail `end`, result record)
 *   daemon      a double-forked, setsid()ed child named pidns-daemon that would live forever;
 *          checks/pidns.py finds no such process after the run
 * Exit 0 when every promise held, 1 if not.
 */
#include "tt.h"

#include <dirent.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <sys/prctl.h>

static bool want(int argc, char **argv, const char *what)
{
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], what) == 0)
			return true;
	return false;
}

static bool read_line_of(const char *path, const char *key, char *out, size_t size)
{
	char buf[4096];
	if (tt_read_text(path, buf, sizeof buf) <= 0)
		return false;
	char *p = key ? strstr(buf, key) : buf;
	if (!p)
		return false;
	p += key ? strlen(key) : 0;
	while (*p == ' ' || *p == '\t')
		p++;
	snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
	return true;
}

static bool is_sysward(pid_t pid)
{
	char path[64], comm[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	return read_line_of(path, NULL, comm, sizeof comm) && strcmp(comm, "sysward") == 0;
}

static int failures;
#define BAD(...) (tt_note(__VA_ARGS__), failures++)

static void see_tracer(bool ns)
{
	char v[64];
	static bool listed[4097];
	pid_t tracer = 0;

	if (read_line_of("/proc/self/status", "\nTracerPid:", v, sizeof v))
		tracer = (pid_t)atoi(v);
	if (!ns) {
		/* control: without the namespace the tracer has a pid here, and it is refused */
		TT_CHECK(tracer > 0 && tracer == getppid() && is_sysward(tracer),
			 "nons: the tracer (%d) should be our parent (%d)", (int)tracer,
			 (int)getppid());
		errno = 0;
		TT_CHECK(kill(tracer, 0) < 0, "kill(tracer, 0) was allowed");
		return;
	}
	if (tracer != 0)
		BAD("TracerPid is %d: the tracer has a pid in our view", (int)tracer);
	if (getppid() != 1 || is_sysward(getppid()))
		BAD("our parent is %d (%s)", (int)getppid(),
		    is_sysward(getppid()) ? "sysward" : "?");
	DIR *d = opendir("/proc");
	if (!d)
		tt_fail("opendir /proc: %s", strerror(errno));
	int seen = 0;
	for (struct dirent *e; (e = readdir(d));) {
		long pid = strtol(e->d_name, NULL, 10);
		if (pid <= 0)
			continue;
		seen++;
		if (pid <= 4096)
			listed[pid] = true;
		if (is_sysward((pid_t)pid))
			BAD("/proc/%ld is sysward", pid);
	}
	closedir(d);
	TT_CHECK(seen >= 2 && listed[1] && listed[getpid()], "/proc lists %d pids", seen);
	for (pid_t pid = 1; pid <= 4096; pid++) {
		errno = 0;
		if (kill(pid, 0) == 0 || errno == EPERM) {
			if (!listed[pid])
				BAD("kill(%d, 0) finds a process /proc does not list", (int)pid);
			if (is_sysward(pid))
				BAD("kill(%d, 0) finds sysward", (int)pid);
		}
	}
}

static void kill_all(void)
{
	int fds[2];
	tt_pipe(fds);
	pid_t child = tt_fork();
	if (child == 0) {
		close(fds[0]);
		tt_write_all(fds[1], "r", 1);
		for (;;)
			pause();
	}
	close(fds[1]);
	char c;
	tt_read_all(fds[0], &c, 1);
	errno = 0;
	long r = kill(-1, SIGKILL);
	int e = errno;
	if (r == 0 || e != EPERM)
		BAD("kill(-1, SIGKILL) returned %ld (%s), want EPERM", r, strerror(e));
	TT_CHECK(waitpid(child, NULL, WNOHANG) == 0, "our child did not survive kill(-1)");
	kill(child, SIGKILL);
	tt_wait(child, 0);
	close(fds[0]);
}

static void daemon_(void)
{
	int fds[2];
	tt_pipe(fds);
	pid_t child = tt_fork();
	if (child == 0) {
		if (tt_fork() == 0) {
			setsid();
			prctl(PR_SET_NAME, "pidns-daemon", 0, 0, 0);
			tt_write_all(fds[1], "r", 1);
			for (;;)
				pause();
		}
		_exit(0);
	}
	char c;
	close(fds[1]);
	tt_read_all(fds[0], &c, 1);
	tt_wait_exit(child, 0, 0, "the daemon's parent");
	close(fds[0]);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc < 2 || (strcmp(argv[1], "ns") && strcmp(argv[1], "nons")))
		tt_fail("usage: pidns ns|nons [see-tracer] [kill-all] [daemon]");
	bool ns = strcmp(argv[1], "ns") == 0;
	if (ns && geteuid() != 0)
		tt_skip("not root: no PID namespace backstop");
	if (ns)
		TT_CHECK(getpid() == 2 && getppid() == 1,
			 "pid %d, parent %d: not in a PID namespace", (int)getpid(),
			 (int)getppid());
	if (want(argc, argv, "see-tracer"))
		see_tracer(ns);
	if (want(argc, argv, "kill-all"))
		kill_all();
	if (want(argc, argv, "daemon"))
		daemon_();
	printf("pid %d\n", (int)getpid());
	return failures ? TT_FAIL : TT_PASS;
}
