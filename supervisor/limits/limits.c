/* limits: the public interface: choose the backend, dispatch, fall back per resource. */
#include "supervisor/limits/limits.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "supervisor/limits/internal.h"
#include "supervisor/util.h"

struct limits {
	struct settings s;
	enum limits_backend backend;
	struct cg1 v1;
	struct cg2 v2;
	/* Which resources a cgroup accounts and enforces; the others use the fallback. */
	bool cg_cpu, cg_mem, cg_pids, cg_cpus;
	bool affinity; /* --cpus without a cpuset: sched_setaffinity in the child */
	cpu_set_t cpus;
	struct fb fb;
	struct scratch scr;
	bool oom, pids_hit; /* sticky */
	char notice[1024];
	/* what the backend was chosen from, for limits_adopt */
	char *force, *root_env; /* SYSWARD_CGROUP, SYSWARD_CGROUP_ROOT (NULL: unset) */
	char cg_why[256];	/* why no cgroup is used (backend none) */
	bool cpuset_mounted;	/* a v1 cpuset hierarchy (only --cpus makes a group there) */
	double base_cpu, base_user, base_sys; /* limits_cpu_start: not the run's */
};


static int check_settings(struct limits *l, char *why, size_t whysz)
{
	const struct settings *s = &l->s;

	if (s->set[LIM_CPUS]) {
		cpu_set_t allowed, extra;
		char list[256];
		int r = limits_parse_cpulist(s->cpus, &l->cpus);
		if (r < 0) {
			snprintf(why, whysz, "--cpus %s: not a CPU list such as 0-1,3", s->cpus);
			return -EINVAL;
		}
		if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
			r = -errno;
			snprintf(why, whysz, "--cpus %s: sched_getaffinity: %s", s->cpus,
				 strerror(-r));
			return r;
		}
		CPU_AND(&extra, &l->cpus, &allowed);
		if (!CPU_EQUAL(&extra, &l->cpus)) {
			CPU_XOR(&extra, &extra, &l->cpus);
			limits_format_cpulist(&allowed, list, sizeof(list));
			for (int c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &extra)) {
					snprintf(why, whysz,
						 "--cpus %s: CPU %d is not available (allowed: %s)",
						 s->cpus, c, list);
					break;
				}
			return -EINVAL;
		}
	}
	if (s->set[LIM_NOFILE]) {
		struct rlimit rl;
		char buf[32];
		uint64_t nr_open;
		if (s->nofile < 0) {
			snprintf(why, whysz, "--nofile %ld: must not be negative", s->nofile);
			return -EINVAL;
		}
		if (!getrlimit(RLIMIT_NOFILE, &rl) && (rlim_t)s->nofile > rl.rlim_max &&
		    geteuid() != 0) {
			snprintf(why, whysz, "--nofile %ld: above the hard limit %llu", s->nofile,
				 (unsigned long long)rl.rlim_max);
			return -EPERM;
		}
		if (read_small_file("/proc/sys/fs/nr_open", buf, sizeof(buf)) > 0 &&
		    !limits_parse_u64(buf, &nr_open) && (uint64_t)s->nofile > nr_open) {
			snprintf(why, whysz, "--nofile %ld: above fs.nr_open %llu", s->nofile,
				 (unsigned long long)nr_open);
			return -EPERM;
		}
	}
	if (s->set[LIM_PIDS] && s->pids < 0) {
		snprintf(why, whysz, "--pids %ld: must not be negative", s->pids);
		return -EINVAL;
	}
	return 0;
}

