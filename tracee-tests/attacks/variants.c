/*
 * variants: every path system call, every spelling of a path, on a refused file (THREATS A,
 * E: "default deny and every variant").
 *
 * usage: variants VICTIM [SUB-ATTACK...]       (--profile default -p attacks/victim.policy)
 *
 * Reads: /etc/shadow and VICTIM/secret-world (both refused for reading) through open,
 *   openat, openat2 (each RESOLVE flag, an oversized open_how), creat, O_PATH, stat, lstat,
 *   newfstatat, statx, access, faccessat, faccessat2, readlink(at), statfs, chdir, getxattr,
 *   lgetxattr, listxattr, llistxattr, getxattrat, listxattrat, file_getattr,
 *   name_to_handle_at, inotify_add_watch, execve, uselib; and through spellings of the name:
 *   //, /./, /../, a relative ../.., a dirfd of /etc (O_RDONLY and O_PATH), a symlink in the
 *   working directory, a name of 4000 bytes made of ./, 64-bit flag words.
 *   Every one must fail with EACCES (EPERM for the `priv` calls; any errno where sysward
 *   refuses a feature, such as RESOLVE_BENEATH); an open that succeeds is read and scanned.
 * Writes: every call that creates, changes, renames or removes, aimed at VICTIM (not
 *   writable), and creations of /etc/sysward-attack-canary-*.  Each must fail with EACCES
 *   (EPERM for acct, swapon, mount) and leave its target as it was (lstat + xattrs here,
 *   everything again in the driver).
 */
#include <linux/openat2.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <utime.h>

#include "atk.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#define NR_setxattrat 463
#define NR_getxattrat 464
#define NR_listxattrat 465
#define NR_removexattrat 466
#define NR_file_getattr 468
#define NR_file_setattr 469

static const char *V;

/* VICTIM/rel, in one of a few rotating buffers (a call may take two). */
static const char *vp(const char *rel)
{
	static char bufs[4][4200];
	static int k;
	char *b = bufs[k++ & 3];
	snprintf(b, sizeof bufs[0], "%s/%s", V, rel);
	return b;
}

/* ---- reads -------------------------------------------------------------------------------- */

/* A read-type call that must fail; ret >= 0 that is an fd is read and scanned. */
static void judge_read(const char *name, long ret, int err, int want, bool is_fd)
{
	if (ret >= 0 && is_fd) {
		atk_escaped(name, "opened (fd %ld)", ret);
		atk_read_scan(name, (int)ret);
		close((int)ret);
		return;
	}
	atk_refused(name, ret, err, want);
}

#define R(name, want, call) RX(name, want, false, call)
#define RFD(name, want, call) RX(name, want, true, call)
#define RX(name, want, is_fd, call)                                                          \
	do {                                                                                 \
		if (atk_want(name)) {                                                        \
			errno = 0;                                                           \
			long r_ = (long)(call);                                              \
			int e_ = errno;                                                      \
			judge_read(name, r_, e_, want, is_fd);                               \
		}                                                                            \
	} while (0)

static long openat2_(int dfd, const char *p, uint64_t flags, uint64_t resolve, size_t extra)
{
	struct {
		struct open_how how;
		unsigned char pad[64];
	} h;
	memset(&h, 0, sizeof h);
	h.how.flags = flags;
	h.how.resolve = resolve;
	if (extra)
		h.pad[extra - 1] = 1; /* a non-zero byte past the struct: E2BIG */
	return syscall(SYS_openat2, dfd, p, &h, sizeof h.how + extra);
}

