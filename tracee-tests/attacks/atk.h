/*
 * atk.h: helpers shared by the filesystem attack programs (THREATS A, C, D, E).
 *
 * An attack program runs under the real tracer (driven by checks/attack_run.py, see
 * there), first proves that ordinary work still succeeds (positive controls), then tries
 * each attack of its family for real, with bounded effort and no sleeps.  Every attack
 * ends as one of
 *   held     the attack did not work (printed on stdout, one line)
 *   ESCAPED  it worked: a secret was read, a file outside the sandbox changed, the tracer
 *            was hit (stderr, one line, and a line in ./ESCAPES)
 *   MISMATCH it did not work, but not the way the contract (INTERFACE.md) says: a wrong
 *            errno (stderr, and a line in ./ESCAPES)
 * and the program exits 1 if any attack ESCAPED or MISMATCHed, else 0 (77: cannot run here).
 * Whenever it can, the verdict rests on side effects, not on return values: read buffers
 * are scanned for the secret markers, and the driver compares the victim directory and
 * /etc before and after the run.
 *
 * Secrets, and why they are safe to use:
 *   /etc/shadow                 denied by the default profile; root reads it without the
 *                               tracer, so every "leak" path is testable.  A shadow line is
 *                               "root:" followed by anything but "x:" (passwd has "root:x:").
 *   VICTIM/secret, secret-world the driver's own files with a random "SYSWARD-SECRET-" marker,
 *                               denied by attacks/victim.policy.
 * Targets that must not change are the driver's files in VICTIM (argv[1] where a program
 * takes it), never system files; creations outside are tried only as
 * /etc/sysward-attack-canary-*, which the driver removes and reports.
 *
 * Header-only, like tt.h, so that each attack stays one .c file.
 */
#ifndef SYSWARD_ATK_H
#define SYSWARD_ATK_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>

#include "../tt.h"

#define ATK_SECRET_MARK "SYSWARD-SECRET-"
#define ATK_CANARY_PREFIX "/etc/sysward-attack-canary-"

#define ATK_FN static __attribute__((unused))

static int atk_escapes, atk_mismatches, atk_helds;

/* fstat(2) itself: glibc's fstat is newfstatat(fd, "", AT_EMPTY_PATH), which the tracer
 * traps; the raw call runs natively (and is what a racing thread wants). */
static inline int atk_fstat(int fd, struct stat *st) { return (int)syscall(SYS_fstat, fd, st); }

/* Does buf hold a shadow(5) line of root, or the driver's secret marker? */
ATK_FN bool atk_secret_in(const char *buf, size_t n)
{
	for (size_t i = 0; i + 5 <= n; i++) {
		if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "root:", 5) == 0) {
			/* passwd says root:x:0:0; shadow says root:HASH-or-*-or-!:DAYS */
			if (i + 7 <= n && !(buf[i + 5] == 'x' && buf[i + 6] == ':'))
				return true;
		}
	}
	return memmem(buf, n, ATK_SECRET_MARK, strlen(ATK_SECRET_MARK)) != NULL;
}

ATK_FN double atk_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((format(printf, 2, 3))) ATK_FN void atk_escaped(const char *name, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&atk_escapes, 1, __ATOMIC_SEQ_CST);
	fprintf(stderr, "%s: ESCAPED: %s: %s\n", tt_prog, name, msg);
	tt_record("ESCAPES", "ESCAPED %s: %s", name, msg);
}

__attribute__((format(printf, 2, 3))) ATK_FN void atk_mismatch(const char *name, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	__atomic_add_fetch(&atk_mismatches, 1, __ATOMIC_SEQ_CST);
	fprintf(stderr, "%s: MISMATCH: %s: %s\n", tt_prog, name, msg);
	tt_record("ESCAPES", "MISMATCH %s: %s", name, msg);
}

__attribute__((format(printf, 2, 3))) ATK_FN void atk_held(const char *name, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	atk_helds++;
	printf("held: %s: %s\n", name, msg);
}

