/*
 * limits/scratch: `--scratch SIZE`, a new, private, empty, size-limited working directory.
 *
 * The parent makes an empty 0700 directory `$TMPDIR/sysward-scratch-XXXXXX` (TMPDIR when it is
 * absolute, else /tmp) and probes, in a throw-away child, whether a tmpfs can be put on it:
 *   SCR_TMPFS  unshare(CLONE_NEWNS) works (root, or sysward itself runs in a user namespace
 *              of its own, e.g. `unshare --user --map-root-user sysward run ...`): the traced
 *              child makes `/` a recursive slave (nothing it mounts leaks out), mounts
 *              `tmpfs size=SIZE,nr_inodes=max(SIZE/1K,1024),mode=0700` on the directory and
 *              enters it; the whole tree inherits the namespace, the host keeps seeing an
 *              empty directory, and tmpfs pages count against --memory;
 *   SCR_DIR    no mount namespace: a plain directory whose size is sampled (approximate: the
 *              tracer ends the run when a sample finds it full) and RLIMIT_FSIZE caps each
 *              file at SIZE.
 * An unprivileged run does not get a user namespace of its own for the tmpfs: the tracee would
 * then live in another user namespace than the tracer, and the kernel (commoncap's ptrace
 * check) would refuse it any /proc/<tracer>/... access, which the tracer's argument arena uses.
 * The tmpfs is measured through /proc/PID/root of a live process of the tree; it vanishes with
 * the last one, so `full` is sticky and is also checked at every exit stop.
 */
#include "supervisor/limits/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/util.h"

#define SCR_MAX_DEPTH 256 /* directory levels walked when measuring or removing */

void scr_init(struct scratch *sc)
{
	memset(sc, 0, sizeof(*sc));
}

/* Async-signal-safe: enter a new mount namespace and mount the tmpfs on sc->dir. */
static int scr_mount(const struct scratch *sc)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	if (mount("sysward-scratch", sc->dir, "tmpfs", MS_NOSUID | MS_NODEV, sc->opts) < 0)
		return -errno;
	return 0;
}

/* Can a tmpfs be mounted here?  A child tries; its mount dies with it. */
static enum scr_mode scr_probe(const struct scratch *sc)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return SCR_DIR;
	if (pid == 0)
		_exit(scr_mount(sc) < 0 ? 1 : 0);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return SCR_DIR;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? SCR_TMPFS : SCR_DIR;
}

int scr_create(struct scratch *sc, uint64_t size, char *why, size_t whysz)
{
	const char *base = getenv("TMPDIR");
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t inodes;
	struct stat st;

	if (!base || base[0] != '/')
		base = "/tmp";
	sc->size = size;
	if (snprintf(sc->dir, sizeof(sc->dir), "%s/sysward-scratch-XXXXXX", base) >=
	    (int)sizeof(sc->dir)) {
		snprintf(why, whysz, "--scratch: TMPDIR %s is too long", base);
		return -ENAMETOOLONG;
	}
	if (!mkdtemp(sc->dir) || stat(sc->dir, &st) < 0) {
		int r = -errno;
		snprintf(why, whysz, "--scratch: cannot create a directory in %s: %s", base,
			 strerror(-r));
		sc->dir[0] = '\0';
		return r;
	}
	sc->host_dev = st.st_dev;
	/* size=0 would mean "unlimited" to tmpfs: at least one page */
	if (size < page)
		size = page;
	inodes = size / 1024 < 1024 ? 1024 : size / 1024;
	snprintf(sc->opts, sizeof(sc->opts), "size=%llu,nr_inodes=%llu,mode=0700",
		 (unsigned long long)size, (unsigned long long)inodes);
	sc->mode = scr_probe(sc);
	return 0;
}

int scr_child(const struct scratch *sc)
{
	int r;

	switch (sc->mode) {
	case SCR_NONE:
		return 0;
	case SCR_TMPFS:
		r = scr_mount(sc);
		if (r < 0)
			return r;
		break;
	case SCR_DIR:
		break;
	}
	return chdir(sc->dir) < 0 ? -errno : 0;
}

/* Bytes allocated under directory `fd` (closed here), without following symlinks. */
static uint64_t scr_du(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	uint64_t total = 0;

	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		total += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode) && depth < SCR_MAX_DEPTH) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				total += scr_du(sub, depth + 1);
		}
	}
	closedir(d);
	return total;
}

/* Remove everything under directory `fd` (closed here), without following symlinks. */
static void scr_rm(int fd, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno != EISDIR)
			continue;
		if (depth < SCR_MAX_DEPTH) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				scr_rm(sub, depth + 1);
		}
		unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

bool scr_check(struct scratch *sc, pid_t pid)
{
	char path[PATH_MAX + 32];
	struct statfs sf;
	struct stat st;

	if (sc->full)
		return true;
	switch (sc->mode) {
	case SCR_NONE:
		return true;
	case SCR_TMPFS:
		if (pid <= 0)
			return false;
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, sc->dir);
		/* the host's directory (not yet mounted over) is not the scratch */
		if (stat(path, &st) < 0 || st.st_dev == sc->host_dev || statfs(path, &sf) < 0 ||
		    sf.f_type != TMPFS_MAGIC)
			return false;
		sc->full = sf.f_bfree == 0 || sf.f_ffree == 0;
		return true;
	case SCR_DIR: {
		double t0 = now_monotonic(), t1;
		int fd;
		/* a walk costs time: keep it under ~5% of the tracer's (the last one is forced) */
		if (pid > 0 && t0 < sc->next_walk)
			return true;
		fd = open(sc->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return true;
		sc->full = scr_du(fd, 0) >= sc->size;
		t1 = now_monotonic();
		sc->next_walk = t1 + 20 * (t1 - t0);
		return true;
	}
	}
	return true;
}

void scr_destroy(struct scratch *sc)
{
	int fd;

	if (!sc->dir[0])
		return;
	fd = open(sc->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		scr_rm(fd, 0);
	if (rmdir(sc->dir) < 0 && errno != ENOENT)
		warnx_("cannot remove scratch directory %s: %s", sc->dir, strerror(errno));
	sc->dir[0] = '\0';
}
