/*
 * exec: run a program the policy does not let us execute (THREATS E: execveat on an fd,
 * memfd + exec, #! interpreters, the dynamic loader; D: races on the exec'd name).
 *
 * usage: exec [SUB-ATTACK...]     (--profile default -p attacks/exec.policy)
 *
 * attacks/exec.policy lets the working directory's files and /usr/bin/true be executed,
 * nothing else.  /usr/bin/id is the forbidden program (it prints "uid=").  Each attempt runs
 * in a child whose output is captured; the child reports a refused exec as exit 100+errno.
 *   held      the exec was refused (EACCES), or the process was killed at the exec event
 *             (the tracer's after-the-fact check of /proc/PID/exe; THREAT-MODEL "what
 *             remains" 2: the exec happened but not one instruction of the image ran)
 *   ESCAPED   the child ended any other way, or printed "uid="
 * Attacks: #! scripts whose interpreter is id or env, nested #!, an interpreter reached by a
 * symlink or a relative name; ld.so run explicitly (also through a symlink); memfd and
 * O_PATH fds with execveat(AT_EMPTY_PATH); /proc/self/fd/N; execveat with a dirfd of
 * /usr/bin; a symlink to id; and three races: the name flipped in shared memory between
 * /usr/bin/true and /usr/bin/id, the first byte of "/usr/bin/id" flipped to "" under
 * execveat(AT_EMPTY_PATH) (an empty name is the cwd, which may be executed: a directory),
 * and a directory component swapped between a real directory and a symlink to /usr/bin.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "atk.h"

static char cwd[4096];

/* ---- one attempt in a child ----------------------------------------------------------- */

enum outcome { REFUSED, KILLED, RAN, OTHER };

