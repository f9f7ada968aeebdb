/*
 * limits internals: shared by the supervisor/limits/ sources and tests/test_limits.c only.
 *
 *   parse.c     pure parsers of kernel text (cgroup knobs, /proc), unit tested without a kernel
 *   cgroup.c    cg_   helpers common to both cgroup versions (knobs, member kill, wait empty)
 *   cgroup1.c   cg1_  the v1 backend, one cgroup per hierarchy
 *   cgroup2.c   cg2_  the v2 backend
 *   fallback.c  fb_   accounting from /proc when a controller is missing
 *   scratch.c   scr_  the --scratch directory (parent side and child side)
 *   limits.c          the public interface: choose, dispatch, notice
 */
#ifndef SYSWARD_LIMITS_INTERNAL_H
#define SYSWARD_LIMITS_INTERNAL_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervisor/limits/limits.h"

/* ---- parse.c: pure parsers ------------------------------------------------------------- */

/* A one-value knob: "123\n", or "max\n" (UINT64_MAX).  0 or -EINVAL. */
int limits_parse_u64(const char *text, uint64_t *val);
/* A flat-keyed file ("key value" lines: cpu.stat, memory.events, pids.events, cpuacct.stat,
 * memory.oom_control).  0, -ENOENT when the key is absent, -EINVAL when its value is bad. */
int limits_parse_keyed(const char *text, const char *key, uint64_t *val);

struct limits_cpu {
	double cpu_s, user_s, sys_s;
};
/* v2 cpu.stat: usage_usec, user_usec, system_usec.  0 or -ENOENT/-EINVAL. */
int limits_parse_cpu_stat(const char *text, struct limits_cpu *c);
/* v1 cpuacct.stat: "user T\nsystem T\n" in USER_HZ ticks.  0 or -ENOENT/-EINVAL. */
int limits_parse_cpuacct_stat(const char *text, long ticks_per_s, double *user_s, double *sys_s);

/* The fields of /proc/PID/stat the fallback uses (proc(5) numbering in comments). */
struct limits_proc_stat {
	char state;	    /* (3) */
	uint64_t utime;	    /* (14) clock ticks, the whole thread group */
	uint64_t stime;	    /* (15) */
	long num_threads;   /* (20) */
	uint64_t starttime; /* (22) ticks after boot: with the pid, names one process for life */
	uint64_t rss_pages; /* (24) */
};
/* `comm` may hold spaces and parentheses: fields are counted after the last ')'.  0/-EINVAL. */
int limits_parse_proc_stat(const char *text, struct limits_proc_stat *ps);

/* cpuset list syntax "0-2,5,7-8".  0, -EINVAL (syntax, empty), -ERANGE (>= CPU_SETSIZE). */
int limits_parse_cpulist(const char *list, cpu_set_t *set);
/* Format a set back into list syntax (for messages).  Always NUL-terminates. */
void limits_format_cpulist(const cpu_set_t *set, char *buf, size_t size);
/* Is `word` an element of the space-separated list (cgroup.controllers)? */
bool limits_has_word(const char *list, const char *word);

enum cg1_ctl { CG1_MEMORY, CG1_CPUACCT, CG1_PIDS, CG1_FREEZER, CG1_CPUSET, CG1__COUNT };
extern const char *const limits_cg1_names[CG1__COUNT];

struct limits_mount {
	bool found;
	char path[PATH_MAX]; /* mount point, unescaped */
	char root[PATH_MAX]; /* the cgroup shown at the mount point ("/" unless a bind/namespace) */
};
struct limits_mounts {
	struct limits_mount v2; /* a cgroup2 mount: /sys/fs/cgroup if it is one */
	bool v2_is_main;	/* mounted at /sys/fs/cgroup: a pure v2 (unified) system */
	struct limits_mount v1[CG1__COUNT];
};
/* Read /proc/self/mountinfo text.  0 or -EINVAL on a malformed line. */
int limits_parse_mountinfo(const char *text, struct limits_mounts *m);
/* Choose: `force` is SYSWARD_CGROUP (NULL/"" = auto), `root_env` SYSWARD_CGROUP_ROOT.
 * 0; -EINVAL for a bad `force`; -ENOENT when the forced backend has no hierarchy. */
int limits_pick_backend(const struct limits_mounts *m, const char *force, const char *root_env,
			enum limits_backend *out);
