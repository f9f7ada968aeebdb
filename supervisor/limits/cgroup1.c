/*
 * limits/cgroup1: the v1 backend.  One group `<mount>/sysward/run-<pid>-<n>` in each hierarchy
 * that carries a controller we use (co-mounted controllers such as "cpu,cpuacct" share one):
 *   memory   memory.limit_in_bytes, memory.memsw.limit_in_bytes (no swap), max_usage, oom_kill
 *   cpuacct  cpuacct.usage{,_user,_sys} (ns) or cpuacct.stat (USER_HZ ticks)
 *   pids     pids.max, pids.events
 *   freezer  freezer.state: keeps the tree from forking while teardown kills it
 *   cpuset   only with --cpus; cpuset.mems has no default in v1 and is copied from the parent
 */
#include "supervisor/limits/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/util.h"

#define CG1_ATTEMPTS 64 /* run names tried before giving up */

bool cg1_has(const struct cg1 *c, enum cg1_ctl ctl)
{
	return c->hier[ctl] >= 0;
}

static struct cg_dir *cg1_run(struct cg1 *c, enum cg1_ctl ctl)
{
	return c->hier[ctl] >= 0 ? &c->run[c->hier[ctl]] : NULL;
}

/* A new v1 cpuset has empty cpus and mems: fill our parent from the hierarchy's root. */
static int cg1_cpuset_parent(const struct cg_dir *parent, const char *mount)
{
	static const char *const knobs[] = {"cpuset.cpus", "cpuset.mems"};
	char buf[1024];
	int rootfd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (rootfd < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(knobs) && !r; i++) {
		ssize_t n = cg_read(parent->fd, knobs[i], buf, sizeof(buf));
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n > 0 && buf[0] != '\n')
			continue;
		n = cg_read(rootfd, knobs[i], buf, sizeof(buf));
		if (n < 0)
			r = (int)n;
		else
			r = cg_write(parent->fd, knobs[i], buf);
	}
	close(rootfd);
	return r;
}

