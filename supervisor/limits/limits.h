/*
 * limits: resource limits for the whole traced tree (INTERFACE.md `--cpu-time` ... `--scratch`).
 *
 * Three backends, chosen at run time (THREATS.md G: limits must hold sum-wise over the tree):
 *   LIMITS_CGROUP_V2  a cgroup under `<v2root>/sysward/run-<pid>-<n>` (or, when the v2 root is
 *                     not writable, `<own cgroup>/sysward-<pid>-<n>` in the caller's delegated
 *                     cgroup from /proc/self/cgroup);
 *   LIMITS_CGROUP_V1  one cgroup per used hierarchy, `<controller mount>/sysward/run-<pid>-<n>`
 *                     (memory, cpuacct, pids, freezer; cpuset only with --cpus);
 *   LIMITS_NONE       no cgroup: CPU from /proc/PID/stat, memory as the sampled sum of RSS,
 *                     pids as the count of live traced tasks; the tracer kills when a sample
 *                     shows the limit crossed.
 * A controller missing from the chosen backend falls back to the LIMITS_NONE method for that
 * resource alone (e.g. v2 on a hybrid v1 machine: the cgroup kills the tree and counts CPU,
 * memory is sampled RSS); limits_notice() then says which limits are only approximate.
 *
 * Environment: SYSWARD_CGROUP=v1|v2|none forces a backend (setup fails when it is not usable);
 * SYSWARD_CGROUP_ROOT=DIR points the v2 backend at a mounted cgroup2 directory (tracee-tests/
 * cgroup2-ns.sh mounts a private one).  Nothing is created outside the `sysward` parents named
 * above; every cgroup created is removed by limits_destroy().
 *
 * Calling order (tracer):
 *   limits_create -> fork -> child: limits_child_setup, stops itself -> limits_add_pid(child)
 *   -> child execs -> loop { limits_sample every 20-50 ms; limits_task_exit at each
 *   PTRACE_EVENT_EXIT }
 *   -> limits_kill_all -> keep resuming exit stops and reaping until no tracee is left
 *   -> limits_sample (final) -> limits_destroy.
 * limits_kill_all() never waits for the tree to die: a SIGKILLed tracee still stops at
 * PTRACE_EVENT_EXIT (seen on 6.x) and only the tracer can let it go.  limits_destroy() waits
 * (bounded, event-driven) for the cgroups to empty before removing them.
 */
#ifndef SYSWARD_LIMITS_H
#define SYSWARD_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "policy/settings.h"

struct limits;

enum limits_backend { LIMITS_NONE = 0, LIMITS_CGROUP_V1, LIMITS_CGROUP_V2 };

struct limits_usage {
	/* whole tree so far (cgroup cpuacct / cpu.stat, or the fallback's /proc sums) */
	double cpu_s, user_s, sys_s;
	/* whole tree (memory.peak / memory.max_usage_in_bytes, or the fallback's largest sampled
	 * sum of RSS) */
	uint64_t peak_memory_bytes;
	/* the kernel OOM-killed in the group, or (fallback) the sampled sum of RSS exceeded
	 * --memory: the tracer ends the run with `memory-limit` */
	bool oom;
	/* a fork failed on pids.max (pids.events max > 0), or (fallback) more live tasks than
	 * --pids were counted */
	bool pids_hit;
	/* the scratch directory reached its size */
	bool scratch_full;
};

/*
 * Parent, before fork: decide the backend, create the run's cgroups and set memory (no swap:
 * v2 memory.swap.max=0, v1 memory.memsw.limit_in_bytes), pids, cpuset, and the scratch
 * directory.  Returns 0, or -errno with `why` set to one line naming the option
 * ("--cpus 4: CPU 4 is not available (allowed: 0-1)").  Limits the backend cannot enforce in
 * the kernel are enforced approximately by the fallback, which limits_notice() reports.
 */
int limits_create(struct limits **out, const struct settings *s, char *why, size_t whysz);

/*
 * A server's spare worker (serve.c), before its request is known: limits_create() for a run
 * without limits, in the pool cgroups set by limits_pool_use().  limits_adopt() then makes it
 * the limits of the run's settings `s` when that is what limits_create(s) would have made
 * (the same SYSWARD_CGROUP environment; no new hierarchy or controller needed): 0; else
 * -EAGAIN, and the caller limits_drop()s it and calls limits_create(), which adopts the same
 * groups.  An ahead object never used goes with limits_destroy().
 */
int limits_create_ahead(struct limits **out);
int limits_adopt(struct limits *l, const struct settings *s);
/* Free without removing the cgroups (they stay for the pool name's next limits_create). */
void limits_drop(struct limits *l);
/* The descriptors `l` holds open (at most max of them): a process that closes all others
 * keeps these.  Their number. */
int limits_fds(const struct limits *l, int *fds, int max);

/* Parent: move the (stopped, not yet exec'd) child into the run's cgroups.  0 or -errno. */
int limits_add_pid(struct limits *l, pid_t pid);
/* cgroup v2: the run group's directory fd, for clone3(CLONE_INTO_CGROUP), which makes the
 * child there without the move limits_add_pid does (a move waits for an RCU grace period).
 * -1: none (v1, none): fork, then limits_add_pid. */
int limits_clone_fd(const struct limits *l);

/*
 * Forked child, before exec; async-signal-safe (no allocation, no stdio).  RLIMIT_CORE=0,
 * RLIMIT_FSIZE (--fsize), RLIMIT_NOFILE (--nofile), soft = hard; CPU affinity when --cpus has
 * no cpuset; for --scratch a private mount namespace with a tmpfs of the given size on the
 * scratch directory (when sysward may unshare(CLONE_NEWNS); else the plain directory, whose
 * size limits_sample watches), then chdir into it.  0 or -errno.
 */
