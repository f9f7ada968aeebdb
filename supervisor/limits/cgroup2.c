/*
 * limits/cgroup2: the v2 backend.
 *
 * Layout: `<root>/sysward/run-<pid>-<n>`.  `sysward` holds no process, so it may enable
 * controllers for its children in cgroup.subtree_control; the root's subtree_control is
 * written only for a controller a requested limit needs (on systemd machines they are on
 * already).  When `<root>/sysward` cannot be made (unprivileged), the run goes to
 * `<own>/sysward-<pid>-<n>`, a child of the caller's own cgroup, which works when that cgroup
 * was delegated to the caller (systemd `Delegate=yes`, user@UID.service).  Because the caller
 * itself lives in its own cgroup, the kernel's no-internal-process rule keeps that cgroup from
 * enabling domain controllers for children: the delegated run normally has no memory/pids/
 * cpuset (those fall back), but still gives cgroup.kill teardown and exact CPU (cpu.stat is
 * core).  To get controllers unprivileged, point SYSWARD_CGROUP_ROOT at a delegated cgroup that
 * holds no process and enables them.
 *
 * cpu.stat, cgroup.kill (5.14+), cgroup.freeze (5.2+) and cgroup.events are core files, present
 * without any controller: on a hybrid machine whose v1 hierarchies own memory/pids/cpuset, a
 * v2 run still counts CPU and kills the whole tree.
 */
#include "supervisor/limits/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/util.h"

#define CG2_ATTEMPTS 64 /* run names tried before giving up */