/* Make the run's group, under the same fresh name, in every hierarchy. */
static int cg1_make_runs(struct cg1 *c)
{
	for (int j = 0; j < c->n; j++)
		cg_reap_stale(c->parent[j].path);
	for (int attempt = 0; attempt < CG1_ATTEMPTS; attempt++) {
		char name[64];
		int r = 0, j;

		cg_next_name("run-", name, sizeof(name));
		for (j = 0; j < c->n && !r; j++)
			r = cg_dir_make_fresh(&c->run[j], c->parent[j].path, name);
		if (!r)
			return 0;
		for (int k = 0; k < j - 1; k++)
			cg_dir_remove(&c->run[k], NULL);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

int cg1_set_limits(struct cg1 *c, const struct settings *s, char *why, size_t whysz)
{
	struct cg_dir *d;
	char mems[1024];
	int r;

	if (s->set[LIM_MEMORY] && (d = cg1_run(c, CG1_MEMORY))) {
		r = cg_write_u64(d->fd, "memory.limit_in_bytes", s->memory);
		if (!r && cg_has(d->fd, "memory.memsw.limit_in_bytes"))
			r = cg_write_u64(d->fd, "memory.memsw.limit_in_bytes", s->memory);
		else if (!r)
			cg_write(d->fd, "memory.swappiness", "0"); /* no swap accounting: no swap */
		if (r < 0) {
			snprintf(why, whysz, "--memory %llu: cannot set it in %s: %s",
				 (unsigned long long)s->memory, d->path, strerror(-r));
			return r;
		}
	}
	if (s->set[LIM_PIDS] && (d = cg1_run(c, CG1_PIDS))) {
		r = cg_write_u64(d->fd, "pids.max", (uint64_t)s->pids);
		if (r < 0) {
			snprintf(why, whysz, "--pids %ld: cannot set it in %s: %s", s->pids,
				 d->path, strerror(-r));
			return r;
		}
	}
	if (s->set[LIM_CPUS] && (d = cg1_run(c, CG1_CPUSET))) {
		ssize_t n =
		    cg_read(c->parent[c->hier[CG1_CPUSET]].fd, "cpuset.mems", mems, sizeof(mems));
		r = n < 0 ? (int)n : cg_write(d->fd, "cpuset.mems", mems);
		if (!r)
			r = cg_write(d->fd, "cpuset.cpus", s->cpus);
		if (r < 0) {
			snprintf(why, whysz, "--cpus %s: cannot set it in %s: %s", s->cpus, d->path,
				 strerror(-r));
			return r;
		}
	}
	if ((d = cg1_run(c, CG1_CPUACCT)))
		c->usage_split =
		    cg_has(d->fd, "cpuacct.usage_user") && cg_has(d->fd, "cpuacct.usage_sys");
	return 0;
}

static int cg1_try(struct cg1 *c, const struct limits_mounts *m, const struct settings *s,
		   char *why, size_t whysz)
{
	const char *mnt[CG1__COUNT];
	char path[PATH_MAX];
	int r;

	c->n = 0;
	for (int k = 0; k < CG1__COUNT; k++) {
		c->hier[k] = -1;
		cg_dir_init(&c->parent[k]);
		cg_dir_init(&c->run[k]);
	}
	for (int k = 0; k < CG1__COUNT; k++) {
		int j;
		if (!m->v1[k].found || (k == CG1_CPUSET && !s->set[LIM_CPUS]))
			continue;
		for (j = 0; j < c->n; j++)
			if (!strcmp(mnt[j], m->v1[k].path))
				break; /* co-mounted with an earlier controller */
		if (j == c->n) {
			if (snprintf(path, sizeof(path), "%s/sysward", m->v1[k].path) >=
			    (int)sizeof(path))
				return -ENAMETOOLONG;
			r = cg_dir_make(&c->parent[j], path);
			if (r < 0) {
				snprintf(why, whysz, "cgroup v1: cannot create %s: %s", path,
					 strerror(-r));
				return r;
			}
			mnt[j] = m->v1[k].path;
			c->n++;
			if (k == CG1_CPUSET && (r = cg1_cpuset_parent(&c->parent[j], mnt[j]))) {
				snprintf(why, whysz, "--cpus %s: cannot prepare %s: %s", s->cpus,
					 path, strerror(-r));
				return r;
			}
		}
		c->hier[k] = j;
	}
	if (!c->n) {
		snprintf(why, whysz, "cgroup v1: no memory, cpuacct, pids or freezer hierarchy");
		return -ENOENT;
	}
	r = cg1_make_runs(c);
	if (r < 0) {
		snprintf(why, whysz, "cgroup v1: cannot create a run group under %s: %s",
			 c->parent[0].path, strerror(-r));
		return r;
	}
	return cg1_set_limits(c, s, why, whysz);
}

int cg1_create(struct cg1 *c, const struct limits_mounts *m, const struct settings *s, char *why,
	       size_t whysz)
{
	int r;

	/* ENOENT: a concurrent run removed an empty `sysward` parent between our mkdirs. */
	for (int attempt = 0; attempt < 3; attempt++) {
		r = cg1_try(c, m, s, why, whysz);
		if (!r)
			return 0;
		cg1_destroy(c);
		if (r != -ENOENT)
			break;
	}
	return r;
}

int cg1_add_pid(struct cg1 *c, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (int j = 0; j < c->n; j++) {
		int r = cg_write(c->run[j].fd, "cgroup.procs", buf);
		if (r < 0)
			return r;
	}
	return 0;
}

static void keep_first(int *r, int e)
{
	if (e < 0 && !*r)
		*r = e;
}

int cg1_sample(struct cg1 *c, struct limits_usage *u)
{
	struct cg_dir *d;
	uint64_t v, a, b;
	int r = 0, e;

	if ((d = cg1_run(c, CG1_CPUACCT))) {
		e = cg_read_u64(d->fd, "cpuacct.usage", &v);
		keep_first(&r, e);
		if (!e)
			u->cpu_s = (double)v / 1e9;
		if (c->usage_split) {
			e = cg_read_u64(d->fd, "cpuacct.usage_user", &a);
			if (!e)
				e = cg_read_u64(d->fd, "cpuacct.usage_sys", &b);
			keep_first(&r, e);
			if (!e) {
				u->user_s = (double)a / 1e9;
				u->sys_s = (double)b / 1e9;
			}
		} else {
			char buf[256];
			ssize_t n = cg_read(d->fd, "cpuacct.stat", buf, sizeof(buf));
			e = n < 0 ? (int)n
				  : limits_parse_cpuacct_stat(buf, sysconf(_SC_CLK_TCK), &u->user_s,
							      &u->sys_s);
			keep_first(&r, e);
		}
		if (u->cpu_s > 0 && u->user_s + u->sys_s > 0) {
			/* the user/system split is sampled at ticks and does not add up to
			 * cpuacct.usage: keep the exact total, split in their proportion */
			double k = u->cpu_s / (u->user_s + u->sys_s);
			u->user_s *= k;
			u->sys_s *= k;
		}
	}
	if ((d = cg1_run(c, CG1_MEMORY))) {
		e = cg_read_u64(d->fd, "memory.max_usage_in_bytes", &v);
		keep_first(&r, e);
		if (!e)
			u->peak_memory_bytes = v;
		/* oom_kill appeared in 4.13; under_oom covers older kernels */
		if (!cg_read_keyed(d->fd, "memory.oom_control", "oom_kill", &v) && v)
			u->oom = true;
		if (!cg_read_keyed(d->fd, "memory.oom_control", "under_oom", &v) && v)
			u->oom = true;
	}
	if ((d = cg1_run(c, CG1_PIDS))) {
		e = cg_read_keyed(d->fd, "pids.events", "max", &v);
		keep_first(&r, e);
		if (!e && v)
			u->pids_hit = true;
	}
	return r;
}

int cg1_kill(struct cg1 *c)
{
	struct cg_dir *fz = cg1_run(c, CG1_FREEZER);
	int fds[CG1__COUNT];
	int r;

	for (int j = 0; j < c->n; j++)
		fds[j] = c->run[j].fd;
	/* Empty (the usual end of a run: the tracer saw every task exit): nothing can come in
	 * but a fork of a member or a move by us, so there is nothing to freeze or kill.  The
	 * freezer writes cost ~0.25 ms on an empty group here. */
	if (cg_populated(fds, (size_t)c->n) == 0)
		return 0;
	/* Not waiting for FROZEN: frozen or not, each pass kills every member it sees, and the
	 * freezer only stops new forks.  Killed frozen tasks die when thawed. */
	if (fz)
		cg_write(fz->fd, "freezer.state", "FROZEN");
	r = cg_kill_members(fds, (size_t)c->n);
	if (fz) {
		int e = cg_write(fz->fd, "freezer.state", "THAWED");
		if (!r)
			r = e;
	}
	return r;
}

void cg1_destroy(struct cg1 *c)
{
	int fds[CG1__COUNT];
	int n = 0;

	for (int j = 0; j < c->n; j++)
		if (c->run[j].fd >= 0)
			fds[n++] = c->run[j].fd;
	if (n) {
		cg1_kill(c);
		cg_wait_empty(fds, (size_t)n, false, CG_EMPTY_TIMEOUT_MS);
	}
	for (int j = 0; j < c->n; j++) {
		int err = 0;
		cg_dir_remove(&c->run[j], &err);
		if (err)
			warnx_("cannot remove cgroup %s: %s", c->run[j].path, strerror(-err));
		/* EBUSY: another run still uses the parent; it removes it when it can */
		cg_dir_remove(&c->parent[j], NULL);
	}
	c->n = 0;
}
