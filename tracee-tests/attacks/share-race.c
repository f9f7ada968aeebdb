/*
 * share-race: a task that shares this process's working directory or fd table, and not its
 * memory, changes what a relative name means between the tracer's check and the kernel's
 * walk (THREATS E: "relative paths, cwd races, dirfds").
 *
 * usage: share-race VICTIM [SUB-ATTACK...]      (--profile default -p attacks/victim.policy)
 *   cwd-clonefs       a sibling made with clone(CLONE_FS|SIGCHLD) (no CLONE_VM) fchdir()s
 *                     between /etc and VICTIM as fast as it can, while this process calls
 *                       cwd-clonefs-open         open(2) of "secret" (x86_64)
 *                       cwd-clonefs-openat       openat(AT_FDCWD, "secret")
 *                       cwd-clonefs-stat         stat(2) of "secret" (x86_64)
 *                       cwd-clonefs-newfstatat   newfstatat(AT_FDCWD, "secret")
 *   dirfd-clonefiles  a sibling made with clone(CLONE_FILES|SIGCHLD) dup2()s an /etc and a
 *                     VICTIM directory fd onto one number N, while this process calls
 *                       dirfd-clonefiles-openat      openat(N, "secret")
 *                       dirfd-clonefiles-newfstatat  newfstatat(N, "secret")
 *   dirfd-thread      the same, with a thread doing the dup2()s (dirfd-thread-openat,
 *                     dirfd-thread-newfstatat)
 *   link-workdir      a forked sibling (sharing nothing) swaps two symlinks of the working
 *                     directory, lnk -> /etc and lnk.alt -> VICTIM (RENAME_EXCHANGE), while
 *                     this process opens and stats "lnk/secret" (link-workdir-openat,
 *                     link-workdir-newfstatat): the judged path is outside every writable
 *                     directory, but the walk to it goes through one
 * A family name selects all its sub-attacks.
 *
 * "secret" is /etc/secret (allowed to read; there is no such file) or VICTIM/secret (refused
 * by attacks/victim.policy), whichever directory the sibling has put in place.  Both lie
 * outside every writable directory, so a tracer may take the single-stop path for them: let
 * the kernel walk the tracee's own relative name instead of the absolute name it judged.
 * The kernel then walks from the directory that is there by then, which is safe only if no
 * other task shares the cwd (CLONE_FS) or the fd table (CLONE_FILES, a thread).  The name
 * lies in private anonymous memory that the clone(CLONE_FS) and clone(CLONE_FILES)
 * siblings do not share, so for them only the tracer's sharing checks stop the attack (a
 * thread shares the address space too: dirfd-thread is also stopped by that check).
 *
 * Each sub-attack runs ATK_ITER times or ATK_SECONDS, whichever ends first, and stops at the
 * first escape.  Verdicts by side effect: an fd whose inode is VICTIM/secret's (from a
 * listing of VICTIM) or whose bytes carry the secret's marker, a stat result with that
 * inode.  An escape is reported once the sibling is gone and the working directory is ours
 * again (its record goes to ./ESCAPES).  The held lines count the tries that met ENOENT
 * (the /etc side) and another error (the VICTIM side): both show the flips were live.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "atk.h"

#define ATK_ITER 100000
#define ATK_SECONDS 0.1

#define NAME_SECRET "secret"  /* VICTIM/secret, or /etc/secret (none) */
#define NAME_ALLOWED "victim" /* VICTIM/victim: readable (the controls) */

enum sibling { SIB_CLONEFS, SIB_CLONEFILES, SIB_THREAD, SIB_LINKS };

static const char *V;
static int etc_fd, victim_fd, home_fd; /* O_PATH directory fds */
static int flip_fd = -1;               /* N: the dirfd the dirfd attacks use */
static char *name;                     /* "secret", in a private anonymous page */
static dev_t secret_dev;
static ino_t secret_ino;
static volatile int thread_stop, thread_failed, thread_running;
static int ready[2]; /* a clone sibling writes a byte here once it runs */