/* The caller's v2 cgroup ("0::/a/b" in /proc/self/cgroup) relative to a cgroup2 mount whose
 * root is `mount_root`: "/a/b".  0, -ENOENT (no v2 line, or outside the mount), -ENAMETOOLONG. */
int limits_parse_own_cgroup(const char *text, const char *mount_root, char *out, size_t outsz);

/* ---- cgroup.c ---------------------------------------------------------------------------- */

#define CG_EMPTY_TIMEOUT_MS 2000 /* limits_destroy: longest wait for the run's groups to empty */

struct cg_dir {
	char path[PATH_MAX];
	int fd;	   /* O_DIRECTORY, -1 when not open */
	bool made; /* created by this run: remove it */
};

void cg_dir_init(struct cg_dir *d);
/* mkdir (EEXIST is fine: `made` tells) and open.  0 or -errno. */
int cg_dir_make(struct cg_dir *d, const char *path);
/* Create `<parent_path>/<name>`, which must not exist yet (-EEXIST).  0 or -errno. */
int cg_dir_make_fresh(struct cg_dir *d, const char *parent_path, const char *name);
/* The next run name of this process: "<prefix><pid>-<n>", or the pool's (limits_pool_use). */
/* Remove the empty run groups of sysward processes that no longer exist. */
void cg_reap_stale(const char *parent_path);
void cg_next_name(const char *prefix, char *buf, size_t size);
/* pool.c: the name set by limits_pool_use, "" when none; cg_dir_make_fresh adopts an existing
 * directory of this name instead of failing with -EEXIST. */
extern char limits_pool_name[64];
/* Close, and rmdir when `made`; the first failure goes to *err (when err is not NULL). */
void cg_dir_remove(struct cg_dir *d, int *err);

/* Knob I/O relative to a cgroup directory.  Bytes read / 0, or -errno. */
ssize_t cg_read(int dirfd, const char *knob, char *buf, size_t size);
int cg_write(int dirfd, const char *knob, const char *val);
int cg_write_u64(int dirfd, const char *knob, uint64_t val);
bool cg_has(int dirfd, const char *knob);
int cg_read_u64(int dirfd, const char *knob, uint64_t *val);
int cg_read_keyed(int dirfd, const char *knob, const char *key, uint64_t *val);

/* The members (cgroup.procs) of a cgroup.  0 or -errno; *pids is malloc'd. */
int cg_read_pids(int dirfd, pid_t **pids, size_t *n);
/*
 * SIGKILL every member of the cgroups `dirfds` until a pass finds no member not yet killed.
 * Each pid is opened as a pidfd and signalled only if still listed after the open, so a pid
 * reused outside the run is never hit.  The caller freezes/thaws around it.  0 or -errno.
 */
int cg_kill_members(const int *dirfds, size_t n);
/* Has any of the cgroups `dirfds` a member?  1, 0, or -errno. */
int cg_populated(const int *dirfds, size_t n);
/* Wait until no process is a member: pidfd exits (v1) or cgroup.events `populated 0` (v2).
 * Bounded by `timeout_ms`.  0, -ETIMEDOUT or -errno. */
int cg_wait_empty(const int *dirfds, size_t n, bool v2_events, int timeout_ms);

/* ---- cgroup1.c ----------------------------------------------------------------------------- */

struct cg1 {
	int n;				  /* distinct hierarchies used */
	struct cg_dir parent[CG1__COUNT]; /* <mount>/sysward */
	struct cg_dir run[CG1__COUNT];	  /* <mount>/sysward/run-<pid>-<n> */
	int hier[CG1__COUNT];		  /* controller -> index of parent/run, -1 when unused */
	bool usage_split;		  /* cpuacct.usage_user/_sys (ns) are present */
};

/* Create the run's cgroups for every mounted controller and set the limits in `s`.
 * 0 or -errno with `why`. */
int cg1_create(struct cg1 *c, const struct limits_mounts *m, const struct settings *s, char *why,
	       size_t whysz);
int cg1_add_pid(struct cg1 *c, pid_t pid);
/* Write the limits of `s` into the run's groups (cg1_create does; limits_adopt again). */
int cg1_set_limits(struct cg1 *c, const struct settings *s, char *why, size_t whysz);
bool cg1_has(const struct cg1 *c, enum cg1_ctl ctl);
/* Fill the parts of `u` the used controllers know (cpu, memory, pids).  0 or first -errno. */
int cg1_sample(struct cg1 *c, struct limits_usage *u);
/* Freeze (when a freezer hierarchy is used), kill every member, thaw.  0 or -errno. */
int cg1_kill(struct cg1 *c);
/* Kill what is left, wait for the groups to empty (bounded), remove them. */
void cg1_destroy(struct cg1 *c);

