/*
 * rofs: a private mount namespace in which the whole tree is read-only except what the
 * policy lets the program write (its `allow write` anchors, the working directory, the
 * scratch directory).  A kernel backstop behind the tracer's write checks: a race won
 * against the tracer could still not write outside those places.  Needs CAP_SYS_ADMIN;
 * mount_setattr() (5.12) makes the whole tree read-only at once, submounts included.
 */
#include "supervisor/backstops/rofs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static int setattr(const char *path, uint64_t set, uint64_t clr)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

int rofs_enter(char (*writable)[4096], int n)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	/* nothing done here may reach the machine's mounts */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -errno;
	/* every writable place becomes a mount of its own, so it can stay writable */
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (lstat(writable[i], &st) < 0 || S_ISLNK(st.st_mode))
			continue; /* nothing there (or a symlink): nothing to keep writable */
		if (mount(writable[i], writable[i], NULL, MS_BIND | MS_REC, NULL) < 0)
			return -errno;
	}
	if (setattr("/", MOUNT_ATTR_RDONLY, 0) < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (lstat(writable[i], &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (setattr(writable[i], 0, MOUNT_ATTR_RDONLY) < 0)
			return -errno;
	}
	return 0;
}