/* The inode number of DIR/NAME, from a listing of DIR (no stat of the file itself). */
static ino_t dir_ino(const char *dir, const char *file)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	ino_t ino = 0;
	if (!d)
		tt_fail("control failed: opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, file) == 0)
			ino = e->d_ino;
	closedir(d);
	return ino;
}

static bool is_secret(dev_t dev, ino_t ino) { return ino == secret_ino && dev == secret_dev; }

/* ---- the siblings ---------------------------------------------------------------------- */

static __attribute__((noreturn)) void flip_cwd_forever(void)
{
	for (;;)
		if (fchdir(etc_fd) < 0 || fchdir(victim_fd) < 0)
			_exit(1);
}

static __attribute__((noreturn)) void flip_fd_forever(void)
{
	for (;;)
		if (dup2(etc_fd, flip_fd) < 0 || dup2(victim_fd, flip_fd) < 0)
			_exit(1);
}

/* link-workdir: a forked sibling (sharing nothing) swaps two symlinks of the working
 * directory, "lnk" -> /etc and "lnk.alt" -> VICTIM, with RENAME_EXCHANGE */
static __attribute__((noreturn)) void flip_links_forever(void)
{
	for (;;)
		if (syscall(SYS_renameat2, AT_FDCWD, "lnk", AT_FDCWD, "lnk.alt", 2 /* EXCHANGE */) < 0)
			_exit(1);
}

static void *flip_fd_thread(void *arg)
{
	(void)arg;
	thread_running = 1;
	while (!thread_stop) {
		if (dup2(etc_fd, flip_fd) < 0 || dup2(victim_fd, flip_fd) < 0) {
			thread_failed = errno;
			break;
		}
	}
	return NULL;
}

/* A raw clone(flags|SIGCHLD) with no CLONE_VM: the child runs on a copy of our memory, like
 * after fork, and shares only what flags say.  It ends when we kill it, or with us. */
static pid_t spawn_sibling(unsigned long flags, void (*body)(void))
{
	pid_t parent = getpid();
	long r = syscall(SYS_clone, flags | SIGCHLD, 0L, NULL, NULL, 0L);
	if (r < 0)
		tt_fail("clone(%#lx|SIGCHLD): %s", flags, strerror(errno));
	if (r == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent || write(ready[1], "", 1) != 1)
			_exit(0);
		body();
	}
	return (pid_t)r;
}

struct flipper {
	enum sibling kind;
	pid_t pid;
	pthread_t th;
};

/* Start the flipper and wait until it runs: no try is spent before that. */
static void flipper_start(struct flipper *f)
{
	char c;

	tt_watch("the flipper to start");
	switch (f->kind) {
	case SIB_CLONEFS:
		f->pid = spawn_sibling(CLONE_FS, flip_cwd_forever);
		break;
	case SIB_CLONEFILES:
		f->pid = spawn_sibling(CLONE_FILES, flip_fd_forever);
		break;
	case SIB_LINKS:
		f->pid = spawn_sibling(0, flip_links_forever);
		break;
	case SIB_THREAD:
		thread_stop = thread_running = 0;
		if (pthread_create(&f->th, NULL, flip_fd_thread, NULL) != 0)
			tt_fail("pthread_create failed");
		while (!thread_running)
			sched_yield();
		break;
	}
	if (f->kind != SIB_THREAD && read(ready[0], &c, 1) != 1)
		tt_fail("the flipper (pid %d) did not start: %s", (int)f->pid, strerror(errno));
	tt_watch("share-race attacks");
}

/* Stop the flipper and take the working directory back; fail if it stopped on its own. */
static void flipper_stop(struct flipper *f)
{
	char b[64];
	int st = 0;

	if (f->kind == SIB_THREAD) {
		thread_stop = 1;
		pthread_join(f->th, NULL);
	} else {
		kill(f->pid, SIGKILL);
		st = tt_wait(f->pid, 0);
	}
	if (fchdir(home_fd) < 0)
		tt_fail("fchdir back to the working directory: %s", strerror(errno));
	if (f->kind == SIB_THREAD) {
		if (thread_failed)
			tt_fail("control failed: the flipper thread: dup2: %s",
				strerror(thread_failed));
	} else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		tt_fail("control failed: the flipper (pid %d) stopped early: %s", (int)f->pid,
			tt_status_str(st, b, sizeof b));
	}
}

