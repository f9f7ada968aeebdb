/*
 * limits/pool: run cgroups named and made ahead of time for `sysward serve`, their removal
 * after a killed server, and keeping the cgroup attach lock warm (limits.h, "Pool").
 *
 * Where run cgroups live is decided exactly as limits_create decides it (mountinfo, the
 * SYSWARD_CGROUP / SYSWARD_CGROUP_ROOT environment): v1 `<mount>/sysward/<name>` in each
 * hierarchy of memory, cpuacct, pids, freezer (and cpuset, made by the run itself with
 * --cpus); v2 `<root>/sysward/<name>`, or `<own cgroup>/<name>` in the delegated layout.
 */
#include "supervisor/limits/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/util.h"

char limits_pool_name[64];

#define POOL_MAX_DIRS (CG1__COUNT + 2)

/* The parents under which run cgroups of this process's backend are made. */
struct pool_dirs {
	int n;
	char path[POOL_MAX_DIRS][PATH_MAX];
	bool ahead[POOL_MAX_DIRS]; /* limits_pool_prepare makes a run here */
	bool v2[POOL_MAX_DIRS];
};

void limits_pool_use(const char *name)
{
	snprintf(limits_pool_name, sizeof(limits_pool_name), "%s", name ? name : "");
}


static void add_dir(struct pool_dirs *d, const char *path, bool ahead, bool v2)
{
	for (int i = 0; i < d->n; i++)
		if (!strcmp(d->path[i], path)) {
			d->ahead[i] |= ahead;
			return;
		}
	if (d->n < POOL_MAX_DIRS && snprintf(d->path[d->n], PATH_MAX, "%s", path) < PATH_MAX) {
		d->ahead[d->n] = ahead;
		d->v2[d->n] = v2;
		d->n++;
	}
}

static int pool_dirs(struct pool_dirs *d, struct limits_mounts *m)
{
	enum limits_backend backend;
	const char *root_env = getenv("SYSWARD_CGROUP_ROOT");
	char path[PATH_MAX + 16];
	char *text = read_file_alloc("/proc/self/mountinfo");
	int r;

	d->n = 0;
	if (!text)
		return -errno;
	r = limits_parse_mountinfo(text, m);
	free(text);
	if (r < 0)
		return r;
	r = limits_pick_backend(m, getenv("SYSWARD_CGROUP"), root_env, &backend);
	if (r < 0)
		return r;
	if (backend == LIMITS_CGROUP_V1) {
		for (int k = 0; k < CG1__COUNT; k++) {
			if (!m->v1[k].found)
				continue;
			snprintf(path, sizeof(path), "%s/sysward", m->v1[k].path);
			add_dir(d, path, k != CG1_CPUSET, false);
		}
	} else if (backend == LIMITS_CGROUP_V2) {
		char rel[PATH_MAX];
		char *self = read_file_alloc("/proc/self/cgroup");

		snprintf(path, sizeof(path), "%s/sysward",
			 root_env && *root_env ? root_env : m->v2.path);
		add_dir(d, path, true, true);
		if (self && m->v2.found &&
		    !limits_parse_own_cgroup(self, m->v2.root, rel, sizeof(rel)) &&
		    strcmp(rel, "/") &&
		    snprintf(path, sizeof(path), "%s%s", m->v2.path, rel) < (int)sizeof(path))
			add_dir(d, path, false, true); /* the delegated layout */
		free(self);
	}
	return 0;
}

int limits_pool_prepare(const char *name)
{
	struct limits_mounts *m = xcalloc(1, sizeof(*m));
	struct pool_dirs *d = xcalloc(1, sizeof(*d));
	char path[PATH_MAX + 80];
	int r, made = 0;

	r = pool_dirs(d, m);
	for (int i = 0; i < d->n && r == 0; i++) {
		if (!d->ahead[i])
			continue;
		/* ENOENT: a run removed the empty parent between our two mkdirs */
		for (int attempt = 0; attempt < 3; attempt++) {
			if (mkdir(d->path[i], 0755) < 0 && errno != EEXIST) {
				r = -errno;
				break;
			}
			snprintf(path, sizeof(path), "%s/%s", d->path[i], name);
			r = mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
			if (r != -ENOENT)
				break;
		}
		made += r == 0;
	}
	if (r == 0 && !made)
		r = -EOPNOTSUPP;
	if (r < 0 && r != -EOPNOTSUPP)
		limits_pool_remove(name, 0);
	free(d);
	free(m);
	return r;
}

/* Thaw a run cgroup (a worker killed between FROZEN and THAWED leaves it frozen, and frozen
 * v1 tasks do not die of SIGKILL until thawed). */
static void thaw(int fd, bool v2)
{
	if (v2) {
		if (cg_has(fd, "cgroup.freeze"))
			cg_write(fd, "cgroup.freeze", "0");
	} else if (cg_has(fd, "freezer.state")) {
		cg_write(fd, "freezer.state", "THAWED");
	}
}