static enum outcome attempt(void (*fn)(void *), void *arg, char *out, size_t outsz, int *status)
{
	int p[2];
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	tt_pipe(p);
	fflush(stdout);
	pid = tt_fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		signal(SIGALRM, SIG_DFL); /* not the parent's watchdog */
		alarm(5);
		fn(arg);
		_exit(100 + (errno & 0x7f));
	}
	close(p[1]);
	while (got + 1 < outsz && (n = read(p[0], out + got, outsz - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(p[0]);
	*status = tt_wait(pid, 0);
	if (strstr(out, "uid="))
		return RAN;
	if (WIFEXITED(*status) && WEXITSTATUS(*status) == 100 + EACCES)
		return REFUSED;
	if (WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL)
		return KILLED;
	if (WIFEXITED(*status) && WEXITSTATUS(*status) < 100)
		return RAN;
	return OTHER;
}

static void judge(const char *name, void (*fn)(void *), void *arg)
{
	char out[4096], b[64];
	int st;
	enum outcome o;

	if (!atk_want(name))
		return;
	o = attempt(fn, arg, out, sizeof out, &st);
	tt_status_str(st, b, sizeof b);
	for (char *c = out; *c; c++)
		if (*c == '\n')
			*c = ' ';
	switch (o) {
	case REFUSED:
		atk_held(name, "EACCES");
		break;
	case KILLED:
		atk_held(name, "killed at the exec event (the exec itself happened)");
		break;
	case RAN:
		atk_escaped(name, "a forbidden program ran: child %s, output \"%.200s\"", b, out);
		break;
	default:
		atk_mismatch(name, "child %s, output \"%.200s\"; want EACCES", b, out);
	}
}

/* ---- the attempts ------------------------------------------------------------------------ */

static char *const id_argv[] = { "id", NULL };

static void x_execve(void *path) { execve(path, id_argv, environ); }

static void x_ldso(void *ldso)
{
	char *argv[] = { ldso, "/usr/bin/id", NULL };
	execve(ldso, argv, environ);
}

static void x_memfd(void *unused)
{
	char buf[65536];
	ssize_t n;
	int src = open("/usr/bin/id", O_RDONLY | O_CLOEXEC), mfd = memfd_create("atk-id", 0);
	(void)unused;
	if (src < 0 || mfd < 0)
		_exit(99);
	while ((n = read(src, buf, sizeof buf)) > 0)
		if (write(mfd, buf, (size_t)n) != n)
			_exit(99);
	syscall(SYS_execveat, mfd, "", id_argv, environ, AT_EMPTY_PATH);
}

static void x_opath(void *unused)
{
	int fd = open("/usr/bin/id", O_PATH | O_CLOEXEC);
	(void)unused;
	syscall(SYS_execveat, fd, "", id_argv, environ, AT_EMPTY_PATH);
}

static void x_proc_fd(void *unused)
{
	char p[64];
	int fd = open("/usr/bin/id", O_PATH);
	(void)unused;
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	execve(p, id_argv, environ);
}

static void x_dirfd(void *unused)
{
	int fd = open("/usr/bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	(void)unused;
	syscall(SYS_execveat, fd, "id", id_argv, environ, 0);
}

/* ---- races --------------------------------------------------------------------------------- */

struct flip {
	volatile int stop, mode;
	char buf[64];
};
static struct flip *fl;

static void *flipper(void *arg)
{
	(void)arg;
	while (!fl->stop) {
		if (fl->mode == 1) {
			memcpy(fl->buf, "/usr/bin/true", 14);
			__asm__ volatile("" ::: "memory");
			memcpy(fl->buf, "/usr/bin/id\0\0", 14);
			__asm__ volatile("" ::: "memory");
		} else if (fl->mode == 2) {
			fl->buf[0] = 0;
			__asm__ volatile("" ::: "memory");
			fl->buf[0] = '/';
			__asm__ volatile("" ::: "memory");
		} else if (fl->mode == 3) {
			syscall(SYS_renameat2, AT_FDCWD, "d", AT_FDCWD, "d.alt", 2 /*EXCHANGE*/);
		}
	}
	return NULL;
}

/* execve the flipping name until an exec happens (or 2000 refusals) */
static void x_race_flip(void *unused)
{
	(void)unused;
	for (int i = 0; i < 2000; i++)
		execve(fl->buf, id_argv, environ);
	_exit(98);
}

static void x_race_empty(void *unused)
{
	(void)unused;
	for (int i = 0; i < 2000; i++)
		syscall(SYS_execveat, AT_FDCWD, fl->buf, id_argv, environ, AT_EMPTY_PATH);
	_exit(98);
}

static void x_race_dir(void *unused)
{
	(void)unused;
	for (int i = 0; i < 2000; i++)
		execve("d/id", id_argv, environ);
	_exit(98);
}

/* Run a race `rounds` times (each child execs once): any run of id escapes. */
static void race(const char *name, int mode, void (*fn)(void *), int rounds, double seconds)
{
	pthread_t th;
	int refused = 0, killed = 0, ran_true = 0, other = 0, i;
	double t0 = atk_now();
	char out[4096], b[64];
	bool esc = false;

	if (!atk_want(name))
		return;
	fl->stop = 0;
	fl->mode = mode;
	memcpy(fl->buf, "/usr/bin/id\0\0", 14);
	if (pthread_create(&th, NULL, flipper, NULL))
		tt_fail("pthread_create failed");
	for (i = 0; i < rounds && !esc && atk_now() - t0 < seconds; i++) {
		int st;
		enum outcome o = attempt(fn, NULL, out, sizeof out, &st);
		if (!strstr(out, "uid=") && WIFEXITED(st) && WEXITSTATUS(st) == 98) {
			refused++; /* 2000 refused execs in a row */
		} else if (o == RAN && !strstr(out, "uid=") && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			ran_true++; /* /usr/bin/true: allowed */
		} else if (o == RAN) {
			atk_escaped(name, "/usr/bin/id ran: child %s, output \"%.100s\"",
				    tt_status_str(st, b, sizeof b), out);
			esc = true;
		} else if (o == KILLED) {
			killed++;
		} else {
			other++;
		}
	}
	fl->stop = 1;
	pthread_join(th, NULL);
	if (mode == 3) { /* the real directory back under its name */
		struct stat s;
		if (lstat("d", &s) == 0 && S_ISLNK(s.st_mode))
			syscall(SYS_renameat2, AT_FDCWD, "d", AT_FDCWD, "d.alt", 2);
	}
	if (!esc)
		atk_held(name, "%d children: %d ran true, %d killed at the exec event, %d refused "
			 "2000 times, %d other", i, ran_true, killed, refused, other);
}

/* ---- setup ---------------------------------------------------------------------------------- */

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int s = open(from, O_RDONLY | O_CLOEXEC), d = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (s < 0 || d < 0)
		tt_fail("setup: copy %s to %s: %s", from, to, strerror(errno));
	while ((n = read(s, buf, sizeof buf)) > 0)
		tt_write_all(d, buf, (size_t)n);
	close(s);
	close(d);
}

static void script(const char *name, const char *text)
{
	atk_put(name, text, 0755);
}

static void controls(void)
{
	char out[4096];
	int st;
	copy_file("/usr/bin/true", "true-copy");
	if (attempt(x_execve, "./true-copy", out, sizeof out, &st) != RAN || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		tt_fail("control failed: a copy of true in the working directory does not run");
	if (attempt(x_execve, "/usr/bin/true", out, sizeof out, &st) != RAN || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		tt_fail("control failed: /usr/bin/true does not run");
	if (!atk_unconfined() && attempt(x_execve, "/usr/bin/id", out, sizeof out, &st) != REFUSED)
		tt_fail("control failed: /usr/bin/id is not refused: is attacks/exec.policy in "
			"effect? (%s)", out);
}

int main(int argc, char **argv)
{
	char p[4200];
	const char *ldso = "/lib64/ld-linux-x86-64.so.2";

	tt_init(argc, argv);
	atk_select(argc, argv, 1);
	atk_controls();
	if (!getcwd(cwd, sizeof cwd))
		tt_fail("getcwd: %s", strerror(errno));
	if (access(ldso, F_OK) < 0)
		tt_skip("no %s here", ldso);
	tt_watchdog(50, "exec attacks");
	controls();

	script("s-id", "#!/usr/bin/id\n");
	script("s-env", "#!/usr/bin/env true\n");
	snprintf(p, sizeof p, "#!%s/s-id\n", cwd);
	script("s-nested", p);
	if (symlink("/usr/bin/id", "il") < 0 || symlink(ldso, "ldl") < 0 ||
	    symlink("/usr/bin/id", "idl") < 0)
		tt_fail("setup: symlink: %s", strerror(errno));
	snprintf(p, sizeof p, "#!%s/il\n", cwd);
	script("s-symlink-interp", p);
	script("s-relative-interp", "#!il\n");

	judge("script-interp-id", x_execve, "./s-id");
	judge("script-interp-env", x_execve, "./s-env");
	judge("script-nested", x_execve, "./s-nested");
	judge("script-interp-symlink", x_execve, "./s-symlink-interp");
	judge("script-interp-relative", x_execve, "./s-relative-interp");
	judge("ldso-explicit", x_ldso, (void *)ldso);
	judge("ldso-symlink", x_ldso, "./ldl");
	judge("memfd-execveat", x_memfd, NULL);
	judge("opath-execveat", x_opath, NULL);
	judge("proc-self-fd-opath", x_proc_fd, NULL);
	judge("dirfd-execveat", x_dirfd, NULL);
	judge("symlink-to-id", x_execve, "./idl");

	fl = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fl == MAP_FAILED)
		tt_fail("mmap: %s", strerror(errno));
	if (mkdir("d", 0755) < 0 || symlink("/usr/bin", "d.alt") < 0)
		tt_fail("setup: %s", strerror(errno));
	copy_file("/usr/bin/true", "d/id");
	race("race-exec-flip", 1, x_race_flip, 20, 1.5);
	race("race-exec-empty-name", 2, x_race_empty, 20, 1.5);
	race("race-exec-dir-swap", 3, x_race_dir, 20, 1.5);
	atk_finish();
}