/* ---- the attempts: 1 escaped (why says how), 0 succeeded harmlessly, else -errno ------- */

typedef int (*attempt_fn)(int dirfd, char *why, size_t len);

/* An fd the kernel gave us: an escape if it is the secret, or reads like it.  Nothing is
 * written here: the cwd may be anything now. */
static int judge_fd(int fd, char *why, size_t len)
{
	struct stat st;
	char buf[4096];
	bool ino = atk_fstat(fd, &st) == 0 && is_secret(st.st_dev, st.st_ino);
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	bool leak = n > 0 && atk_secret_in(buf, (size_t)n);

	close(fd);
	if (!ino && !leak)
		return 0;
	snprintf(why, len, "SECRET LEAKED: %s%s%s", ino ? "the kernel opened VICTIM/secret" : "",
		 ino && leak ? ", and " : "", leak ? "the bytes read carry the secret's marker" : "");
	return 1;
}

static int judge_stat(dev_t dev, ino_t ino, const char *call, char *why, size_t len)
{
	if (!is_secret(dev, ino))
		return 0;
	snprintf(why, len, "%s reached VICTIM/secret (metadata of a refused file)", call);
	return 1;
}

#ifdef __x86_64__
/* open(2) and stat(2) themselves: libc's open() and stat() are openat and newfstatat */
static int try_open(int dirfd, char *why, size_t len)
{
	int fd = (int)syscall(SYS_open, name, O_RDONLY | O_CLOEXEC);
	(void)dirfd;
	return fd < 0 ? -errno : judge_fd(fd, why, len);
}

static int try_stat(int dirfd, char *why, size_t len)
{
	struct stat st; /* the kernel's struct stat on x86_64 */
	(void)dirfd;
	if (syscall(SYS_stat, name, &st) < 0)
		return -errno;
	return judge_stat(st.st_dev, st.st_ino, "stat(2)", why, len);
}
#endif

static int try_openat(int dirfd, char *why, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : judge_fd(fd, why, len);
}

static int try_newfstatat(int dirfd, char *why, size_t len)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, 0) < 0)
		return -errno;
	return judge_stat(st.st_dev, st.st_ino, "newfstatat", why, len);
}

/* One sub-attack: start the flipper, try until an escape or the budget is used, stop it. */
static void run_attack(const char *family, const char *sub, enum sibling kind, int dirfd,
		       attempt_fn fn)
{
	char full[96], why[300] = "";
	struct flipper f = { .kind = kind };
	long i, nenoent = 0, nother = 0, nok = 0;
	int other = 0, r = 0;
	double t0;

	snprintf(full, sizeof full, "%s-%s", family, sub);
	if (!atk_want(family) && !atk_want(full))
		return;
	flipper_start(&f);
	t0 = atk_now();
	for (i = 0; i < ATK_ITER;) {
		r = fn(dirfd, why, sizeof why);
		i++;
		if (r > 0)
			break;
		if (r == 0) {
			nok++;
		} else if (r == -ENOENT) {
			nenoent++;
		} else {
			nother++;
			other = -r;
		}
		if ((i & 63) == 0 && atk_now() - t0 > ATK_SECONDS)
			break;
	}
	flipper_stop(&f);
	if (r > 0)
		atk_escaped(full, "%s (try %ld)", why, i);
	else
		atk_held(full, "%ld tries in %.2fs: %ld ENOENT (the /etc side), %ld %s (the "
			 "VICTIM side)%s", i, atk_now() - t0, nenoent, nother,
			 other ? strerrorname_np(other) : "errors",
			 nok ? ", some opened something harmless" : "");
}

/* ---- controls --------------------------------------------------------------------------- */

static int open_dir(const char *path)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: open %s O_PATH: %s", path, strerror(errno));
	return fd;
}

/* A relative name works from VICTIM (as cwd and as dirfd), and VICTIM/secret is refused:
 * without them a refused read would prove nothing. */