/* ---- cgroup2.c ----------------------------------------------------------------------------- */

struct cg2 {
	struct cg_dir parent; /* <root>/sysward; unused (fd -1) in the delegated layout */
	struct cg_dir run;    /* .../run-<pid>-<n>, or <own>/sysward-<pid>-<n> */
	bool delegated;
	bool memory, pids, cpuset; /* controllers enabled in `run` */
	bool peak, kill, freeze;   /* memory.peak, cgroup.kill, cgroup.freeze exist */
	uint64_t peak_seen;	   /* max memory.current sampled when memory.peak is missing */
};

/* `root` is the cgroup2 directory to work under; `own` the caller's own cgroup directory for
 * the delegated layout (NULL: none).  0 or -errno with `why`. */
int cg2_create(struct cg2 *c, const char *root, const char *own, const struct settings *s,
	       char *why, size_t whysz);
int cg2_add_pid(struct cg2 *c, pid_t pid);
/* Find the run group's controllers and write the limits of `s` (cg2_create; limits_adopt). */
int cg2_set_limits(struct cg2 *c, const struct settings *s, char *why, size_t whysz);
/* Fill cpu (always) and memory, pids (when enabled) in `u`.  0 or first -errno. */
int cg2_sample(struct cg2 *c, struct limits_usage *u);
/* cgroup.kill, or freeze + kill every member + thaw.  0 or -errno. */
int cg2_kill(struct cg2 *c);
/* Kill what is left, wait for `populated 0` (bounded), remove the run's cgroups. */
void cg2_destroy(struct cg2 *c);

/* ---- fallback.c ---------------------------------------------------------------------------- */

struct fb_entry {
	pid_t tgid;	/* 0: free slot */
	uint64_t start; /* starttime: tells a reused pid apart */
	uint64_t utime, stime;
};
struct fb {
	struct fb_entry *tab;
	size_t cap, used;
	uint64_t utime, stime; /* sum over every process ever seen, last known values */
	uint64_t peak_rss;     /* largest sampled sum of RSS, bytes */
	long ticks_per_s, page_size;
};

void fb_init(struct fb *f);
void fb_free(struct fb *f);
/* Record the group CPU of process `tgid` from its stat (pure: the unit tests feed it). */
void fb_record(struct fb *f, pid_t tgid, const struct limits_proc_stat *ps);
/* Read /proc/PID/stat, record it (fb_record) and return it.  0 or -errno (-ENOENT: gone). */
int fb_account(struct fb *f, pid_t pid, struct limits_proc_stat *ps);
/* Sample the live processes: CPU into the table, RSS sum (peak kept) and task count out. */
void fb_sample(struct fb *f, const pid_t *tgids, size_t n, uint64_t *rss_sum, long *tasks);
void fb_cpu(const struct fb *f, double *cpu_s, double *user_s, double *sys_s);

/* ---- scratch.c ----------------------------------------------------------------------------- */

enum scr_mode {
	SCR_NONE,
	SCR_TMPFS, /* child: unshare(CLONE_NEWNS), tmpfs size=S on dir */
	SCR_DIR,   /* no mount namespace possible: plain directory, size sampled */
};

struct scratch {
	enum scr_mode mode;
	uint64_t size;
	char dir[PATH_MAX];
	char opts[96];	  /* tmpfs mount options, formatted by the parent */
	dev_t host_dev;	  /* st_dev of dir in the parent's view */
	double next_walk; /* SCR_DIR: earliest time of the next size walk */
	bool full;
};

void scr_init(struct scratch *sc);
/* Make the directory and find out (by a probe child) whether a tmpfs can be mounted on it.
 * 0 or -errno with `why`. */
int scr_create(struct scratch *sc, uint64_t size, char *why, size_t whysz);
/* Child side, async-signal-safe: namespace, tmpfs, chdir.  0 or -errno. */
int scr_child(const struct scratch *sc);
/* Has the scratch filled up (sc->full)?  `pid` is a live process of the tree (0: none left,
 * the final check).  false when the tmpfs could not be reached through this pid. */
bool scr_check(struct scratch *sc, pid_t pid);
/* Remove the directory and everything in it (without following symlinks). */
void scr_destroy(struct scratch *sc);

#endif
