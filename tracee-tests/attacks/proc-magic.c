/*
 * proc-magic: reach refused files and the tracer through /proc magic links (THREATS C, E).
 *
 * usage: proc-magic VICTIM [SUB-ATTACK...]     (--profile default -p attacks/victim.policy)
 *
 *   /proc/self/root, /proc/thread-self/root, /proc/PID/root, /proc/self/cwd/..: the secret
 *     (/etc/shadow, VICTIM/secret) must stay unreadable whatever way leads to it.
 *   /proc/self/fd/N, /dev/fd/N, /proc/thread-self/fd/N, /proc/PID/task/TID/fd/N: reopening
 *     an fd that was opened read-only on a read-only file (/etc/hostname, VICTIM/t files)
 *     for writing must fail; nothing is ever written (an O_TRUNC reopen is only tried on a
 *     VICTIM file).
 *   fd-swap-reopen: a thread dup2()s, over and over, a pipe and a read-only fd of VICTIM/t/f30
 *     onto one fd number while the main thread reopens /proc/self/fd/N read-write (allowed
 *     for the pipe).  A third thread watches the fd table: a read-write fd of the victim
 *     that ever exists, even for a moment before the tracer closes it, is an escape.
 *   the tracer (only when our parent is sysward): /proc/<sysward>/environ, mem, fd/ and its
 *     task/ twins must be refused; each of its descriptors reached through /proc/<sysward>/fd/N
 *     must not give us an object without a name (its arena memfd, a pipe, a socket).
 *   /proc/1/environ must be refused.
 */
#include <pthread.h>
#include <sys/stat.h>

#include "atk.h"

static const char *V;
static pid_t me, tid, tracer;

/* An open that must be refused with EACCES; a success is judged by what it opened. */
static void refuse_open(const char *name, const char *path, int flags)
{
	int fd;
	if (!atk_want(name))
		return;
	errno = 0;
	fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0) {
		atk_escaped(name, "open(\"%s\", 0%o) succeeded", path, flags);
		if ((flags & O_ACCMODE) != O_WRONLY)
			atk_read_scan(name, fd);
		close(fd);
		return;
	}
	atk_refused(name, -1, errno, EACCES);
}

