/*
 * fd-tricks: change or reach a file through a descriptor instead of a name (THREATS E).
 *
 * usage: fd-tricks VICTIM [SUB-ATTACK...]      (--profile default -p attacks/victim.policy)
 *
 * Every VICTIM file may be opened read-only (the default profile reads all of /usr) and none
 * may be changed.  With a read-only fd of one, each call below must be refused (EACCES for
 * the path rules, EPERM for open_by_handle_at) and the file must not change: fchmod, fchown,
 * fsetxattr, fremovexattr, fchownat/fchmodat2/utimensat/setxattrat/removexattrat/file_setattr
 * with AT_EMPTY_PATH, utimensat(fd, NULL), the FS_IOC_SETFLAGS and FS_IOC_FSSETXATTR ioctls
 * (chattr; any errno: a filter refusal says EPERM), a dup2 race under fchmod.  Hard links to read-only files (link, linkat with
 * AT_EMPTY_PATH or through /proc/self/fd/N) need write on both names.  File handles:
 * name_to_handle_at of a refused file fails, open_by_handle_at fails.  memfd + execveat and
 * exec of /proc/self/fd/N: the default profile does not execute /proc/PID/fd/N.
 * Verdicts: each victim's lstat/xattr state is compared before and after (the driver checks
 * the inode flags and everything else again).
 */
#include <linux/fs.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "atk.h"

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#define NR_setxattrat 463
#define NR_removexattrat 466
#define NR_file_setattr 469

static const char *V;

struct victim {
	char path[4200];
	int fd;
	struct atk_fstate before;
};

static void victim_open(struct victim *v, const char *name, int flags)
{
	snprintf(v->path, sizeof v->path, "%s/%s", V, name);
	v->before = atk_fstate(v->path);
	v->fd = open(v->path, flags | O_CLOEXEC);
	if (v->fd < 0)
		tt_fail("control failed: open %s read-only: %s", v->path, strerror(errno));
}

/* The call was made (ret/err): refused with `want`, and the victim unchanged. */
static void judge(const char *name, struct victim *v, long ret, int err, int want)
{
	struct atk_fstate now = atk_fstate(v->path);
	const char *d = atk_fstate_diff(&v->before, &now);
	if (*d) {
		atk_escaped(name, "%s %s (returned %ld/%s)", v->path, d, ret,
			    ret < 0 ? strerrorname_np(err) : "-");
		return;
	}
	atk_refused(name, ret, err, want);
}

#define TRY(name, file, oflags, want, call)                                                  \
	do {                                                                                 \
		if (atk_want(name)) {                                                        \
			struct victim v;                                                     \
			victim_open(&v, file, oflags);                                       \
			errno = 0;                                                           \
			long r_ = (long)(call);                                              \
			int e_ = errno;                                                      \
			judge(name, &v, r_, e_, want);                                       \
			close(v.fd);                                                         \
		}                                                                            \
	} while (0)

static struct timespec ts1[2] = { { 1, 0 }, { 1, 0 } };

