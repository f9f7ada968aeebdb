/*
 * race-path: change a path argument in memory while the tracer looks at it (THREATS D).
 *
 * usage: race-path thread|process [SUB-ATTACK...]
 *   thread   a second thread of this process flips the path buffer
 *   process  a forked process flips it through a MAP_SHARED anonymous page
 *
 * The flipper writes, as fast as it can and with no system call, either one of two names
 * into the buffer the main thread passes to the kernel: an allowed one ("allowed.txt" in the
 * working directory) and a refused one ("/etc/shadow").  A tracer that judges one reading
 * of the buffer and lets the kernel read the buffer again is beaten: the kernel must read a
 * copy the tracee cannot change (the arena).  The "-empty" attacks flip only the first byte
 * ("" vs "/etc/shadow"): an empty name is where a tracer may think there is nothing to judge.
 *
 * Each sub-attack runs ATK_ITER times or ATK_SECONDS, whichever ends first, and stops at
 * the first escape.  Verdicts by side effect: a read that returns a shadow line, an fd or a
 * stat result whose inode is /etc/shadow's (from a listing of /etc), a hard link to it in
 * the working directory, a canary in /etc.
 */
#include <linux/openat2.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "atk.h"

#define ATK_ITER 100000
#define ATK_SECONDS 1.0

#define SECRET "/etc/shadow"
#define ALLOWED "allowed.txt" /* same length as SECRET: every mix of the two is a name too */
#define CANARY ATK_CANARY_PREFIX "race-rename"
#define LOCAL_T "rename-target-in-the-workdir-x" /* rename's allowed target */

struct shared {
	volatile int stop;
	volatile int mode; /* 0 idle, 1 flip whole names, 2 flip the first byte */
	char a[64], b[64];
	char buf[256] __attribute__((aligned(64)));
};
static struct shared *sh;
static ino_t shadow_ino;

static void flip_forever(void)
{
	size_t la, lb;
	while (!sh->stop) {
		switch (sh->mode) {
		case 1:
			la = strlen(sh->a) + 1;
			lb = strlen(sh->b) + 1;
			memcpy(sh->buf, sh->a, la);
			__asm__ volatile("" ::: "memory");
			memcpy(sh->buf, sh->b, lb);
			__asm__ volatile("" ::: "memory");
			break;
		case 2:
			sh->buf[0] = '\0';
			__asm__ volatile("" ::: "memory");
			sh->buf[0] = '/';
			__asm__ volatile("" ::: "memory");
			break;
		default:
			__asm__ volatile("pause");
		}
	}
}

static void *flip_thread(void *arg)
{
	(void)arg;
	flip_forever();
	return NULL;
}

static void set_flip(int mode, const char *a, const char *b)
{
	sh->mode = 0;
	__sync_synchronize();
	snprintf(sh->a, sizeof sh->a, "%s", a);
	snprintf(sh->b, sizeof sh->b, "%s", b);
	memcpy(sh->buf, b, strlen(b) + 1);
	__sync_synchronize();
	sh->mode = mode;
}

/* Is this stat result /etc/shadow? */
static bool is_shadow(dev_t dev, ino_t ino)
{
	static dev_t etc_dev = (dev_t)-1;
	if (etc_dev == (dev_t)-1) {
		struct stat st;
		etc_dev = stat("/etc", &st) == 0 ? st.st_dev : 0;
	}
	return ino == shadow_ino && dev == etc_dev;
}

/* An fd the kernel gave us: an escape if it is the secret, or reads like it. */
static bool judge_fd(const char *name, int fd)
{
	struct stat st;
	bool leaked = false;
	if (fstat(fd, &st) == 0 && is_shadow(st.st_dev, st.st_ino)) {
		atk_escaped(name, "SECRET LEAKED: the kernel opened /etc/shadow (fd %d)", fd);
		leaked = true;
	}
	if (!leaked)
		leaked = atk_read_scan(name, fd);
	close(fd);
	return leaked;
}

typedef bool (*attempt_fn)(const char *name, long *nok);

/* Run one sub-attack under the current flip mode until an escape or the budget is used. */
static void run_attack(const char *name, int mode, const char *a, const char *b, attempt_fn fn)
{
	long i, nok = 0;
	bool esc = false;
	double t0 = atk_now();

	if (!atk_want(name))
		return;
	set_flip(mode, a, b);
	for (i = 0; i < ATK_ITER && !esc; i++) {
		esc = fn(name, &nok);
		if ((i & 63) == 0 && atk_now() - t0 > ATK_SECONDS)
			break;
	}
	sh->mode = 0;
	if (!esc)
		atk_held(name, "%ld tries in %.2fs, %ld succeeded on the allowed name", i,
			 atk_now() - t0, nok);
}

/* ---- the attempts --------------------------------------------------------------------- */

static bool try_open(const char *name, long *nok)
{
	int fd = open(sh->buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(name, fd);
}

static bool try_openat(const char *name, long *nok)
{
	int fd = openat(AT_FDCWD, sh->buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(name, fd);
}

static bool try_openat2(const char *name, long *nok)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, sh->buf, &how, sizeof how);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(name, fd);
}