static void secrets_via_magic(void)
{
	char p[4200];

	refuse_open("proc-self-root", "/proc/self/root/etc/shadow", O_RDONLY);
	refuse_open("proc-thread-self-root", "/proc/thread-self/root/etc/shadow", O_RDONLY);
	refuse_open("proc-self-cwd-dotdot", "/proc/self/cwd/../../etc/shadow", O_RDONLY);
	refuse_open("dev-fd-is-proc", "/dev/fd/../root/etc/shadow", O_RDONLY);
	snprintf(p, sizeof p, "/proc/%d/root/etc/shadow", (int)me);
	refuse_open("proc-pid-root", p, O_RDONLY);
	snprintf(p, sizeof p, "/proc/%d/task/%d/root/etc/shadow", (int)me, (int)tid);
	refuse_open("proc-task-root", p, O_RDONLY);
	refuse_open("proc-1-root", "/proc/1/root/etc/shadow", O_RDONLY);
	snprintf(p, sizeof p, "/proc/self/root%s/secret", V);
	refuse_open("proc-self-root-victim-secret", p, O_RDONLY);
	snprintf(p, sizeof p, "/proc/self/root/proc/self/root%s/secret-world", V);
	refuse_open("proc-self-root-twice", p, O_RDONLY);

	/* through a directory fd of VICTIM */
	if (atk_want("dirfd-victim-secret")) {
		int dfd = open(V, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			tt_fail("control failed: open %s: %s", V, strerror(errno));
		ATK_REFUSED("dirfd-victim-secret", openat(dfd, "secret-world", O_RDONLY | O_CLOEXEC),
			    EACCES);
		snprintf(p, sizeof p, "/proc/self/fd/%d/secret-world", dfd);
		refuse_open("proc-fd-dir-victim-secret", p, O_RDONLY);
		snprintf(p, sizeof p, "/dev/fd/%d/./secret-world", dfd);
		refuse_open("dev-fd-dir-victim-secret", p, O_RDONLY);
		close(dfd);
	}
}

/* Reopen a read-only fd of `file` with `flags` through each /proc name of it. */
static void reopen_rw(const char *file, const char *tag, int oflags, int flags)
{
	char p[256], name[128];
	int fd = open(file, oflags | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: open %s: %s", file, strerror(errno));
	const char *forms[] = { "/proc/self/fd/%d", "/dev/fd/%d", "/proc/thread-self/fd/%d",
				"/proc/%d/fd/%d", "/proc/%d/task/%d/fd/%d" };
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (i == 3)
			snprintf(p, sizeof p, forms[i], (int)me, fd);
		else if (i == 4)
			snprintf(p, sizeof p, forms[i], (int)me, (int)tid, fd);
		else
			snprintf(p, sizeof p, forms[i], fd);
		snprintf(name, sizeof name, "reopen-%s-%s", tag, i == 0 ? "proc-self-fd" :
			 i == 1 ? "dev-fd" : i == 2 ? "thread-self-fd" : i == 3 ? "proc-pid-fd" :
			 "proc-task-fd");
		refuse_open(name, p, flags);
	}
	close(fd);
}

static void reopens(void)
{
	char p[4200];
	reopen_rw("/etc/hostname", "rdwr-hostname", O_RDONLY, O_RDWR);
	reopen_rw("/etc/hostname", "wronly-hostname", O_RDONLY, O_WRONLY);
	snprintf(p, sizeof p, "%s/victim", V);
	reopen_rw(p, "rdwr-victim", O_RDONLY, O_RDWR);
	reopen_rw(p, "opath-rdwr-victim", O_PATH, O_RDWR);
	snprintf(p, sizeof p, "%s/t/f29", V);
	reopen_rw(p, "trunc-victim", O_RDONLY, O_RDONLY | O_TRUNC);
	reopen_rw(p, "append-victim", O_RDONLY, O_WRONLY | O_APPEND);
}

/* ---- fd-swap-reopen ------------------------------------------------------------------ */

static int swap_fd = 40, pipe_fd, victim_fd;
static ino_t victim_ino;
static dev_t victim_dev;
static volatile int seen_rdwr;

static void *dup2er(void *arg)
{
	(void)arg;
	while (!atk_stop) {
		dup2(pipe_fd, swap_fd);
		dup2(victim_fd, swap_fd);
	}
	return NULL;
}

static void *watcher(void *arg)
{
	(void)arg;
	while (!atk_stop) {
		for (int fd = 3; fd < 64; fd++) {
			struct stat st;
			int fl = fcntl(fd, F_GETFL);
			if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
				continue;
			if (atk_fstat(fd, &st) == 0 && st.st_ino == victim_ino && st.st_dev == victim_dev) {
				seen_rdwr = fd;
				return NULL;
			}
		}
	}
	return NULL;
}

static void fd_swap_reopen(void)
{
	char p[4200], path[64];
	int fds[2];
	pthread_t a, b;
	struct stat st;
	long i, nok = 0;
	double t0;

	if (!atk_want("fd-swap-reopen"))
		return;
	snprintf(p, sizeof p, "%s/t/f30", V);
	victim_fd = open(p, O_RDONLY | O_CLOEXEC);
	if (victim_fd < 0 || fstat(victim_fd, &st) < 0)
		tt_fail("control failed: open %s: %s", p, strerror(errno));
	victim_ino = st.st_ino;
	victim_dev = st.st_dev;
	tt_pipe(fds);
	pipe_fd = fds[0];
	atk_stop = 0;
	if (pthread_create(&a, NULL, dup2er, NULL) || pthread_create(&b, NULL, watcher, NULL))
		tt_fail("pthread_create failed");
	snprintf(path, sizeof path, "/proc/self/fd/%d", swap_fd);
	/* a reopen that never returns is a tracer that stopped resuming us: fail fast */
	tt_watchdog(5, "fd-swap-reopen: the reopen of /proc/self/fd/N never returned "
		       "(the tracer did not resume the thread)");
	t0 = atk_now();
	bool esc = false;
	for (i = 0; i < 100000 && !seen_rdwr && !esc; i++) {
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			nok++;
			if (atk_fstat(fd, &st) == 0 && st.st_ino == victim_ino && st.st_dev == victim_dev) {
				atk_escaped("fd-swap-reopen", "open(%s, O_RDWR) returned a read-write "
					    "fd of VICTIM/t/f30 (after %ld tries)", path, i + 1);
				esc = true;
			}
			close(fd);
		}
		if ((i & 15) == 0 && atk_now() - t0 > 1.0)
			break;
	}
	atk_stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	tt_watchdog(30, "proc-magic attacks");
	if (esc)
		;
	else if (seen_rdwr)
		atk_escaped("fd-swap-reopen", "a read-write fd (%d) of VICTIM/t/f30 existed in "
			    "the fd table (the tracer's after-the-fact check comes too late)",
			    seen_rdwr);
	else
		atk_held("fd-swap-reopen", "%ld reopens, %ld of the pipe", i, nok);
	close(fds[0]);
	close(fds[1]);
	close(victim_fd);
	close(swap_fd);
}

