/*
 * tracer: the run-wide state and the per-task state the event loop works on.
 *
 * A syscall flows top to bottom: loop.c (wait, classify, dispatch) -> tracee.c (whose stop)
 * -> arch/ (registers) -> mem.c (copy arguments once) -> judge.c (decode, resolve, ask the
 * policy, plan a rewrite) -> policy/eval -> judge.c (apply) -> audit.c (one JSON line).
 */
#ifndef SYSWARD_TRACER_H
#define SYSWARD_TRACER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "arch/arch.h"
#include "policy/policy.h"
#include "supervisor/cli.h"

struct audit;
struct limits;
struct launch_ahead;

/* ---- arena: tracer-owned memory the tracee maps read-only (arena.c) ------------------- */

#define ARENA_SLOT_SIZE (16 * 1024) /* per in-flight rewritten syscall */
#define ARENA_SLOTS 256
#define ARENA_SIZE ((size_t)ARENA_SLOT_SIZE * ARENA_SLOTS)

struct arena {
	unsigned refs;  /* tasks whose address space maps it (fork shares, exec replaces) */
	char *map;      /* the tracer's read-write mapping */
	uint32_t used[ARENA_SLOTS / 32];
};

/* ---- per task ----------------------------------------------------------------------- */

enum tracee_wait {
	TW_NONE,        /* running, or stopped outside any syscall we follow */
	TW_SYSCALL_EXIT,/* resumed with PTRACE_SYSCALL: the next syscall stop is our exit stop */
};

struct tracee {
	pid_t tid;
	pid_t tgid;
	const struct arch_ops *arch; /* ABI of the current syscall stop */
	enum tracee_wait wait;

	/* rewrite in flight (wait == TW_SYSCALL_EXIT) */
	int slot;                 /* arena slot, -1 when none */
	bool restore;             /* restore saved registers at the exit stop */
	struct regs saved;        /* registers before the rewrite */
	long cur_nr;              /* syscall being followed to its exit */
	unsigned fix;             /* FIX_*: what the exit stop must check */
	uint64_t fix_ino;         /* FIX_MMSG: address of entry 0's msg_len */

	bool in_exec;             /* an allowed execve is in flight */
	pid_t vfork_parent;       /* a vfork child: the parent sleeping in its address space */
	struct arena *arena;      /* the arena of this task's address space (NULL: none) */
	uint64_t arena_base;      /* where it is mapped in this task's mm */
	int pending_sig;          /* signal to deliver at the next resume (seen during inject) */
	bool seen_first_stop;     /* auto-attach stop arrived */
	bool known_parent;        /* the parent's fork/clone event was seen (tgid, arena) */
	bool held;                /* first stop came first: resumed at the parent's event */
	bool group_stopped;       /* in a group-stop (PTRACE_LISTEN) */
	bool is_thread;           /* created with CLONE_THREAD */
	bool files_shared;        /* its fd table has another task (thread, CLONE_FILES) */
	pid_t files_group;        /* tasks sharing one fd table have the same value */
	bool vm_shared;           /* its address space has another task (thread, CLONE_VM) */
	bool fs_shared;           /* its cwd and root are shared (CLONE_FS; exec keeps that) */
	bool maps_open;           /* maps_fd: /proc/TID/maps of its address space (mem.c) */
	int maps_fd;
	struct run *run;          /* the run it belongs to */
	bool exited;              /* PTRACE_EVENT_EXIT seen */
	bool internal;            /* sysward's own (PID namespace: the launch child, the init):
				   * no records, not counted, never a member for pid checks */
	pid_t nspid;              /* its tid in the PID namespace; 0 not read yet, -1 unknown */
	struct sc_stat *stat;     /* --stats entry of the call followed to its exit */

	struct tracee *hnext;     /* hash chain */
};

enum {
	FIX_NONE = 0,
	FIX_MMSG = 1,   /* sendmmsg run as sendmsg: write msg_len of entry 0 (at fix_ino) */
};

/* ---- the run ------------------------------------------------------------------------ */

enum verdict {
	V_OK, V_NONZERO_EXIT, V_SIGNALED, V_CPU_TIME, V_WALL_TIME, V_MEMORY, V_PIDS, V_OUTPUT,
	V_POLICY_KILL, V_INTERNAL,
};

struct run {
	const struct options *opt;
	struct policy *policy;
	struct settings set;     /* effective: policy settings, then the command line */
	bool audit_mode;
	struct audit *audit;
	struct limits *limits;
	struct arena *boot_arena; /* inherited by the first process until its exec */
	bool mseal;              /* the kernel has mseal(): arenas cannot be unmapped */
	struct stashed {         /* statuses collected while freezing (chain.c), not yet */
		pid_t pid;       /* dispatched: the loop takes these before waiting again */
		int status;
	} *stash;
	size_t nstash, stash_cap;
	char cwd[PATH_MAX];      /* the program's initial working directory */
	const char *profile;     /* name of the built-in profile in use, or NULL */