/* A read buffer: an escape if it carries a secret. */
ATK_FN bool atk_scan(const char *name, const char *buf, ssize_t n)
{
	if (n > 0 && atk_secret_in(buf, (size_t)n)) {
		atk_escaped(name, "SECRET LEAKED: the bytes read carry a secret marker");
		return true;
	}
	return false;
}

/* Read what fd holds (up to 64 KiB) and scan it; returns true on a leak. */
ATK_FN bool atk_read_scan(const char *name, int fd)
{
	char buf[65536];
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	if (n < 0)
		n = read(fd, buf, sizeof buf);
	return atk_scan(name, buf, n);
}

/*
 * A call that must be refused: `ret`/`err` as captured right after it.  Success is an
 * escape; -1 with another errno than `want` is a mismatch (want 0: any errno will do).
 * Returns true if the call succeeded.
 */
ATK_FN bool atk_refused(const char *name, long ret, int err, int want)
{
	if (ret >= 0) {
		atk_escaped(name, "succeeded (returned %ld), want -1/%s", ret,
			    want ? strerrorname_np(want) : "any errno");
		return true;
	}
	if (want && err != want)
		atk_mismatch(name, "failed with %s, want %s", strerrorname_np(err) ?: "?",
			     strerrorname_np(want));
	else
		atk_held(name, "%s", strerrorname_np(err) ?: "?");
	return false;
}

#define ATK_REFUSED(name, call, want)                                                        \
	({                                                                                   \
		errno = 0;                                                                   \
		long atk_r_ = (long)(call);                                                  \
		int atk_e_ = errno;                                                          \
		atk_refused(name, atk_r_, atk_e_, want);                                     \
	})

/* End of the program: the verdict. */
static inline __attribute__((noreturn)) void atk_finish(void)
{
	if (atk_escapes || atk_mismatches) {
		fprintf(stderr, "%s: FAIL: %d attack(s) escaped, %d mismatch(es), %d held\n",
			tt_prog, atk_escapes, atk_mismatches, atk_helds);
		_exit(TT_FAIL);
	}
	printf("all %d attacks held\n", atk_helds);
	_exit(TT_PASS);
}

/*
 * Positive controls: an allowed write and an allowed read in the working directory, and
 * an allowed read of a system file, still work.  Without them a tracer that refuses
 * everything would pass every attack.
 */
ATK_FN void atk_controls(void)
{
	char buf[64];
	int fd = open("control.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		tt_fail("control failed: create control.txt: %s", strerror(errno));
	tt_write_all(fd, "control\n", 8);
	close(fd);
	fd = open("control.txt", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: open control.txt: %s", strerror(errno));
	if (read(fd, buf, sizeof buf) != 8 || memcmp(buf, "control\n", 8) != 0)
		tt_fail("control failed: control.txt reads back wrong");
	close(fd);
	fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: open /etc/hostname: %s", strerror(errno));
	if (read(fd, buf, sizeof buf) <= 0)
		tt_fail("control failed: read /etc/hostname: %s", strerror(errno));
	close(fd);
}

/* Run by the driver with ATTACK_MODE=bare|audit (proving that a row detects its attack):
 * controls that need the row's policy in effect are skipped then. */
ATK_FN bool atk_unconfined(void) { return getenv("ATTACK_MODE") != NULL; }

/* Write a small file in the working directory (fails the test on error). */
ATK_FN void atk_put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		tt_fail("setup: create %s: %s", path, strerror(errno));
	tt_write_all(fd, text, strlen(text));
	close(fd);
}

/* The inode number of /etc/NAME, from a listing of /etc (allowed; no stat of the file). */
ATK_FN ino_t atk_etc_ino(const char *name)
{
	DIR *d = opendir("/etc");
	struct dirent *e;
	ino_t ino = 0;
	if (!d)
		tt_fail("control failed: opendir /etc: %s", strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, name) == 0)
			ino = e->d_ino;
	closedir(d);
	return ino;
}