static void reads_of(const char *tag, const char *secret)
{
	char n[128], buf[256];
	struct stat st;
	struct statx sx;
	struct statfs sf;
	struct {
		uint64_t value;
		uint32_t size, flags;
	} xa = { (uint64_t)(uintptr_t)buf, sizeof buf, 0 };
	uint32_t fattr[5];
	struct {
		struct file_handle fh;
		unsigned char b[128];
	} h;
	int mid;

#define N(s) (snprintf(n, sizeof n, "%s-%s", s, tag), n)
	RFD(N("open"), EACCES, open(secret, O_RDONLY | O_CLOEXEC));
	RFD(N("open-path"), EACCES, open(secret, O_PATH | O_CLOEXEC));
	RFD(N("open-64bit-flags"), EACCES, syscall(SYS_open, secret, (1UL << 32) | O_RDONLY, 0));
	RFD(N("open-creat-existing"), EACCES, open(secret, O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
	RFD(N("openat"), EACCES, openat(AT_FDCWD, secret, O_RDONLY | O_CLOEXEC));
	RFD(N("openat2"), EACCES, openat2_(AT_FDCWD, secret, O_RDONLY, 0, 0));
	RFD(N("openat2-no-symlinks"), EACCES,
	    openat2_(AT_FDCWD, secret, O_RDONLY, RESOLVE_NO_SYMLINKS, 0));
	RFD(N("openat2-no-magiclinks"), EACCES,
	    openat2_(AT_FDCWD, secret, O_RDONLY, RESOLVE_NO_MAGICLINKS, 0));
	RFD(N("openat2-no-xdev"), EACCES, openat2_(AT_FDCWD, secret, O_RDONLY, RESOLVE_NO_XDEV, 0));
	RFD(N("openat2-cached"), EACCES, openat2_(AT_FDCWD, secret, O_RDONLY, RESOLVE_CACHED, 0));
	RFD(N("openat2-64bit-flags"), 0, openat2_(AT_FDCWD, secret, (1ULL << 40) | O_RDONLY, 0, 0));
	RFD(N("openat2-big-how"), 0, openat2_(AT_FDCWD, secret, O_RDONLY, 0, 8));
	{
		int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		RFD(N("openat2-beneath"), 0,
		    openat2_(root, secret + 1, O_RDONLY, RESOLVE_BENEATH, 0));
		RFD(N("openat2-in-root"), 0, openat2_(root, secret, O_RDONLY, RESOLVE_IN_ROOT, 0));
		close(root);
	}
	R(N("stat"), EACCES, stat(secret, &st));
	R(N("lstat"), EACCES, lstat(secret, &st));
	R(N("newfstatat"), EACCES, fstatat(AT_FDCWD, secret, &st, 0));
	R(N("newfstatat-nofollow"), EACCES, fstatat(AT_FDCWD, secret, &st, AT_SYMLINK_NOFOLLOW));
	R(N("newfstatat-empty-path-flag"), EACCES, fstatat(AT_FDCWD, secret, &st, AT_EMPTY_PATH));
	R(N("statx"), EACCES, statx(AT_FDCWD, secret, 0, STATX_ALL, &sx));
	R(N("statx-nofollow"), EACCES, statx(AT_FDCWD, secret, AT_SYMLINK_NOFOLLOW, STATX_ALL, &sx));
	R(N("access"), EACCES, access(secret, R_OK));
	R(N("access-f-ok"), EACCES, access(secret, F_OK));
	R(N("faccessat"), EACCES, syscall(SYS_faccessat, AT_FDCWD, secret, R_OK));
	R(N("faccessat2"), EACCES, syscall(SYS_faccessat2, AT_FDCWD, secret, R_OK, AT_EACCESS));
	R(N("readlink"), EACCES, readlink(secret, buf, sizeof buf));
	R(N("readlinkat"), EACCES, readlinkat(AT_FDCWD, secret, buf, sizeof buf));
	R(N("statfs"), EACCES, statfs(secret, &sf));
	R(N("chdir"), EACCES, chdir(secret));
	R(N("getxattr"), EACCES, getxattr(secret, "user.sysward", buf, sizeof buf));
	R(N("lgetxattr"), EACCES, lgetxattr(secret, "user.sysward", buf, sizeof buf));
	R(N("listxattr"), EACCES, listxattr(secret, buf, sizeof buf));
	R(N("llistxattr"), EACCES, llistxattr(secret, buf, sizeof buf));
	R(N("getxattrat"), EACCES,
	  syscall(NR_getxattrat, AT_FDCWD, secret, 0, "user.sysward", &xa, sizeof xa));
	R(N("listxattrat"), EACCES, syscall(NR_listxattrat, AT_FDCWD, secret, 0, buf, sizeof buf));
	R(N("file_getattr"), EACCES,
	  syscall(NR_file_getattr, AT_FDCWD, secret, fattr, sizeof fattr, 0));
	h.fh.handle_bytes = sizeof h.b;
	R(N("name_to_handle_at"), EACCES, name_to_handle_at(AT_FDCWD, secret, &h.fh, &mid, 0));
	{
		int ifd = inotify_init1(IN_CLOEXEC);
		R(N("inotify_add_watch"), EACCES, inotify_add_watch(ifd, secret, IN_ACCESS));
		close(ifd);
	}
	R(N("uselib"), EPERM, syscall(SYS_uselib, secret));
	if (atk_want(N("execve"))) {
		pid_t pid = tt_fork();
		if (pid == 0) {
			char *argv[] = { "x", NULL };
			execve(secret, argv, environ);
			_exit(errno == EACCES ? 100 : 101);
		}
		int stt = tt_wait(pid, 0);
		atk_refused(n, WIFEXITED(stt) && WEXITSTATUS(stt) >= 100 ? -1 : 0,
			    WIFEXITED(stt) && WEXITSTATUS(stt) == 100 ? EACCES : EIO, EACCES);
	}
#undef N
}

/* Other spellings of the name of /etc/shadow. */
static void spellings(void)
{
	char cwd[4096], rel[4200], longname[4096];
	int etc, etcp;

	RFD("spell-double-slash", EACCES, open("//etc//shadow", O_RDONLY | O_CLOEXEC));
	RFD("spell-dot", EACCES, open("/etc/./shadow", O_RDONLY | O_CLOEXEC));
	RFD("spell-dotdot", EACCES, open("/etc/../etc/shadow", O_RDONLY | O_CLOEXEC));
	RFD("spell-root-dotdot", EACCES, open("/../../etc/shadow", O_RDONLY | O_CLOEXEC));
	RFD("spell-missing-dotdot", 0, open("/etc/no-such-dir/../shadow", O_RDONLY | O_CLOEXEC));
	RFD("spell-file-dotdot", 0, open("/etc/hostname/../shadow", O_RDONLY | O_CLOEXEC));
	if (!getcwd(cwd, sizeof cwd))
		tt_fail("control failed: getcwd: %s", strerror(errno));
	/* ../.. from the working directory, as many as it takes, and then some */
	rel[0] = 0;
	for (char *c = cwd; *c; c++)
		if (*c == '/')
			strcat(rel, "../");
	strcat(rel, "../etc/shadow");
	RFD("spell-relative", EACCES, open(rel, O_RDONLY | O_CLOEXEC));
	/* ./././... up to about 4000 bytes, then /etc/shadow */
	{
		size_t k = 0;
		while (k + 2 < sizeof longname - 16) {
			longname[k++] = '.';
			longname[k++] = '/';
		}
		longname[k] = 0;
		memcpy(longname, "/", 1);
		strcat(longname, "etc/shadow");
		RFD("spell-4000-bytes", EACCES, open(longname, O_RDONLY | O_CLOEXEC));
	}
	etc = open("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	etcp = open("/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (etc < 0 || etcp < 0)
		tt_fail("control failed: open /etc: %s", strerror(errno));
	RFD("spell-dirfd-etc", EACCES, openat(etc, "shadow", O_RDONLY | O_CLOEXEC));
	RFD("spell-dirfd-etc-opath", EACCES, openat(etcp, "shadow", O_RDONLY | O_CLOEXEC));
	RFD("spell-dirfd-etc-openat2", EACCES, openat2_(etcp, "shadow", O_RDONLY, 0, 0));
	R("spell-dirfd-etc-fstatat", EACCES, ({
		  struct stat st_;
		  fstatat(etcp, "shadow", &st_, 0);
	  }));
	close(etc);
	close(etcp);
	if (symlink("/etc/shadow", "sl") < 0 || symlink("sl", "sl2") < 0 || symlink("/etc", "etc") < 0)
		tt_fail("setup: symlink: %s", strerror(errno));
	RFD("spell-symlink", EACCES, open("sl", O_RDONLY | O_CLOEXEC));
	RFD("spell-symlink-chain", EACCES, open("sl2", O_RDONLY | O_CLOEXEC));
	RFD("spell-symlink-dir", EACCES, open("etc/shadow", O_RDONLY | O_CLOEXEC));
	R("spell-symlink-stat", EACCES, ({
		  struct stat st_;
		  stat("sl", &st_);
	  }));
	/* a name with bytes after its NUL */
	{
		char b[32] = "/etc/shadow\0allowed.txt";
		RFD("spell-embedded-nul", EACCES, open(b, O_RDONLY | O_CLOEXEC));
	}
}

/* ---- writes ------------------------------------------------------------------------------- */

/* A change that must be refused: `target` (a VICTIM path or a canary) must stay as it was. */
static void judge_write(const char *name, const char *target, const struct atk_fstate *before,
			long ret, int err, int want)
{
	struct atk_fstate now = atk_fstate(target);
	const char *d = atk_fstate_diff(before, &now);
	if (*d) {
		atk_escaped(name, "%s %s (returned %ld)", target, d, ret);
		return;
	}
	atk_refused(name, ret, err, want);
}

#define W(name, target, want, call)                                                          \
	do {                                                                                 \
		if (atk_want(name)) {                                                        \
			const char *t_ = (target);                                           \
			struct atk_fstate b_ = atk_fstate(t_);                               \
			errno = 0;                                                           \
			long r_ = (long)(call);                                              \
			int e_ = errno;                                                      \
			judge_write(name, t_, &b_, r_, e_, want);                            \
		}                                                                            \
	} while (0)
/* the same for calls that return an fd: closed at once */
#define WFD(name, target, want, call)                                                        \
	W(name, target, want, ({                                                             \
		  long f_ = (long)(call);                                                    \
		  int ee_ = errno;                                                           \
		  if (f_ >= 0)                                                               \
			  close((int)f_);                                                    \
		  errno = ee_;                                                               \
		  f_;                                                                        \
	  }))

static void writes(void)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	struct timeval tv[2] = { { 1, 0 }, { 1, 0 } };
	struct utimbuf ub = { 1, 1 };
	struct {
		uint64_t value;
		uint32_t size, flags;
	} xa = { (uint64_t)(uintptr_t) "1", 1, 0 };
	uint32_t fattr[5] = { 0x80, 0, 0, 0, 0 };
	int vdir = open(V, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (vdir < 0)
		tt_fail("control failed: open %s: %s", V, strerror(errno));
	atk_put("mine", "mine\n", 0644);
	atk_put("mine2", "mine2\n", 0644);

	WFD("open-wronly", vp("t/f00"), EACCES, open(vp("t/f00"), O_WRONLY | O_CLOEXEC));
	WFD("open-rdwr", vp("t/f00"), EACCES, open(vp("t/f00"), O_RDWR | O_CLOEXEC));
	WFD("open-rdonly-trunc", vp("t/f00"), EACCES, open(vp("t/f00"), O_RDONLY | O_TRUNC | O_CLOEXEC));
	WFD("open-append", vp("t/f00"), EACCES, open(vp("t/f00"), O_WRONLY | O_APPEND | O_CLOEXEC));
	WFD("open-64bit-wronly", vp("t/f00"), EACCES,
	    syscall(SYS_open, vp("t/f00"), (0xffUL << 32) | O_WRONLY | O_TRUNC, 0));
	WFD("open-creat-new", vp("new1"), EACCES, open(vp("new1"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	WFD("open-creat-excl", vp("new1"), EACCES,
	    open(vp("new1"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
	WFD("open-tmpfile", vp("."), EACCES, open(V, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
	WFD("openat-dirfd", vp("t/f00"), EACCES, openat(vdir, "t/f00", O_WRONLY | O_TRUNC | O_CLOEXEC));
	WFD("openat2-wronly", vp("t/f00"), EACCES, openat2_(AT_FDCWD, vp("t/f00"), O_WRONLY | O_TRUNC, 0, 0));
	WFD("creat", vp("new2"), EACCES, creat(vp("new2"), 0644));
	WFD("creat-existing", vp("t/f00"), EACCES, creat(vp("t/f00"), 0644));
	W("mknod", vp("new3"), EACCES, mknod(vp("new3"), S_IFREG | 0644, 0));
	W("mknod-fifo", vp("new3"), EACCES, mknod(vp("new3"), S_IFIFO | 0644, 0));
	W("mknodat", vp("new3"), EACCES, mknodat(vdir, "new3", S_IFREG | 0644, 0));
	W("mkdir", vp("new4"), EACCES, mkdir(vp("new4"), 0755));
	W("mkdirat", vp("new4"), EACCES, mkdirat(vdir, "new4", 0755));
	W("symlink", vp("new5"), EACCES, symlink("x", vp("new5")));
	W("symlinkat", vp("new5"), EACCES, symlinkat("x", vdir, "new5"));
	W("link-into", vp("new6"), EACCES, link("mine", vp("new6")));
	W("linkat-into", vp("new6"), EACCES, linkat(AT_FDCWD, "mine", vdir, "new6", 0));
	W("rename-into", vp("new7"), EACCES, rename("mine", vp("new7")));
	W("renameat-into", vp("new7"), EACCES, renameat(AT_FDCWD, "mine", vdir, "new7"));
	W("renameat2-into", vp("new7"), EACCES,
	  syscall(SYS_renameat2, AT_FDCWD, "mine", vdir, "new7", 0));
	W("renameat2-exchange", vp("t/f01"), EACCES,
	  syscall(SYS_renameat2, AT_FDCWD, "mine", AT_FDCWD, vp("t/f01"), 2 /*EXCHANGE*/));
	W("renameat2-noreplace-out", vp("t/f02"), EACCES,
	  syscall(SYS_renameat2, AT_FDCWD, vp("t/f02"), AT_FDCWD, "stolen1", 1 /*NOREPLACE*/));
	W("renameat2-whiteout-out", vp("t/f02"), EACCES,
	  syscall(SYS_renameat2, AT_FDCWD, vp("t/f02"), AT_FDCWD, "stolen2", 4 /*WHITEOUT*/));
	W("rename-out", vp("t/f03"), EACCES, rename(vp("t/f03"), "stolen3"));
	W("rename-over", vp("t/f03"), EACCES, rename("mine2", vp("t/f03")));
	W("unlink", vp("t/f04"), EACCES, unlink(vp("t/f04")));
	W("unlinkat", vp("t/f04"), EACCES, unlinkat(vdir, "t/f04", 0));
	W("unlinkat-removedir", vp("empty"), EACCES, unlinkat(vdir, "empty", AT_REMOVEDIR));
	W("rmdir", vp("empty"), EACCES, rmdir(vp("empty")));
	W("truncate", vp("t/f05"), EACCES, truncate(vp("t/f05"), 0));
	W("truncate-64bit-path", vp("t/f05"), EACCES, syscall(SYS_truncate, vp("t/f05"), 0));
	W("chmod", vp("t/f06"), EACCES, chmod(vp("t/f06"), 0777));
	W("fchmodat", vp("t/f06"), EACCES, syscall(SYS_fchmodat, vdir, "t/f06", 0777));
	W("fchmodat2", vp("t/f06"), EACCES, syscall(SYS_fchmodat2, AT_FDCWD, vp("t/f06"), 0777, 0));
	W("fchmodat2-nofollow", vp("t/f06"), EACCES,
	  syscall(SYS_fchmodat2, AT_FDCWD, vp("t/f06"), 0777, AT_SYMLINK_NOFOLLOW));
	W("chown", vp("t/f07"), EACCES, chown(vp("t/f07"), 1234, 1234));
	W("lchown", vp("t/f07"), EACCES, lchown(vp("t/f07"), 1234, 1234));
	W("fchownat", vp("t/f07"), EACCES, fchownat(vdir, "t/f07", 1234, 1234, 0));
	W("fchownat-nofollow", vp("t/f07"), EACCES,
	  fchownat(vdir, "t/f07", 1234, 1234, AT_SYMLINK_NOFOLLOW));
	W("utime", vp("t/f08"), EACCES, utime(vp("t/f08"), &ub));
	W("utimes", vp("t/f08"), EACCES, utimes(vp("t/f08"), tv));
	W("futimesat", vp("t/f08"), EACCES, syscall(SYS_futimesat, vdir, "t/f08", tv));
	W("utimensat", vp("t/f08"), EACCES, utimensat(vdir, "t/f08", ts, 0));
	W("utimensat-nofollow", vp("t/f08"), EACCES, utimensat(AT_FDCWD, vp("t/f08"), ts, AT_SYMLINK_NOFOLLOW));
	W("setxattr", vp("t/f09"), EACCES, setxattr(vp("t/f09"), "user.attack", "1", 1, 0));
	W("lsetxattr", vp("t/f09"), EACCES, lsetxattr(vp("t/f09"), "user.attack", "1", 1, 0));
	W("setxattrat", vp("t/f09"), EACCES,
	  syscall(NR_setxattrat, vdir, "t/f09", 0, "user.attack", &xa, sizeof xa));
	W("removexattr", vp("victim"), EACCES, removexattr(vp("victim"), "user.sysward"));
	W("lremovexattr", vp("victim"), EACCES, lremovexattr(vp("victim"), "user.sysward"));
	W("removexattrat", vp("victim"), EACCES,
	  syscall(NR_removexattrat, vdir, "victim", 0, "user.sysward"));
	W("file_setattr", vp("t/f10"), EACCES,
	  syscall(NR_file_setattr, vdir, "t/f10", fattr, sizeof fattr, 0));
	W("acct", vp("new8"), EPERM, acct(vp("new8")));
	W("swapon", vp("t/f11"), EPERM, swapon(vp("t/f11"), 0));
	/* where the tracer let one of these through, the kernel fails it without harm (no
	 * such file system type, no such directory, no swap header, no such file): a
	 * MISMATCH instead of EPERM */
	W("mount", vp("t/f12"), EPERM, mount("none", vp("t/f12"), "sysward-no-such-fs", 0, NULL));
	W("chroot", vp("no-such-dir"), EPERM, chroot(vp("no-such-dir")));
	/* the canaries in /etc */
	W("creat-etc", ATK_CANARY_PREFIX "creat", EACCES, ({
		  int f_ = creat(ATK_CANARY_PREFIX "creat", 0644);
		  if (f_ >= 0)
			  close(f_);
		  f_;
	  }));
	W("mkdir-etc", ATK_CANARY_PREFIX "mkdir", EACCES, mkdir(ATK_CANARY_PREFIX "mkdir", 0755));
	W("symlink-etc", ATK_CANARY_PREFIX "symlink", EACCES, symlink("x", ATK_CANARY_PREFIX "symlink"));
	W("mknod-etc", ATK_CANARY_PREFIX "mknod", EACCES, mknod(ATK_CANARY_PREFIX "mknod", S_IFREG | 0644, 0));
	W("link-etc", ATK_CANARY_PREFIX "link", EACCES, link("mine2", ATK_CANARY_PREFIX "link"));
	close(vdir);
}

int main(int argc, char **argv)
{
	char p[4200];
	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	atk_controls();
	tt_watchdog(30, "variants");
	reads_of("shadow", "/etc/shadow");
	snprintf(p, sizeof p, "%s/secret-world", V);
	reads_of("victim-secret", p);
	spellings();
	writes();
	atk_finish();
}