/* Set up the chosen cgroup backend.  0, or -errno with `why`. */
static int setup_cgroup(struct limits *l, const struct limits_mounts *m, const char *root_env,
			char *why, size_t whysz)
{
	if (l->backend == LIMITS_CGROUP_V1) {
		int r = cg1_create(&l->v1, m, &l->s, why, whysz);
		if (r < 0)
			return r;
		l->cg_cpu = cg1_has(&l->v1, CG1_CPUACCT);
		l->cg_mem = cg1_has(&l->v1, CG1_MEMORY);
		l->cg_pids = cg1_has(&l->v1, CG1_PIDS);
		l->cg_cpus = cg1_has(&l->v1, CG1_CPUSET);
		return 0;
	}
	if (l->backend == LIMITS_CGROUP_V2) {
		const char *root = root_env && *root_env ? root_env : m->v2.path;
		char rel[PATH_MAX], own[PATH_MAX];
		const char *ownp = NULL;
		char *self = read_file_alloc("/proc/self/cgroup");
		int r;

		if (self && m->v2.found &&
		    !limits_parse_own_cgroup(self, m->v2.root, rel, sizeof(rel)) &&
		    strcmp(rel, "/") &&
		    snprintf(own, sizeof(own), "%s%s", m->v2.path, rel) < (int)sizeof(own))
			ownp = own;
		free(self);
		r = cg2_create(&l->v2, root, ownp, &l->s, why, whysz);
		if (r < 0)
			return r;
		l->cg_cpu = true;
		l->cg_mem = l->v2.memory;
		l->cg_pids = l->v2.pids;
		l->cg_cpus = l->v2.cpuset;
		return 0;
	}
	return 0;
}

/* One line naming each requested limit that is only approximate, and why. */
static void build_notice(struct limits *l, const char *force, const char *cg_why)
{
	const struct settings *s = &l->s;
	static const char *const how[] = {
	    "--memory by sampling the sum of RSS",
	    "--pids by counting live tasks",
	    "--cpus by CPU affinity only",
	};
	static const char *const ctl[] = {"memory", "pids", "cpuset"};
	bool degraded[3] = {
	    s->set[LIM_MEMORY] && !l->cg_mem,
	    s->set[LIM_PIDS] && !l->cg_pids,
	    s->set[LIM_CPUS] && !l->cg_cpus,
	};
	char reason[320], items[256] = "", missing[64] = "";
	size_t len = 0;
	int n = 0;

	for (int i = 0; i < 3; i++) {
		if (!degraded[i])
			continue;
		len += (size_t)snprintf(items + len, sizeof(items) - len, "%s%s", n ? ", " : "",
					how[i]);
		snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
			 n ? ", " : "", ctl[i]);
		n++;
		if (len >= sizeof(items))
			break;
	}
	if (l->backend != LIMITS_NONE)
		snprintf(reason, sizeof(reason), "cgroup %s without %s", limits_backend_name(l),
			 missing);
	else if (force && !strcmp(force, "none"))
		snprintf(reason, sizeof(reason), "no cgroup: SYSWARD_CGROUP=none");
	else
		snprintf(reason, sizeof(reason), "no cgroup: %s",
			 cg_why[0] ? cg_why : "no cgroup hierarchy is mounted");
	if (n && l->scr.mode == SCR_DIR)
		snprintf(l->notice, sizeof(l->notice),
			 "limits enforced approximately (%s): %s; --scratch by sampling the "
			 "directory size (no mount namespace)",
			 reason, items);
	else if (n)
		snprintf(l->notice, sizeof(l->notice), "limits enforced approximately (%s): %s",
			 reason, items);
	else if (l->scr.mode == SCR_DIR)
		snprintf(l->notice, sizeof(l->notice),
			 "--scratch enforced approximately by "
			 "sampling the directory size (no mount namespace)");
}