	pid_t child;             /* the first process */
	double t0;               /* monotonic start */
	bool child_done;
	int child_status;        /* wait status of the first process */
	struct rusage child_ru;  /* its rusage (and of the children it reaped) */

	/* tracee table (hash by tid) */
	struct tracee **htab;
	unsigned hsize, ntracees;

	/* statistics */
	unsigned long trapped, denied;
	unsigned long processes; /* processes created, the first included */

	/* how it ended */
	enum verdict forced;     /* != V_OK: a limit or the policy ended the run */
	char message[384];
	bool killing;
	bool internal_error;
	/* the result may be known before sysward's own tasks are gone (run_hooks.on_result):
	 * loop_run() returns as soon as only they are left, `reaping` is then set, and a second
	 * loop_run() waits for them after the answer (their exits tear the namespaces down) */
	bool answer_early, reaping;
	struct launch_ahead *ahead; /* launch() uses it (launch_ahead_fits), or NULL */
	int report_fd;           /* launch's report pipe: setup or exec failure of the child */
	int landlock_fd;         /* Landlock ruleset to enforce in the child, -1 none */
	int landlock_abi;        /* its ABI, 0 when no Landlock backstop */
	bool drop_caps;          /* drop dangerous capabilities before exec (backstops on) */
	char (*rw)[4096];        /* read-only root backstop: the writable places, NULL: off */
	bool pidns;              /* PID namespace backstop: the program is pid 2 of its own */
	pid_t ns_init;           /* its init (pid 1), 0 until the launch child forked it */
	int nrw;
	unsigned long seccomp_stops_total;
	struct sc_stat *stats;   /* per table row (+1 for calls without a row); NULL: off */
	/* built ahead (`sysward serve`: once per policy), not owned; NULL: launch builds them */
	const void *filter;      /* the seccomp program (filter_build's output) */
	size_t filter_len;
	int direct;              /* judge.c: 1 the kernel may read a judged name in place, -1
				  * never (the policy lets something else write memory), 0 not
				  * yet asked */
	struct fixed_dir *fixed; /* judge.c: directories known (not) changeable, by hash */
	struct fixed_file *fixed_files; /* judge.c: mapped files known (not) writable, by inode */
	struct verdict_memo *verdicts;  /* judge.c: the policy's answers for paths, by hash */
	unsigned long direct_calls; /* path calls run in place, with one stop */
};

struct sc_stat {
	unsigned long calls, denied;
	double seconds; /* in the tracer, from the seccomp stop to the resume (and the exit stop) */
};

const char *verdict_name(enum verdict v);

/* tracee.c */
struct tracee *tracee_find(struct run *r, pid_t tid);
struct tracee *tracee_add(struct run *r, pid_t tid, pid_t tgid);
void tracee_del(struct run *r, struct tracee *t);
/* Live thread-group ids (deduplicated); returns count written (at most max). */
size_t tracee_tgids(struct run *r, pid_t *out, size_t max);
bool tracee_is_member(struct run *r, pid_t pid);
/* PID namespace views (identity without one): the task's tid in the namespace (-1 unknown),
 * and the tracer's tid of the task the namespace calls `nspid` (0: none of ours). */
pid_t tracee_nspid(struct tracee *t);
pid_t tracee_host_tid(struct run *r, pid_t nspid);
/* `path` (a resolved name, the tracer's view) with a leading /proc/PID[/task/TID] in the
 * namespace's view, for the kernel in the tracee; 0, or -ENAMETOOLONG. */
int tracee_ns_path(struct run *r, char *path, size_t size);
/* The reverse, in place (PATH_MAX bytes): a /proc/PID[/task/TID] name of the tracee in the
 * tracer's view, both numbers or only one that ends the path (the component just walked);
 * returns the new length. */
size_t tracee_host_path(struct run *r, char *path, bool last_only);
void tracee_free_all(struct run *r);

/* mem.c: the one module that touches tracee memory */
int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);
int mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t size, size_t *len);
int mem_poke(pid_t tid, uint64_t addr, const void *buf, size_t len);
/* Is [addr, addr+len) private, anonymous, writable memory of the task's address space (no
 * file behind it, no other address space mapping it)?  false when unsure. */
bool mem_private_anon(struct tracee *t, uint64_t addr, size_t len);
/* The file name of the mapping at addr (PROCMAP_QUERY, after mem_private_anon opened it). */
int mem_vma_name(struct tracee *t, uint64_t addr, char *buf, size_t size);
/* The task's address space is gone (exec, exit): drop what mem.c keeps for it. */
void mem_forget(struct tracee *t);