/* The process that traces us, if it is sysward (and our parent): else 0.  Attacks on the
 * tracer run only then, so that a run without sysward never signals anything else. */
ATK_FN pid_t atk_sysward_pid(void)
{
	char buf[4096], comm[64];
	pid_t tracer = 0;
	if (tt_read_text("/proc/self/status", buf, sizeof buf) <= 0)
		return 0;
	char *p = strstr(buf, "\nTracerPid:");
	if (p)
		tracer = (pid_t)atoi(p + 11);
	if (tracer <= 0 || tracer != getppid())
		return 0;
	snprintf(buf, sizeof buf, "/proc/%d/comm", (int)tracer);
	if (tt_read_text(buf, comm, sizeof comm) <= 0)
		return 0;
	return strcmp(comm, "sysward\n") == 0 ? tracer : 0;
}

/* argv[1]: the driver's victim directory (checks/attack_run.py makes it). */
ATK_FN const char *atk_victim_dir(int argc, char **argv)
{
	struct stat st;
	if (argc < 2 || argv[1][0] != '/')
		tt_skip("usage: %s VICTIM-DIR (run by checks/attack_run.py)", argv[0]);
	if (stat(argv[1], &st) < 0 || !S_ISDIR(st.st_mode))
		tt_fail("control failed: victim directory %s: %s", argv[1], strerror(errno));
	return argv[1];
}

/* What an attack could change about a victim file (read with lstat: reading is allowed). */
struct atk_fstate {
	int exists;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	off_t size;
	nlink_t nlink;
	ino_t ino;
	long mtime_s, mtime_ns, ctime_s, ctime_ns;
	ssize_t xattrs; /* bytes of the xattr name list */
};

ATK_FN struct atk_fstate atk_fstate(const char *path)
{
	struct atk_fstate f;
	struct stat st;
	char names[1024];
	memset(&f, 0, sizeof f);
	if (lstat(path, &st) < 0)
		return f;
	f.exists = 1;
	f.mode = st.st_mode;
	f.uid = st.st_uid;
	f.gid = st.st_gid;
	f.size = st.st_size;
	f.nlink = st.st_nlink;
	f.ino = st.st_ino;
	f.mtime_s = st.st_mtim.tv_sec;
	f.mtime_ns = st.st_mtim.tv_nsec;
	f.ctime_s = st.st_ctim.tv_sec;
	f.ctime_ns = st.st_ctim.tv_nsec;
	f.xattrs = llistxattr(path, names, sizeof names);
	return f;
}

/* "" if a and b agree, else what differs. */
ATK_FN const char *atk_fstate_diff(const struct atk_fstate *a, const struct atk_fstate *b)
{
	if (a->exists != b->exists)
		return b->exists ? "created" : "removed";
	if (!a->exists)
		return "";
	if (a->ino != b->ino)
		return "replaced";
	if (a->mode != b->mode)
		return "mode changed";
	if (a->uid != b->uid || a->gid != b->gid)
		return "owner changed";
	if (a->size != b->size)
		return "size changed";
	if (a->nlink != b->nlink)
		return "link count changed";
	if (a->mtime_s != b->mtime_s || a->mtime_ns != b->mtime_ns)
		return "mtime changed";
	if (a->xattrs != b->xattrs)
		return "xattrs changed";
	if (a->ctime_s != b->ctime_s || a->ctime_ns != b->ctime_ns)
		return "ctime changed";
	return "";
}

/* A flag shared with racing threads and processes. */
static volatile int atk_stop;

/* Which sub-attacks to run: all, unless names are given after the fixed arguments. */
static char **atk_only;
static int atk_nonly;
ATK_FN void atk_select(int argc, char **argv, int first)
{
	if (argc > first) {
		atk_only = argv + first;
		atk_nonly = argc - first;
	}
}
ATK_FN bool atk_want(const char *name)
{
	if (!atk_nonly)
		return true;
	for (int i = 0; i < atk_nonly; i++)
		if (strcmp(atk_only[i], name) == 0)
			return true;
	return false;
}

#endif