int limits_create(struct limits **out, const struct settings *s, char *why, size_t whysz)
{
	const char *force = getenv("SYSWARD_CGROUP");
	const char *root_env = getenv("SYSWARD_CGROUP_ROOT");
	struct limits_mounts *m = xcalloc(1, sizeof(*m));
	struct limits *l = xcalloc(1, sizeof(*l));
	char *cg_why = l->cg_why;
	char *mi;
	int r;

	l->force = force ? xstrdup(force) : NULL;
	l->root_env = root_env ? xstrdup(root_env) : NULL;
	l->s = *s;
	cg_dir_init(&l->v2.parent);
	cg_dir_init(&l->v2.run);
	l->v1.n = 0;
	fb_init(&l->fb);
	scr_init(&l->scr);
	why[0] = '\0';

	r = check_settings(l, why, whysz);
	if (r < 0)
		goto fail;

	mi = read_file_alloc("/proc/self/mountinfo");
	if (!mi) {
		r = -errno;
		snprintf(why, whysz, "cannot read /proc/self/mountinfo: %s", strerror(-r));
		goto fail;
	}
	r = limits_parse_mountinfo(mi, m);
	free(mi);
	if (r < 0) {
		snprintf(why, whysz, "cannot parse /proc/self/mountinfo");
		goto fail;
	}
	r = limits_pick_backend(m, force, root_env, &l->backend);
	if (r == -EINVAL) {
		snprintf(why, whysz, "SYSWARD_CGROUP=%s: expected v1, v2 or none", force);
		goto fail;
	}
	if (r < 0) {
		snprintf(why, whysz, "SYSWARD_CGROUP=%s: no such cgroup hierarchy is mounted",
			 force);
		goto fail;
	}
	l->cpuset_mounted = m->v1[CG1_CPUSET].found;
	r = setup_cgroup(l, m, root_env, cg_why, sizeof(l->cg_why));
	if (r < 0) {
		if (force && *force) {
			snprintf(why, whysz, "SYSWARD_CGROUP=%s: %s", force, cg_why);
			goto fail;
		}
		/* setup_cgroup cleaned up after itself */
		l->backend = LIMITS_NONE;
	}
	l->affinity = s->set[LIM_CPUS] && !l->cg_cpus;
	if (s->set[LIM_SCRATCH]) {
		r = scr_create(&l->scr, s->scratch, why, whysz);
		if (r < 0)
			goto fail;
	}
	build_notice(l, force, cg_why);
	free(m);
	*out = l;
	return 0;
fail:
	free(m);
	limits_destroy(l);
	*out = NULL;
	return r;
}

int limits_create_ahead(struct limits **out)
{
	struct settings none;
	char why[256];

	memset(&none, 0, sizeof(none));
	return limits_create(out, &none, why, sizeof(why));
}

static bool same_env(const char *name, const char *then)
{
	const char *now = getenv(name);

	return (!now && !then) || (now && then && !strcmp(now, then));
}

int limits_adopt(struct limits *l, const struct settings *s)
{
	char why[512];
	bool need_mem = s->set[LIM_MEMORY], need_pids = s->set[LIM_PIDS];
	bool need_cpus = s->set[LIM_CPUS];

	/* anything limits_create would do otherwise than it did for `l` (made without limits):
	 * the caller does it with limits_create, whose messages are the ones a run gives */
	if (!same_env("SYSWARD_CGROUP", l->force) || !same_env("SYSWARD_CGROUP_ROOT", l->root_env))
		return -EAGAIN;
	if (l->scr.mode != SCR_NONE || l->s.set[LIM_CPUS] || l->s.set[LIM_MEMORY] ||
	    l->s.set[LIM_PIDS] || l->s.set[LIM_SCRATCH])
		return -EAGAIN; /* not made ahead, or adopted once already */
	l->s = *s;
	if (check_settings(l, why, sizeof(why)) < 0)
		return -EAGAIN;
	switch (l->backend) {
	case LIMITS_CGROUP_V1:
		/* --cpus makes a group in the cpuset hierarchy; memory, pids are knobs */
		if (need_cpus && l->cpuset_mounted)
			return -EAGAIN;
		if (cg1_set_limits(&l->v1, s, why, sizeof(why)) < 0)
			return -EAGAIN;
		break;
	case LIMITS_CGROUP_V2:
		/* limits_create turns a controller on at the root only when a limit needs it */
		if ((need_mem && !l->v2.memory) || (need_pids && !l->v2.pids) ||
		    (need_cpus && !l->v2.cpuset))
			return -EAGAIN;
		if (cg2_set_limits(&l->v2, s, why, sizeof(why)) < 0)
			return -EAGAIN;
		break;
	case LIMITS_NONE:
		break;
	}
	l->affinity = need_cpus && !l->cg_cpus;
	if (s->set[LIM_SCRATCH] && scr_create(&l->scr, s->scratch, why, sizeof(why)) < 0)
		return -EAGAIN;
	build_notice(l, l->force, l->cg_why);
	return 0;
}