static bool try_stat(const char *name, long *nok)
{
	struct stat st;
	if (stat(sh->buf, &st) < 0)
		return false;
	++*nok;
	if (is_shadow(st.st_dev, st.st_ino)) {
		atk_escaped(name, "stat of /etc/shadow succeeded (metadata of a refused file)");
		return true;
	}
	return false;
}

static bool try_newfstatat(const char *name, long *nok)
{
	struct stat st;
	if (fstatat(AT_FDCWD, sh->buf, &st, 0) < 0)
		return false;
	++*nok;
	if (is_shadow(st.st_dev, st.st_ino)) {
		atk_escaped(name, "newfstatat of /etc/shadow succeeded");
		return true;
	}
	return false;
}

static bool try_statx(const char *name, long *nok)
{
	struct statx sx;
	if (statx(AT_FDCWD, sh->buf, 0, STATX_INO, &sx) < 0)
		return false;
	++*nok;
	if (is_shadow(makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino)) {
		atk_escaped(name, "statx of /etc/shadow succeeded");
		return true;
	}
	return false;
}

/* statx(AT_FDCWD, name, AT_EMPTY_PATH): "" means the cwd, anything else is a path. */
static bool try_statx_empty(const char *name, long *nok)
{
	struct statx sx;
	if (statx(AT_FDCWD, sh->buf, AT_EMPTY_PATH, STATX_INO, &sx) < 0)
		return false;
	++*nok;
	if (is_shadow(makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino)) {
		atk_escaped(name, "statx(AT_EMPTY_PATH) reached /etc/shadow");
		return true;
	}
	return false;
}

/* link(NAME, "lnk"): a hard link to the secret in the working directory is a read of it. */
static bool try_link(const char *name, long *nok)
{
	struct stat st;
	bool leaked = false;
	if (link(sh->buf, "lnk") < 0)
		return false;
	++*nok;
	if (lstat("lnk", &st) == 0 && is_shadow(st.st_dev, st.st_ino)) {
		int fd = open("lnk", O_RDONLY | O_CLOEXEC);
		atk_escaped(name, "link() made a hard link to /etc/shadow in the working directory");
		if (fd >= 0)
			judge_fd(name, fd);
		leaked = true;
	}
	unlink("lnk");
	return leaked;
}

/* rename("src", NAME): NAME is a name in the workdir or a canary in /etc. */
static bool try_rename(const char *name, long *nok)
{
	if (rename("src", sh->buf) < 0)
		return false;
	++*nok;
	if (rename(LOCAL_T, "src") == 0) /* it went where we named it: put it back */
		return false;
	atk_put("src", "src\n", 0644);
	if (atk_etc_ino(CANARY + 5)) {
		atk_escaped(name, "rename() moved a file of the workdir to " CANARY);
		return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	pthread_t th;
	pid_t child = -1;
	bool process;

	tt_init(argc, argv);
	if (argc < 2 || (strcmp(argv[1], "thread") && strcmp(argv[1], "process")))
		tt_fail("usage: race-path thread|process [SUB-ATTACK...]");
	process = strcmp(argv[1], "process") == 0;
	atk_select(argc, argv, 2);
	atk_controls();
	atk_put(ALLOWED, "allowed\n", 0644);
	atk_put("src", "src\n", 0644);
	shadow_ino = atk_etc_ino("shadow");
	if (!shadow_ino)
		tt_skip("no /etc/shadow on this machine");
	tt_watchdog(50, "race-path attacks");

	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		tt_fail("mmap: %s", strerror(errno));
	if (process) {
		child = tt_fork();
		if (child == 0) {
			flip_forever();
			_exit(0);
		}
	} else if (pthread_create(&th, NULL, flip_thread, NULL) != 0) {
		tt_fail("pthread_create failed");
	}

	/* whole names, allowed vs refused: the arena must hold */
	run_attack("open", 1, ALLOWED, SECRET, try_open);
	run_attack("openat", 1, ALLOWED, SECRET, try_openat);
	run_attack("openat2", 1, ALLOWED, SECRET, try_openat2);
	run_attack("stat", 1, ALLOWED, SECRET, try_stat);
	run_attack("newfstatat", 1, ALLOWED, SECRET, try_newfstatat);
	run_attack("statx", 1, ALLOWED, SECRET, try_statx);
	run_attack("link", 1, ALLOWED, SECRET, try_link);
	run_attack("rename", 1, LOCAL_T, CANARY, try_rename);
	/* the first byte only: "" vs "/etc/shadow" */
	run_attack("open-empty", 2, "", SECRET, try_open);
	run_attack("stat-empty", 2, "", SECRET, try_stat);
	run_attack("statx-empty-path", 2, "", SECRET, try_statx_empty);
	run_attack("link-empty", 2, "", SECRET, try_link);

	sh->stop = 1;
	if (process)
		tt_wait_exit(child, 0, 0, "flipper process");
	else
		pthread_join(th, NULL);
	atk_finish();
}