/* ---- the tracer and other processes --------------------------------------------------- */

static void tracer_files(void)
{
	char p[256];
	DIR *d;
	struct dirent *e;

	refuse_open("proc-1-environ", "/proc/1/environ", O_RDONLY);
	if (!tracer) {
		atk_held("tracer", "not run: our parent is not sysward (run without the tracer)");
		return;
	}
	snprintf(p, sizeof p, "/proc/%d/environ", (int)tracer);
	refuse_open("tracer-environ", p, O_RDONLY);
	snprintf(p, sizeof p, "/proc/%d/mem", (int)tracer);
	refuse_open("tracer-mem", p, O_RDONLY);
	refuse_open("tracer-mem-rdwr", p, O_RDWR);
	snprintf(p, sizeof p, "/proc/%d/task/%d/environ", (int)tracer, (int)tracer);
	refuse_open("tracer-task-environ", p, O_RDONLY);
	snprintf(p, sizeof p, "/proc/%d/task/%d/mem", (int)tracer, (int)tracer);
	refuse_open("tracer-task-mem", p, O_RDONLY);
	snprintf(p, sizeof p, "/proc/%d/fd", (int)tracer);
	refuse_open("tracer-fd-list", p, O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof p, "/proc/%d/task/%d/fd", (int)tracer, (int)tracer);
	refuse_open("tracer-task-fd-list", p, O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof p, "/proc/%d/map_files", (int)tracer);
	refuse_open("tracer-map-files", p, O_RDONLY | O_DIRECTORY);

	/* each of its fds (numbers from fdinfo, which is readable) */
	if (!atk_want("tracer-fds"))
		return;
	snprintf(p, sizeof p, "/proc/%d/fdinfo", (int)tracer);
	d = opendir(p);
	if (!d) {
		atk_held("tracer-fds", "fdinfo not listable: %s", strerror(errno));
		return;
	}
	int n = 0, reached = 0;
	while ((e = readdir(d))) {
		char fp[300];
		struct stat st;
		int fd;
		if (e->d_name[0] == '.')
			continue;
		snprintf(fp, sizeof fp, "/proc/%d/fd/%s", (int)tracer, e->d_name);
		n++;
		fd = open(fp, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 &&
		    (!S_ISREG(st.st_mode) || st.st_nlink == 0) && !S_ISCHR(st.st_mode)) {
			atk_escaped("tracer-fds", "opened sysward's fd %s: a nameless object "
				    "(mode 0%o, nlink %ld)", e->d_name, st.st_mode, (long)st.st_nlink);
		} else {
			reached++;
		}
		close(fd);
	}
	closedir(d);
	atk_held("tracer-fds", "%d fds of sysward, %d reached (only by a name we may open)", n,
		 reached);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	atk_controls();
	me = getpid();
	tid = tt_gettid();
	tracer = atk_sysward_pid();
	tt_watchdog(30, "proc-magic attacks");
	secrets_via_magic();
	reopens();
	fd_swap_reopen();
	tracer_files();
	atk_finish();
}