int limits_fds(const struct limits *l, int *fds, int max)
{
	int n = 0;

	for (int j = 0; j < l->v1.n; j++) {
		if (l->v1.run[j].fd >= 0 && n < max)
			fds[n++] = l->v1.run[j].fd;
		if (l->v1.parent[j].fd >= 0 && n < max)
			fds[n++] = l->v1.parent[j].fd;
	}
	if (l->v2.run.fd >= 0 && n < max)
		fds[n++] = l->v2.run.fd;
	if (l->v2.parent.fd >= 0 && n < max)
		fds[n++] = l->v2.parent.fd;
	return n;
}

/* Close without removing: the groups stay for a limits_create of the same pool name. */
void limits_drop(struct limits *l)
{
	if (!l)
		return;
	for (int j = 0; j < l->v1.n; j++) {
		l->v1.run[j].made = l->v1.parent[j].made = false;
		cg_dir_remove(&l->v1.run[j], NULL);
		cg_dir_remove(&l->v1.parent[j], NULL);
	}
	l->v2.run.made = l->v2.parent.made = false;
	cg_dir_remove(&l->v2.run, NULL);
	cg_dir_remove(&l->v2.parent, NULL);
	scr_destroy(&l->scr);
	fb_free(&l->fb);
	free(l->force);
	free(l->root_env);
	free(l);
}

int limits_clone_fd(const struct limits *l)
{
	return l && l->backend == LIMITS_CGROUP_V2 ? l->v2.run.fd : -1;
}

int limits_add_pid(struct limits *l, pid_t pid)
{
	switch (l->backend) {
	case LIMITS_CGROUP_V1:
		return cg1_add_pid(&l->v1, pid);
	case LIMITS_CGROUP_V2:
		return cg2_add_pid(&l->v2, pid);
	case LIMITS_NONE:
		break;
	}
	return 0;
}

void limits_child_plan(const struct limits *l, struct limits_child *c)
{
	const struct settings *s = &l->s;

	memset(c, 0, sizeof(*c));
	c->core0 = !s->plain;
	c->fsize = s->set[LIM_FSIZE] ? (rlim_t)s->fsize : RLIM_INFINITY;
	if (l->scr.mode == SCR_DIR && (rlim_t)l->scr.size < c->fsize)
		c->fsize = (rlim_t)l->scr.size;
	c->nofile = s->set[LIM_NOFILE] ? (rlim_t)s->nofile : RLIM_INFINITY;
	c->affinity = l->affinity;
	if (l->affinity)
		c->cpus = l->cpus;
}

/* Async-signal-safe: system calls only. */
int limits_child_apply(const struct limits_child *c)
{
	struct rlimit rl = {0, 0};

	if (c->core0 && setrlimit(RLIMIT_CORE, &rl) < 0)
		return -errno;
	if (c->fsize != RLIM_INFINITY) {
		rl.rlim_cur = rl.rlim_max = c->fsize;
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			return -errno;
	}
	if (c->nofile != RLIM_INFINITY) {
		rl.rlim_cur = rl.rlim_max = c->nofile;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -errno;
	}
	if (c->affinity && sched_setaffinity(0, sizeof(c->cpus), &c->cpus) < 0)
		return -errno;
	return 0;
}

/* Async-signal-safe: only system calls on data prepared by limits_create. */
int limits_child_setup(struct limits *l)
{
	struct limits_child c;
	int r;

	r = scr_child(&l->scr);
	if (r < 0)
		return r;
	limits_child_plan(l, &c);
	return limits_child_apply(&c);
}

const char *limits_scratch_dir(const struct limits *l)
{
	return l->scr.mode != SCR_NONE ? l->scr.dir : NULL;
}

int limits_namespaces(const struct limits *l)
{
	return l->scr.mode == SCR_TMPFS ? CLONE_NEWNS : 0;
}

void limits_task_exit(struct limits *l, pid_t tid, pid_t tgid)
{
	struct limits_proc_stat ps;

	/* /proc/TGID/stat: group totals, keyed by the leader's starttime (a zombie leader stays
	 * readable until its whole group is reaped) */
	if (!l->cg_cpu)
		fb_account(&l->fb, tgid, &ps);
	/* the exiting task still holds the scratch tmpfs's mount namespace */
	scr_check(&l->scr, tid);
}