static int remove_in(const struct pool_dirs *d, const char *name, int timeout_ms)
{
	int fds[POOL_MAX_DIRS], n = 0, r = 0;
	char path[POOL_MAX_DIRS][PATH_MAX + 80];
	bool any_v2 = false;

	for (int i = 0; i < d->n; i++) {
		int fd;
		snprintf(path[i], sizeof(path[i]), "%s/%s", d->path[i], name);
		fd = open(path[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		thaw(fd, d->v2[i]);
		any_v2 |= d->v2[i];
		fds[n++] = fd;
	}
	if (n) {
		cg_kill_members(fds, (size_t)n);
		if (timeout_ms > 0)
			cg_wait_empty(fds, (size_t)n, any_v2, timeout_ms);
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	for (int i = 0; i < d->n; i++)
		if (rmdir(path[i]) < 0 && errno != ENOENT && !r)
			r = errno == EBUSY ? -EBUSY : -errno;
	return r;
}

int limits_pool_remove(const char *name, int timeout_ms)
{
	struct limits_mounts *m = xcalloc(1, sizeof(*m));
	struct pool_dirs *d = xcalloc(1, sizeof(*d));
	int r = pool_dirs(d, m);

	if (r == 0 && name[0] && !strchr(name, '/'))
		r = remove_in(d, name, timeout_ms);
	free(d);
	free(m);
	return r;
}

void limits_pool_release(void)
{
	struct limits_mounts *m = xcalloc(1, sizeof(*m));
	struct pool_dirs *d = xcalloc(1, sizeof(*d));

	/* the `sysward` parents only (never a delegated cgroup of our own); one still in use
	 * fails with EBUSY or ENOTEMPTY and stays, and a run that meets ENOENT between its
	 * mkdirs makes the parent again (cgroup1.c, cgroup2.c, limits_pool_prepare) */
	if (pool_dirs(d, m) == 0)
		for (int i = 0; i < d->n; i++) {
			size_t n = strlen(d->path[i]);
			if (n > 8 && strcmp(d->path[i] + n - 8, "/sysward") == 0)
				rmdir(d->path[i]);
		}
	free(d);
	free(m);
}

int limits_pool_sweep(const char *prefix)
{
	struct limits_mounts *m = xcalloc(1, sizeof(*m));
	struct pool_dirs *d = xcalloc(1, sizeof(*d));
	size_t plen = strlen(prefix);
	int r = pool_dirs(d, m), removed = 0;

	for (int i = 0; i < d->n && r == 0; i++) {
		DIR *dir = opendir(d->path[i]);
		struct dirent *e;

		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			char *end;
			long pid;

			if (strncmp(e->d_name, prefix, plen) != 0)
				continue;
			pid = strtol(e->d_name + plen, &end, 10);
			if (end == e->d_name + plen || *end != '-' || pid <= 0)
				continue;
			/* a live pid may be the server that owns it: never touch those */
			if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			if (remove_in(d, e->d_name, CG_EMPTY_TIMEOUT_MS) == 0)
				removed++;
		}
		closedir(dir);
	}
	free(d);
	free(m);
	return r < 0 ? r : removed;
}

int limits_warm_open(void)
{
	static const enum cg1_ctl prefer[] = {CG1_FREEZER, CG1_PIDS, CG1_CPUACCT, CG1_MEMORY};
	struct limits_mounts *m = xcalloc(1, sizeof(*m));
	char *mi = read_file_alloc("/proc/self/mountinfo");
	char *self = read_file_alloc("/proc/self/cgroup");
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int fd = -EOPNOTSUPP;

	if (!mi || !self || limits_parse_mountinfo(mi, m) < 0)
		goto out;
	/* favordynmods keeps the lock in writer-friendly mode for everyone */
	for (char *line = mi; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		char *eol = strchr(line, '\n'), *sep = strstr(line, " - cgroup");
		if (sep && (!eol || sep < eol) && strstr(sep, "favordynmods") &&
		    (!eol || strstr(sep, "favordynmods") < eol))
			goto out;
	}
	for (size_t i = 0; i < ARRAY_SIZE(prefer) && fd < 0; i++) {
		const struct limits_mount *mt = &m->v1[prefer[i]];
		const char *name = limits_cg1_names[prefer[i]];
		char *p;
		size_t nl = strlen(name);

		if (!mt->found)
			continue;
		/* "N:ctl,ctl:/path" lines of /proc/self/cgroup */
		for (p = self; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
			char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			char *eol = strchrnul(p, '\n');
			const char *rel;
			size_t rl;
			bool has = false;

			if (!c2 || c2 > eol)
				continue;
			for (char *w = c1 + 1; w < c2;) {
				char *end = memchr(w, ',', (size_t)(c2 - w));
				if (!end)
					end = c2;
				has |= (size_t)(end - w) == nl && !memcmp(w, name, nl);
				w = end + 1;
			}
			if (!has)
				continue;
			snprintf(dir, sizeof(dir), "%.*s", (int)(eol - c2 - 1), c2 + 1);
			rel = dir;
			rl = strlen(mt->root);
			if (strcmp(mt->root, "/") != 0) {
				if (strncmp(dir, mt->root, rl) != 0)
					break;
				rel = dir + rl;
			}
			if (snprintf(path, sizeof(path), "%s%s/cgroup.procs", mt->path,
				     strcmp(rel, "/") ? rel : "") >= (int)sizeof(path))
				break;
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
			break;
		}
	}
	if (fd < 0 && m->v2.found) {
		/* a v2-only machine: the own cgroup of the unified hierarchy */
		if (!limits_parse_own_cgroup(self, m->v2.root, dir, sizeof(dir)) &&
		    snprintf(path, sizeof(path), "%s%s/cgroup.procs", m->v2.path,
			     strcmp(dir, "/") ? dir : "") < (int)sizeof(path)) {
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				fd = -errno;
		}
	}
out:
	free(mi);
	free(self);
	free(m);
	return fd;
}

int limits_warm_poke(int fd)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)getpid());

	/* cgroup.procs takes one pid per write(2); the file offset does not matter */
	return write(fd, buf, (size_t)n) == n ? 0 : -errno;
}