/* Enable `ctl` for the children of `dirfd` unless it is on already.  0 or -errno. */
static int cg2_enable(int dirfd, const char *ctl)
{
	char buf[512], plus[32];
	ssize_t n = cg_read(dirfd, "cgroup.subtree_control", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (limits_has_word(buf, ctl))
		return 0;
	n = cg_read(dirfd, "cgroup.controllers", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (!limits_has_word(buf, ctl))
		return -ENOENT;
	snprintf(plus, sizeof(plus), "+%s", ctl);
	return cg_write(dirfd, "cgroup.subtree_control", plus);
}

/* <root>/sysward/run-...  0 or -errno. */
static int cg2_make_standard(struct cg2 *c, const char *root, const struct settings *s)
{
	static const struct {
		const char *name;
		enum limit_key key;
	} ctls[] = {{"memory", LIM_MEMORY}, {"pids", LIM_PIDS}, {"cpuset", LIM_CPUS}};
	char path[PATH_MAX];
	int rootfd, r;

	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	/* Only what a requested limit needs is turned on at the root (an error there leaves the
	 * controller to the fallback). */
	for (size_t i = 0; i < ARRAY_SIZE(ctls); i++)
		if (s->set[ctls[i].key])
			cg2_enable(rootfd, ctls[i].name);
	close(rootfd);

	if (snprintf(path, sizeof(path), "%s/sysward", root) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = cg_dir_make(&c->parent, path);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(ctls); i++)
		if (ctls[i].key != LIM_CPUS || s->set[LIM_CPUS])
			cg2_enable(c->parent.fd, ctls[i].name);
	cg_reap_stale(path);
	for (int attempt = 0; attempt < CG2_ATTEMPTS; attempt++) {
		char name[64];
		cg_next_name("run-", name, sizeof(name));
		r = cg_dir_make_fresh(&c->run, path, name);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

/* <own>/sysward-...  0 or -errno. */
static int cg2_make_delegated(struct cg2 *c, const char *own)
{
	int r = -EEXIST;

	for (int attempt = 0; attempt < CG2_ATTEMPTS && r == -EEXIST; attempt++) {
		char name[64];
		cg_next_name("sysward-", name, sizeof(name));
		r = cg_dir_make_fresh(&c->run, own, name);
	}
	if (!r)
		c->delegated = true;
	return r;
}

int cg2_set_limits(struct cg2 *c, const struct settings *s, char *why, size_t whysz)
{
	char buf[512];
	int fd = c->run.fd;
	int r;

	if (cg_read(fd, "cgroup.controllers", buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	c->memory = limits_has_word(buf, "memory") && cg_has(fd, "memory.max");
	c->pids = limits_has_word(buf, "pids") && cg_has(fd, "pids.max");
	c->cpuset = limits_has_word(buf, "cpuset") && cg_has(fd, "cpuset.cpus");
	c->peak = c->memory && cg_has(fd, "memory.peak");
	c->kill = cg_has(fd, "cgroup.kill");
	c->freeze = cg_has(fd, "cgroup.freeze");

	if (c->memory && s->set[LIM_MEMORY]) {
		r = cg_write_u64(fd, "memory.max", s->memory);
		/* no swap: absent when the kernel has no swap accounting */
		if (!r && cg_has(fd, "memory.swap.max"))
			r = cg_write(fd, "memory.swap.max", "0");
		if (r < 0) {
			snprintf(why, whysz, "--memory %llu: cannot set it in %s: %s",
				 (unsigned long long)s->memory, c->run.path, strerror(-r));
			return r;
		}
	}
	/* one OOM kill takes the whole run: the verdict is memory-limit anyway */
	if (c->memory && cg_has(fd, "memory.oom.group"))
		cg_write(fd, "memory.oom.group", "1");
	if (c->pids && s->set[LIM_PIDS]) {
		r = cg_write_u64(fd, "pids.max", (uint64_t)s->pids);
		if (r < 0) {
			snprintf(why, whysz, "--pids %ld: cannot set it in %s: %s", s->pids,
				 c->run.path, strerror(-r));
			return r;
		}
	}
	if (c->cpuset && s->set[LIM_CPUS]) {
		r = cg_write(fd, "cpuset.cpus", s->cpus);
		if (r < 0) {
			snprintf(why, whysz, "--cpus %s: cannot set it in %s: %s", s->cpus,
				 c->run.path, strerror(-r));
			return r;
		}
	}
	return 0;
}

int cg2_create(struct cg2 *c, const char *root, const char *own, const struct settings *s,
	       char *why, size_t whysz)
{
	int r, rd;

	memset(c, 0, sizeof(*c));
	cg_dir_init(&c->parent);
	cg_dir_init(&c->run);
	/* ENOENT: a concurrent run removed an empty `sysward` parent between our mkdirs. */
	for (int attempt = 0; attempt < 3; attempt++) {
		r = cg2_make_standard(c, root, s);
		if (r != -ENOENT)
			break;
		cg_dir_remove(&c->parent, NULL);
	}
	if (r < 0) {
		bool delegable = own && (r == -EACCES || r == -EPERM || r == -EROFS);
		cg_dir_remove(&c->parent, NULL);
		rd = delegable ? cg2_make_delegated(c, own) : r;
		if (rd < 0) {
			if (delegable)
				snprintf(why, whysz,
					 "cgroup v2: cannot create %s/sysward: %s; nor in "
					 "the own cgroup %s: %s",
					 root, strerror(-r), own, strerror(-rd));
			else
				snprintf(why, whysz, "cgroup v2: cannot create %s/sysward: %s",
					 root, strerror(-r));
			return r;
		}
	}
	r = cg2_set_limits(c, s, why, whysz);
	if (r < 0)
		cg2_destroy(c);
	return r;
}

int cg2_add_pid(struct cg2 *c, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cg_write(c->run.fd, "cgroup.procs", buf);
}

int cg2_sample(struct cg2 *c, struct limits_usage *u)
{
	struct limits_cpu cpu;
	char buf[1024];
	uint64_t v;
	ssize_t n;
	int r = 0, e;

	n = cg_read(c->run.fd, "cpu.stat", buf, sizeof(buf));
	e = n < 0 ? (int)n : limits_parse_cpu_stat(buf, &cpu);
	if (e < 0) {
		r = e;
	} else {
		u->cpu_s = cpu.cpu_s;
		u->user_s = cpu.user_s;
		u->sys_s = cpu.sys_s;
	}
	if (c->memory) {
		if (c->peak) {
			e = cg_read_u64(c->run.fd, "memory.peak", &v);
		} else {
			e = cg_read_u64(c->run.fd, "memory.current", &v);
			if (!e && v < c->peak_seen)
				v = c->peak_seen;
		}
		if (!e)
			u->peak_memory_bytes = c->peak_seen = v;
		else if (!r)
			r = e;
		n = cg_read(c->run.fd, "memory.events", buf, sizeof(buf));
		if (n >= 0) {
			if (!limits_parse_keyed(buf, "oom_kill", &v) && v)
				u->oom = true;
			if (!limits_parse_keyed(buf, "oom", &v) && v)
				u->oom = true;
		} else if (!r) {
			r = (int)n;
		}
	}
	if (c->pids) {
		e = cg_read_keyed(c->run.fd, "pids.events", "max", &v);
		if (!e && v)
			u->pids_hit = true;
		else if (e < 0 && !r)
			r = e;
	}
	return r;
}

int cg2_kill(struct cg2 *c)
{
	int r;

	if (c->run.fd < 0)
		return 0;
	if (c->kill)
		return cg_write(c->run.fd, "cgroup.kill", "1");
	/* Before 5.14: freeze so nothing forks, kill each member, thaw (v2 frozen tasks die on
	 * SIGKILL without the thaw, but the group must not stay frozen). */
	if (c->freeze)
		cg_write(c->run.fd, "cgroup.freeze", "1");
	r = cg_kill_members(&c->run.fd, 1);
	if (c->freeze) {
		int e = cg_write(c->run.fd, "cgroup.freeze", "0");
		if (!r)
			r = e;
	}
	return r;
}

void cg2_destroy(struct cg2 *c)
{
	int err = 0;

	if (c->run.fd >= 0) {
		cg2_kill(c);
		cg_wait_empty(&c->run.fd, 1, true, CG_EMPTY_TIMEOUT_MS);
	}
	cg_dir_remove(&c->run, &err);
	if (err)
		warnx_("cannot remove cgroup %s: %s", c->run.path, strerror(-err));
	/* EBUSY: another run still uses the parent; it removes it when it can */
	cg_dir_remove(&c->parent, NULL);
}