int limits_sample(struct limits *l, const pid_t *tgids, size_t n, struct limits_usage *u)
{
	const struct settings *s = &l->s;
	uint64_t rss = 0;
	long tasks = 0;
	int r = 0;

	memset(u, 0, sizeof(*u));
	if (!l->cg_cpu || !l->cg_mem || !l->cg_pids)
		fb_sample(&l->fb, tgids, n, &rss, &tasks);
	if (l->backend == LIMITS_CGROUP_V1)
		r = cg1_sample(&l->v1, u);
	else if (l->backend == LIMITS_CGROUP_V2)
		r = cg2_sample(&l->v2, u);
	if (!l->cg_cpu) {
		fb_cpu(&l->fb, &u->cpu_s, &u->user_s, &u->sys_s);
	} else {
		u->cpu_s = u->cpu_s > l->base_cpu ? u->cpu_s - l->base_cpu : 0;
		u->user_s = u->user_s > l->base_user ? u->user_s - l->base_user : 0;
		u->sys_s = u->sys_s > l->base_sys ? u->sys_s - l->base_sys : 0;
	}
	if (!l->cg_mem) {
		u->peak_memory_bytes = l->fb.peak_rss;
		if (s->set[LIM_MEMORY] && rss > s->memory)
			u->oom = true;
	}
	if (!l->cg_pids && s->set[LIM_PIDS] && tasks > s->pids)
		u->pids_hit = true;
	l->oom |= u->oom;
	l->pids_hit |= u->pids_hit;
	u->oom = l->oom;
	u->pids_hit = l->pids_hit;
	if (!n)
		scr_check(&l->scr, 0);
	for (size_t i = 0; i < n && !scr_check(&l->scr, tgids[i]); i++)
		; /* a zombie or a process not yet in the mount namespace: try the next */
	u->scratch_full = l->scr.full;
	return r;
}

void limits_cpu_start(struct limits *l)
{
	struct limits_usage u = {0};

	if (!l->cg_cpu)
		return;
	if ((l->backend == LIMITS_CGROUP_V1 ? cg1_sample(&l->v1, &u)
					    : cg2_sample(&l->v2, &u)) < 0)
		return;
	l->base_cpu = u.cpu_s;
	l->base_user = u.user_s;
	l->base_sys = u.sys_s;
}

int limits_kill_all(struct limits *l, const pid_t *tgids, size_t n)
{
	int r = 0;

	if (l->backend == LIMITS_CGROUP_V1)
		r = cg1_kill(&l->v1);
	else if (l->backend == LIMITS_CGROUP_V2)
		r = cg2_kill(&l->v2);
	for (size_t i = 0; i < n; i++)
		if (kill(tgids[i], SIGKILL) < 0 && errno != ESRCH && !r)
			r = -errno;
	return r;
}

void limits_destroy(struct limits *l)
{
	if (!l)
		return;
	if (l->backend == LIMITS_CGROUP_V1)
		cg1_destroy(&l->v1);
	else if (l->backend == LIMITS_CGROUP_V2)
		cg2_destroy(&l->v2);
	scr_destroy(&l->scr);
	fb_free(&l->fb);
	free(l->force);
	free(l->root_env);
	free(l);
}

enum limits_backend limits_backend(const struct limits *l)
{
	return l->backend;
}

const char *limits_backend_name(const struct limits *l)
{
	switch (l->backend) {
	case LIMITS_CGROUP_V1:
		return "v1";
	case LIMITS_CGROUP_V2:
		return "v2";
	case LIMITS_NONE:
		break;
	}
	return "none";
}

const char *limits_notice(const struct limits *l)
{
	return l->notice[0] ? l->notice : NULL;
}

int limits_pin_tracer(const struct limits *l)
{
	/* a ptrace stop costs ~7 us when tracer and tracee share a CPU and ~30-200 us when
	 * they do not (docs/PERFORMANCE.md): the tracer follows the tree onto its CPUs */
	if (!l || !l->s.set[LIM_CPUS])
		return 0;
	if (sched_setaffinity(0, sizeof(l->cpus), &l->cpus) < 0)
		return -errno;
	return 0;
}
