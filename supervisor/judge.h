/* judge: internal interface between the generic checker and its per-class handlers. */
#ifndef SYSWARD_JUDGE_H
#define SYSWARD_JUDGE_H

#include "arch/systab.h"
#include "supervisor/json.h"
#include "supervisor/tracer.h"

struct call {
	struct run *r;
	struct tracee *t;
	const struct arch_ops *arch;
	const struct sc_row *row;
	long nr;
	const char *name;
	uint64_t a[6];       /* arguments as the kernel sees them */
	struct jbuf args;    /* the audit record's "args" object, built while decoding */

	/* the decision: strongest of every request judged (kill > deny > allow) */
	bool decided;
	enum pol_action action;
	int err;
	const char *rule_file;
	int rule_line;
	bool builtin;        /* decided by sysward itself, rule "builtin" */

	/* the rewrite: registers the kernel will use instead of the tracee's */
	int slot;
	size_t used;         /* bytes of the slot in use */
	bool rewrite;
	bool redirected;
	uint64_t na[6];
	bool na_set[6];
	long new_nr;         /* -1: unchanged */
	unsigned fix;
	uint64_t fix_ino;
	bool is_exec;
	int path_index;      /* how many path arguments were decoded (audit keys) */

	/* a chained call (chain.c): pins taken in the tracee, then the call run on them */
	enum { CHAIN_NONE, CHAIN_PATH, CHAIN_FD, CHAIN_UNIX } chain;
	int unix_len_arg;    /* CHAIN_UNIX: the addrlen argument (paths[0].arg: the sockaddr) */
	bool unix_bind;      /* CHAIN_UNIX: bind (pin the directory) or connect/send (the socket) */
	struct chain_path {
		int arg;           /* the path argument */
		int dirfd_arg;     /* its dirfd argument, -1 */
		bool nofollow;     /* the final component is not followed */
		bool trailing;     /* the name ended in '/' */
		char canon[4096];  /* the judged absolute path */
	} paths[2];
	int npaths;
	bool chain_ok;       /* every path so far can be pinned */
	bool path_magic;     /* a path named a nameless object through /proc */
	bool have_orig;      /* orig holds the registers of the seccomp stop */
	struct regs orig;
	bool at_exit;        /* an injection left the task at a syscall-exit stop */
	bool gone;           /* the task died during an injection: it is freed */
	int64_t pin_fd;      /* CHAIN_FD: the tracee's duplicate of the fd that was judged */
	int pin_fd_arg;      /* CHAIN_FD: the argument it replaces */
	struct arena *held;  /* a reference kept while the task may die under us */
	bool frozen;         /* the other tasks of its fd table are stopped */
	bool emulate;        /* the tracer did the call itself: skip it, return emu_ret */
	int64_t emu_ret;
	int writable_paths;  /* path arguments with a directory writable under the policy */
	struct pend_path {   /* judged names for the arena, written there by pend_flush */
		int arg, dirfd_arg;
		size_t len;
		char s[PATH_MAX + 2];
	} pend[2];
	int npend;
	bool arena_retry;    /* the call needs an arena this address space does not have yet */
	int direct_args;     /* path arguments the kernel may read and walk as they are */
	bool direct_no;      /* one may not */
	bool direct;         /* run as the tracee made it: no rewrite, no exit stop */
};

void call_decide(struct call *c, const struct pol_verdict *v);
void call_builtin(struct call *c, enum pol_action a, int err);
/* Only syscall rules can refuse this call; otherwise it is allowed (rule "default"). */
void call_rules_only(struct call *c);
/* Copy data into this call's arena slot; the tracee address, or 0 (call denied). */
uint64_t call_arena_put(struct call *c, const void *data, size_t len);
void call_set_arg(struct call *c, unsigned i, uint64_t v);
/* Index of the first argument of a kind, or -1. */
int call_arg_index(const struct call *c, enum sc_argkind kind, int from);

/* Could anyone in the sandbox swap a component of this judged path for a symlink? */
bool path_in_writable(struct call *c, const char *canon);

/* per-class handlers */
void judge_path_call(struct call *c);
void judge_fdmeta_call(struct call *c);
void judge_net_call(struct call *c);
void judge_pid_call(struct call *c);
void judge_mm_call(struct call *c);
/* exec: the file and a #! interpreter (also used after the exec for /proc/PID/exe) */
void judge_exec_path(struct call *c, const char *resolved);
/* ask the policy about one path; adds to the decision */
void judge_one_path(struct call *c, const char *path, unsigned access);

/* chain.c */
/* CHAIN_FD: duplicate a[fd_arg] inside the tracee and resolve the duplicate.  0, -ESRCH
 * (the task is gone: c->gone), or -errno (the dup failed: deny with it). */
int chain_pin_fd(struct call *c, int fd_arg, struct resolved *res);
/* Apply an allowed or refused chained call and resume the task. */
void chain_apply(struct call *c);
/* Undo an unused pin and resume with -err (deny) when the task is at an exit stop. */
void chain_fail(struct call *c, int err);

/* backtrace.c */
void backtrace_json(pid_t tid, struct jbuf *jb);

#endif