struct xattr_args_ {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

static void metadata_through_fds(void)
{
	struct xattr_args_ xa = { (uint64_t)(uintptr_t) "1", 1, 0 };
	uint32_t fattr[5] = { 0x80 /* FS_XFLAG_NODUMP */, 0, 0, 0, 0 };
	int flags = 0;
	struct fsxattr fsx;

	TRY("fchmod", "t/f16", O_RDONLY, EACCES, fchmod(v.fd, 0777));
	TRY("fchown", "t/f17", O_RDONLY, EACCES, fchown(v.fd, 1234, 1234));
	TRY("fsetxattr", "t/f18", O_RDONLY, EACCES, fsetxattr(v.fd, "user.attack", "1", 1, 0));
	TRY("fremovexattr", "victim", O_RDONLY, EACCES, fremovexattr(v.fd, "user.sysward"));
	TRY("fchownat-empty-path", "t/f19", O_RDONLY, EACCES,
	    fchownat(v.fd, "", 1234, 1234, AT_EMPTY_PATH));
	TRY("fchownat-empty-path-opath", "t/f20", O_PATH, EACCES,
	    fchownat(v.fd, "", 1234, 1234, AT_EMPTY_PATH));
	TRY("fchmodat2-empty-path", "t/f21", O_RDONLY, EACCES,
	    syscall(SYS_fchmodat2, v.fd, "", 0777, AT_EMPTY_PATH));
	TRY("utimensat-fd-null", "t/f22", O_RDONLY, EACCES,
	    syscall(SYS_utimensat, v.fd, NULL, ts1, 0));
	TRY("utimensat-empty-path", "t/f23", O_RDONLY, EACCES,
	    utimensat(v.fd, "", ts1, AT_EMPTY_PATH));
	TRY("utimensat-empty-path-opath", "t/f24", O_PATH, EACCES,
	    utimensat(v.fd, "", ts1, AT_EMPTY_PATH));
	TRY("setxattrat-empty-path", "t/f25", O_RDONLY, EACCES,
	    syscall(NR_setxattrat, v.fd, "", AT_EMPTY_PATH, "user.attack", &xa, sizeof xa));
	TRY("removexattrat-empty-path", "victim", O_RDONLY, EACCES,
	    syscall(NR_removexattrat, v.fd, "", AT_EMPTY_PATH, "user.sysward"));
	TRY("file_setattr-empty-path", "t/f26", O_RDONLY, EACCES,
	    syscall(NR_file_setattr, v.fd, "", fattr, sizeof fattr, AT_EMPTY_PATH));
	/* chattr through a read-only fd: the inode flags are the file's metadata too */
	TRY("ioctl-setflags", "t/f27", O_RDONLY, 0,
	    (ioctl(v.fd, FS_IOC_GETFLAGS, &flags), flags |= FS_NODUMP_FL,
	     ioctl(v.fd, FS_IOC_SETFLAGS, &flags)));
	if (atk_want("ioctl-fssetxattr")) {
		struct victim v;
		victim_open(&v, "t/f28", O_RDONLY);
		memset(&fsx, 0, sizeof fsx);
		if (ioctl(v.fd, FS_IOC_FSGETXATTR, &fsx) < 0)
			atk_held("ioctl-fssetxattr", "FS_IOC_FSGETXATTR: %s", strerror(errno));
		else {
			fsx.fsx_xflags |= FS_XFLAG_NODUMP;
			errno = 0;
			long r = ioctl(v.fd, FS_IOC_FSSETXATTR, &fsx);
			judge("ioctl-fssetxattr", &v, r, errno, 0);
		}
		close(v.fd);
	}
}

/* fchmod on an fd number that another thread keeps pointing at a workdir file and at a
 * read-only victim (dup2): the tracer must judge the file the kernel changes. */
static int race_fd = 50, local_fd, victim_fd;
static void *dup2er(void *arg)
{
	(void)arg;
	while (!atk_stop) {
		dup2(local_fd, race_fd);
		dup2(victim_fd, race_fd);
	}
	return NULL;
}

static void fchmod_dup2_race(void)
{
	struct victim v;
	pthread_t th;
	long i, nok = 0;
	double t0;

	if (!atk_want("fchmod-dup2-race"))
		return;
	atk_put("local", "local\n", 0644);
	local_fd = open("local", O_RDONLY | O_CLOEXEC);
	victim_open(&v, "t/f29", O_RDONLY);
	victim_fd = v.fd;
	atk_stop = 0;
	if (pthread_create(&th, NULL, dup2er, NULL))
		tt_fail("pthread_create failed");
	t0 = atk_now();
	for (i = 0; i < 100000; i++) {
		if (fchmod(race_fd, (i & 1) ? 0600 : 0644) == 0)
			nok++;
		if ((i & 15) == 0 && atk_now() - t0 > 0.5)
			break;
	}
	atk_stop = 1;
	pthread_join(th, NULL);
	struct atk_fstate now = atk_fstate(v.path);
	const char *d = atk_fstate_diff(&v.before, &now);
	if (*d)
		atk_escaped("fchmod-dup2-race", "%s %s", v.path, d);
	else
		atk_held("fchmod-dup2-race", "%ld tries, %ld changed the workdir file", i, nok);
	close(v.fd);
	close(local_fd);
	close(race_fd);
}

/* A hard link made here to a file we may only read; removed at once if it was made. */
static void link_refused(const char *name, long ret, int err, const char *made)
{
	if (ret == 0)
		unlink(made);
	atk_refused(name, ret, err, EACCES);
}

static void hard_links(void)
{
	char p[4200], q[64];
	int fd;

	if (atk_want("link-hostname")) {
		errno = 0;
		long r = link("/etc/hostname", "hl1");
		link_refused("link-hostname", r, errno, "hl1");
	}
	snprintf(p, sizeof p, "%s/victim", V);
	if (atk_want("link-victim")) {
		errno = 0;
		long r = link(p, "hl2");
		link_refused("link-victim", r, errno, "hl2");
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("control failed: open %s: %s", p, strerror(errno));
	if (atk_want("linkat-empty-path")) {
		errno = 0;
		long r = linkat(fd, "", AT_FDCWD, "hl3", AT_EMPTY_PATH);
		link_refused("linkat-empty-path", r, errno, "hl3");
	}
	if (atk_want("linkat-proc-fd")) {
		snprintf(q, sizeof q, "/proc/self/fd/%d", fd);
		errno = 0;
		long r = linkat(AT_FDCWD, q, AT_FDCWD, "hl4", AT_SYMLINK_FOLLOW);
		link_refused("linkat-proc-fd", r, errno, "hl4");
	}
	close(fd);
	/* the secret itself: a hard link here would make it readable */
	snprintf(p, sizeof p, "%s/secret", V);
	if (atk_want("link-secret")) {
		errno = 0;
		long r = link(p, "hl5");
		link_refused("link-secret", r, errno, "hl5");
	}
}

static void handles(void)
{
	char p[4200];
	struct {
		struct file_handle fh;
		unsigned char bytes[128];
	} h;
	int mount_id;

	h.fh.handle_bytes = sizeof h.bytes;
	ATK_REFUSED("name_to_handle_at-shadow",
		    name_to_handle_at(AT_FDCWD, "/etc/shadow", &h.fh, &mount_id, 0), EACCES);
	snprintf(p, sizeof p, "%s/secret", V);
	h.fh.handle_bytes = sizeof h.bytes;
	ATK_REFUSED("name_to_handle_at-secret", name_to_handle_at(AT_FDCWD, p, &h.fh, &mount_id, 0),
		    EACCES);
	if (atk_want("open_by_handle_at")) {
		/* a handle of a file we may read: opening by handle must be refused anyway,
		 * since a handle names any file of the file system, checked by nobody */
		snprintf(p, sizeof p, "%s/victim", V);
		h.fh.handle_bytes = sizeof h.bytes;
		if (name_to_handle_at(AT_FDCWD, p, &h.fh, &mount_id, 0) < 0) {
			atk_held("open_by_handle_at", "no handle to try: name_to_handle_at: %s",
				 strerror(errno));
			return;
		}
		int mfd = open(V, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		errno = 0;
		long r = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
		int e = errno;
		if (r >= 0)
			close((int)r);
		atk_refused("open_by_handle_at", r, e, EPERM);
		close(mfd);
	}
}

/* exec of a memfd copy of /bin/true: the child reports what happened */
static void memfd_exec(void)
{
	char buf[65536];
	int src, mfd;
	ssize_t n;

	src = open("/bin/true", O_RDONLY | O_CLOEXEC);
	mfd = memfd_create("atk-true", 0);
	if (src < 0 || mfd < 0)
		tt_fail("control failed: /bin/true or memfd_create: %s", strerror(errno));
	while ((n = read(src, buf, sizeof buf)) > 0)
		tt_write_all(mfd, buf, (size_t)n);
	close(src);
	for (int how = 0; how < 2; how++) {
		const char *name = how == 0 ? "execveat-memfd" : "execve-proc-self-fd-memfd";
		if (!atk_want(name))
			continue;
		pid_t pid = tt_fork();
		if (pid == 0) {
			char *argv[] = { "true", NULL };
			char p[64];
			if (how == 0)
				syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
			else {
				snprintf(p, sizeof p, "/proc/self/fd/%d", mfd);
				execve(p, argv, environ);
			}
			_exit(errno == EACCES ? 100 : errno == EPERM ? 101 : 102);
		}
		int st = tt_wait(pid, 0);
		char b[64];
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			atk_escaped(name, "the memfd copy of /bin/true ran");
		else if (WIFEXITED(st) && WEXITSTATUS(st) == 100)
			atk_held(name, "EACCES");
		else
			atk_mismatch(name, "child %s, want a refused exec (EACCES, exit 100)",
				     tt_status_str(st, b, sizeof b));
	}
	close(mfd);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	atk_controls();
	tt_watchdog(30, "fd-tricks attacks");
	metadata_through_fds();
	fchmod_dup2_race();
	hard_links();
	handles();
	memfd_exec();
	atk_finish();
}