/* arena.c */
bool arena_probe_mseal(void);
/* An arena mapped only in the tracer (inherited by a child forked afterwards). */
struct arena *arena_new_local(void);
struct arena *arena_ref(struct arena *a);
void arena_unref(struct arena *a);
int arena_slot_get(struct arena *a);
void arena_slot_put(struct arena *a, int slot);
char *arena_slot_ptr(struct arena *a, int slot);
uint64_t arena_tracee_addr(const struct tracee *t, int slot);
/* Give a task that is alone in its address space and fd table, stopped at a syscall stop,
 * an arena.  again: at a seccomp stop, set to run the pending call (nr, args) once more. */
int arena_create(struct run *r, struct tracee *t, bool again, long nr, const uint64_t args[6]);
/* Does [addr, addr+len) touch this tracee's arena mapping? */
bool arena_overlaps(const struct tracee *t, uint64_t addr, uint64_t len);
/* Forget a task's slot and arena. */
void tracee_drop_arena(struct tracee *t);

/* inject.c: run syscalls in a stopped tracee; -ESRCH: it died (already reaped, t freed) */
int inject_here(struct run *r, struct tracee *t, long nr, const uint64_t a[6], int64_t *ret);
int inject_at(struct run *r, struct tracee *t, uint64_t insn, long nr, const uint64_t a[6],
	      int64_t *ret);
int inject_after(struct run *r, struct tracee *t, long nr, const uint64_t a[6], int64_t *ret);
/* From a ptrace event stop inside a syscall: on to that syscall's exit stop. */
int inject_to_exit(struct run *r, struct tracee *t);
long sc_nr(const struct arch_ops *arch, const char *name);

/* resolve.c */
struct resolved {
	char path[PATH_MAX]; /* absolute, no symlinks, no . or .. (magic: the link itself) */
	bool magic;          /* a /proc magic link to something that has no path (pipe, socket) */
	bool missing;        /* a component before the last does not exist */
	bool trailing_slash; /* the name ended in '/' */
	bool via_magic;      /* a /proc magic link was followed (its target can change) */
	bool unstable;       /* the walk went through a symlink or a `..` that the sandbox may
			      * change (judge_path_fixed), or a magic link */
};
int resolve_path(struct tracee *t, int dirfd, const char *name, bool follow, struct resolved *out);
int resolve_fd(struct tracee *t, int fd, struct resolved *out);

/* judge.c */
void judge_seccomp_stop(struct run *r, struct tracee *t);
void judge_syscall_exit(struct run *r, struct tracee *t);
/* Can nothing in the sandbox change what `canon` (absolute, canonical) names: is writing
 * refused on it and on every directory above it, and is it outside /proc? */
bool judge_path_fixed(struct run *r, const char *canon);
/* resolve.c's lstat cache: is path[0..n) an entry that lstat() found not to be a symlink and
 * that nothing in the sandbox can change (judge_path_fixed)?  _seen: lstat() just said so. */
bool judge_entry_known(struct run *r, const char *path, size_t n);
void judge_entry_seen(struct run *r, char *path, size_t n);
/* May the kernel read a name from a private mapping of this file: a regular file with one
 * name, judge_path_fixed, so that nothing in the sandbox can write it?  Cached per inode. */
bool judge_file_fixed(struct run *r, struct tracee *t, uint64_t addr, uint32_t dmaj,
		      uint32_t dmin, uint64_t ino);
/* Free what judge.c keeps for a run. */
void judge_forget(struct run *r);
/* The policy decided to kill: end the run with verdict policy-kill. */
void run_kill_tree(struct run *r, enum verdict v, const char *msg);

/* launch.c */
int launch(struct run *r, char *const argv[], char *const envp[], const char *path);
/* After the run: >0 errno of a failed exec, <0 -errno of a failed setup, 0 none. */
int launch_exec_failure(struct run *r, char *what, size_t size);
/* A launch child (and with `pidns` its PID namespace's init and program process) forked
 * before the run is known, in the cgroups of `l` (serve's spare workers; NULL: for a run
 * without cgroups); NULL when it could not be made.  launch() uses r->ahead when launch_ahead_fits(); else launch_ahead_drop()
 * kills and reaps it (untraced: before launch() only).  launch_ahead_fds(): the descriptors
 * it holds, which a worker closing all others must keep. */
struct launch_ahead *launch_ahead_make(struct limits *l, bool pidns);
bool launch_ahead_fits(const struct launch_ahead *a, const struct run *r);
void launch_ahead_drop(struct launch_ahead *a);
int launch_ahead_fds(const struct launch_ahead *a, int *fds, int max);

/* filter.c */
int filter_build(struct run *r, void **prog, size_t *len);

/* loop.c */
int loop_run(struct run *r);
/* A `limit` event in the trail. */
void loop_audit_limit(struct run *r, const char *what, const char *message);
/* A task's death seen outside the loop (during an injection): audit it, forget it. */
void loop_task_gone(struct run *r, pid_t pid, int status);
/* Resume a task after a stop (delivering its pending signal, if any). */
void tracee_resume(struct run *r, struct tracee *t, int req, int sig);

#endif