int limits_child_setup(struct limits *l);
/* limits_child_setup() but the scratch directory, as plain data, for a process forked before
 * the run's limits were known (launch.c: a tree made ahead by a spare worker):
 * limits_child_plan() in the tracer, limits_child_apply() (async-signal-safe) in the child.
 * Not for a run with --scratch. */
struct limits_child {
	bool core0;	     /* RLIMIT_CORE 0 */
	rlim_t fsize, nofile; /* RLIM_INFINITY: unchanged */
	bool affinity;
	cpu_set_t cpus;
};
void limits_child_plan(const struct limits *l, struct limits_child *c);
int limits_child_apply(const struct limits_child *c);

/* CLONE_NEW* flags of the namespaces limits_child_setup creates (CLONE_NEWNS for a tmpfs
 * scratch), for the result record's environment.namespaces; 0 when none. */
int limits_namespaces(const struct limits *l);

/* Scratch directory, or NULL; the child enters it, the tracer allows writing DIR and below. */
const char *limits_scratch_dir(const struct limits *l);

/*
 * Tracer, at the PTRACE_EVENT_EXIT stop of task `tid` of process `tgid` (its /proc entries
 * still readable): the fallback records the group's CPU time, and a tmpfs scratch is measured
 * while a process of its mount namespace still lives.
 */
void limits_task_exit(struct limits *l, pid_t tid, pid_t tgid);

/*
 * Tracer, every ~20-50 ms and once at the end: sample usage.  `tgids` are the live traced
 * processes (used by the fallback and to reach the scratch tmpfs).  The flags in `u` are
 * sticky.  Fills `u` as far as it can; 0, or the first -errno met.
 */
int limits_sample(struct limits *l, const pid_t *tgids, size_t n, struct limits_usage *u);
/* The CPU time the cgroups accounted so far is not the run's (a launch tree made ahead set
 * itself up there): limits_sample() counts from now. */
void limits_cpu_start(struct limits *l);

/*
 * Teardown: kill every process of the run (v2 cgroup.kill; else freeze, SIGKILL each member
 * through a pidfd checked against cgroup.procs, thaw; repeated until a pass finds no new
 * member, so double-forked setsid daemons die too) and SIGKILL each given tgid.  Does not wait
 * for them to die.  0 or -errno.
 */
int limits_kill_all(struct limits *l, const pid_t *tgids, size_t n);

/* Kill what is left, wait (bounded) until the cgroups are empty, remove them and the scratch
 * directory; free.  NULL is a no-op. */
void limits_destroy(struct limits *l);

/* Run the tracer on the CPUs of --cpus (cheap stops).  0 or -errno; 0 without --cpus. */
int limits_pin_tracer(const struct limits *l);

enum limits_backend limits_backend(const struct limits *l);
/* "v1" "v2" "none" (result record environment.cgroup) */
const char *limits_backend_name(const struct limits *l);
/* One line for stderr about degraded enforcement (no "sysward: " prefix), or NULL. */
const char *limits_notice(const struct limits *l);

/*
 * Pool (pool.c): run cgroups made ahead of time, for a long-lived server (`sysward serve`).
 *
 * The server names every run's cgroups `<prefix><server pid>-<n>` (limits_pool_use in the
 * worker before its limits_create), so that a server killed before it could clean up leaves
 * only names a restarted one recognises (limits_pool_sweep).  limits_pool_prepare makes the
 * run cgroups of a name in advance, off the critical path; limits_create then adopts them
 * (and limits_destroy removes them as it removes its own).
 *
 * Moving a process into any cgroup takes the kernel's global cgroup_threadgroup_rwsem for
 * writing, which costs an RCU grace period (5-30 ms measured here) unless another writer
 * used it within about one grace period (rcu_sync stays "passed").  limits_warm_open and
 * limits_warm_poke let a server keep it so while runs arrive: writing one's own pid into
 * one's own cgroup.procs takes the lock and moves nothing.  Mounting a hierarchy with the
 * `favordynmods` option makes this unnecessary (limits_warm_open then returns -EOPNOTSUPP).
 */
/* The next limits_create() of this process uses `name` for its run cgroups and adopts those
 * that exist already (NULL or "": back to fresh names). */
void limits_pool_use(const char *name);
/* Make the run cgroups `name` now, in every hierarchy limits_create would use for a run
 * without --cpus (v1: memory, cpuacct, pids, freezer; v2: <root>/sysward).  0;
 * -EOPNOTSUPP when the backend has nothing to make ahead (none, a delegated v2); -errno. */
int limits_pool_prepare(const char *name);
/* Thaw and kill whatever is in the run cgroups `name`, wait up to timeout_ms (0: not at all)
 * for them to empty, and remove them.  0 (gone, or never there), -EBUSY (members still
 * dying: call again), -errno. */
int limits_pool_remove(const char *name, int timeout_ms);
/* Remove (as limits_pool_remove, waiting) every run cgroup named `<prefix><pid>-<n>` whose
 * pid is not a live process: what a killed server left.  The number removed, or -errno. */
int limits_pool_sweep(const char *prefix);
/* The server is done with the pool: remove the `sysward` parents when nothing is left in
 * them (another sysward's runs keep them). */
void limits_pool_release(void);
/* A descriptor for limits_warm_poke (the caller's own cgroup.procs in one hierarchy), or
 * -EOPNOTSUPP (no cgroups, or favordynmods makes it pointless), -errno. */
int limits_warm_open(void);
/* Take and release the cgroup attach lock once.  0 or -errno. */
int limits_warm_poke(int fd);

#endif