static void relative_controls(void)
{
	char buf[64];
	int fd;

	if (fchdir(victim_fd) < 0)
		tt_fail("control failed: fchdir VICTIM: %s", strerror(errno));
	fd = open(NAME_ALLOWED, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: open %s from VICTIM: %s", NAME_ALLOWED, strerror(errno));
	if (read(fd, buf, sizeof buf) < 14 || memcmp(buf, "VICTIM-CONTENT", 14) != 0)
		tt_fail("control failed: VICTIM/%s reads back wrong", NAME_ALLOWED);
	close(fd);
	fd = open(NAME_SECRET, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (fchdir(home_fd) < 0)
		tt_fail("fchdir back to the working directory: %s", strerror(errno));
	if (fd >= 0 && !atk_unconfined())
		tt_fail("control failed: VICTIM/secret opens: is attacks/victim.policy in effect?");
	fd = openat(victim_fd, NAME_ALLOWED, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: openat(VICTIM, %s): %s", NAME_ALLOWED, strerror(errno));
	close(fd);
	fd = openat(etc_fd, "hostname", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: openat(/etc, hostname): %s", strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	struct stat st;

	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	atk_controls();
	if (atk_etc_ino(NAME_SECRET))
		tt_skip("/etc/%s exists on this machine", NAME_SECRET);
	etc_fd = open_dir("/etc");
	victim_fd = open_dir(V);
	home_fd = open_dir(".");
	if (stat(V, &st) < 0)
		tt_fail("control failed: stat %s: %s", V, strerror(errno));
	secret_dev = st.st_dev;
	secret_ino = dir_ino(V, NAME_SECRET);
	if (!secret_ino)
		tt_fail("control failed: no %s/%s", V, NAME_SECRET);
	relative_controls();
	tt_watchdog(50, "share-race attacks");
	tt_pipe(ready);

	/* the name in private anonymous memory, as a single-stop tracer wants it */
	name = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (name == MAP_FAILED)
		tt_fail("mmap: %s", strerror(errno));
	strcpy(name, NAME_SECRET);

	/* the cwd, shared by clone(CLONE_FS) */
#ifdef __x86_64__
	run_attack("cwd-clonefs", "open", SIB_CLONEFS, AT_FDCWD, try_open);
#endif
	run_attack("cwd-clonefs", "openat", SIB_CLONEFS, AT_FDCWD, try_openat);
#ifdef __x86_64__
	run_attack("cwd-clonefs", "stat", SIB_CLONEFS, AT_FDCWD, try_stat);
#endif
	run_attack("cwd-clonefs", "newfstatat", SIB_CLONEFS, AT_FDCWD, try_newfstatat);

	/* a dirfd, shared by clone(CLONE_FILES) and by threads */
	flip_fd = fcntl(etc_fd, F_DUPFD_CLOEXEC, 100);
	if (flip_fd < 0)
		tt_fail("F_DUPFD: %s", strerror(errno));
	run_attack("dirfd-clonefiles", "openat", SIB_CLONEFILES, flip_fd, try_openat);
	run_attack("dirfd-clonefiles", "newfstatat", SIB_CLONEFILES, flip_fd, try_newfstatat);
	run_attack("dirfd-thread", "openat", SIB_THREAD, flip_fd, try_openat);
	run_attack("dirfd-thread", "newfstatat", SIB_THREAD, flip_fd, try_newfstatat);
	close(flip_fd);

	/* a symlink in the working directory, which the sandbox may change, on the way to a
	 * name outside it: "lnk/secret" is /etc/secret or VICTIM/secret */
	if (symlink("/etc", "lnk") < 0 || symlink(V, "lnk.alt") < 0)
		tt_fail("setup: symlink: %s", strerror(errno));
	name += 64;
	strcpy(name, "lnk/" NAME_SECRET);
	run_attack("link-workdir", "openat", SIB_LINKS, AT_FDCWD, try_openat);
	run_attack("link-workdir", "newfstatat", SIB_LINKS, AT_FDCWD, try_newfstatat);
	unlink("lnk");
	unlink("lnk.alt");
	atk_finish();
}
