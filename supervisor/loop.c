/*
 * loop: while (dispatch(next_event())) — one waitpid(-1, __WALL) loop, one classifier, one
 * dispatcher.  The watchdog (wall time, CPU time, limit sampling) runs on SIGALRM ticks
 * that interrupt waitpid; no extra thread.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/audit.h"
#include "supervisor/decode.h"
#include "supervisor/judge.h"
#include "supervisor/limits/limits.h"
#include "supervisor/tracer.h"
#include "supervisor/util.h"

#ifndef CLONE_VM
#define CLONE_VM 0x00000100
#endif
#ifndef CLONE_FS
#define CLONE_FS 0x00000200
#endif
#ifndef CLONE_VFORK
#define CLONE_VFORK 0x00004000
#endif
#ifndef CLONE_FILES
#define CLONE_FILES 0x00000400
#endif
#ifndef CLONE_THREAD
#define CLONE_THREAD 0x00010000
#endif

enum event {
	EV_NONE,        /* nothing to do (EINTR, or a status for a task we no longer follow) */
	EV_GONE,        /* a task exited or was killed: audit, forget it */
	EV_SECCOMP,     /* seccomp stop: judge the call */
	EV_SYSCALL,     /* syscall stop (only exits we asked for): restore / map the arena */
	EV_SPAWN,       /* fork/vfork/clone event: a new task to follow */
	EV_EXEC,        /* exec event: rebuild the task, check what really runs */
	EV_EXIT,        /* about to exit: account its CPU, let it go */
	EV_GROUP_STOP,  /* job-control stop: keep it stopped (PTRACE_LISTEN) */
	EV_TRAP_STOP,   /* the first stop of a new task, or an interrupt: resume it */
	EV_SIGNAL,      /* signal-delivery stop: deliver the signal unchanged */
};

static volatile sig_atomic_t tick_flag;
static volatile sig_atomic_t stop_signal;

static void on_alarm(int sig)
{
	(void)sig;
	tick_flag = 1;
}

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

void tracee_resume(struct run *r, struct tracee *t, int req, int sig)
{
	(void)r;
	if (!sig && t->pending_sig && req != PTRACE_LISTEN) {
		sig = t->pending_sig;
		t->pending_sig = 0;
	}
	/* ESRCH: killed meanwhile (e.g. SIGKILL); its exit status comes through waitpid */
	ptrace(req, t->tid, 0, (void *)(long)sig);
}

void loop_audit_limit(struct run *r, const char *what, const char *message)
{
	struct jbuf *jb = audit_begin(r->audit, "limit", r->child, r->child);
	if (!jb)
		return;
	jb_kstr(jb, "limit", what);
	jb_kstr(jb, "message", message);
	audit_commit(r->audit);
}

/* Every task left is sysward's own (the launch child, the PID namespace's init). */
static bool only_internal_left(const struct run *r)
{
	for (unsigned i = 0; i < r->hsize; i++)
		for (const struct tracee *t = r->htab[i]; t; t = t->hnext)
			if (!t->internal)
				return false;
	return true;
}

static void kill_everything(struct run *r)
{
	pid_t tg[4096];
	size_t n = tracee_tgids(r, tg, ARRAY_SIZE(tg));

	limits_kill_all(r->limits, tg, n);
	/* the tracer knows every task: SIGKILL each, whatever the backend did */
	for (unsigned i = 0; i < r->hsize; i++)
		for (struct tracee *t = r->htab[i]; t; t = t->hnext)
			kill(t->tid, SIGKILL);
}

void run_kill_tree(struct run *r, enum verdict v, const char *msg)
{
	static const char *const limit_names[] = {
		[V_CPU_TIME] = "cpu-time", [V_WALL_TIME] = "wall-time", [V_MEMORY] = "memory",
		[V_PIDS] = "pids", [V_OUTPUT] = "output",
	};

	if (r->forced == V_OK && v != V_OK) {
		r->forced = v;
		snprintf(r->message, sizeof(r->message), "%s", msg);
		if (v >= V_CPU_TIME && v <= V_OUTPUT)
			loop_audit_limit(r, limit_names[v], r->message);
	}
	r->killing = true;
	kill_everything(r);
}

/* ---- the watchdog ----------------------------------------------------------------------- */

static void watchdog(struct run *r)
{
	struct limits_usage u;
	pid_t tg[4096];
	size_t n;
	double wall = now_monotonic() - r->t0;
	char msg[160];

	if (r->set.set[LIM_WALL_TIME] && wall >= r->set.wall_time) {
		snprintf(msg, sizeof(msg), "wall time limit of %gs exceeded", r->set.wall_time);
		run_kill_tree(r, V_WALL_TIME, msg);
		return;
	}
	n = tracee_tgids(r, tg, ARRAY_SIZE(tg));
	memset(&u, 0, sizeof(u));
	limits_sample(r->limits, tg, n, &u); /* on error, u holds what could be read */
	if (r->set.set[LIM_CPU_TIME] && u.cpu_s >= r->set.cpu_time) {
		snprintf(msg, sizeof(msg), "CPU time limit of %gs exceeded (%.3fs used)",
			 r->set.cpu_time, u.cpu_s);
		run_kill_tree(r, V_CPU_TIME, msg);
	} else if (u.oom) {
		snprintf(msg, sizeof(msg), "memory limit of %llu bytes exceeded",
			 (unsigned long long)r->set.memory);
		run_kill_tree(r, V_MEMORY, msg);
	} else if (u.pids_hit) {
		snprintf(msg, sizeof(msg), "process limit of %ld reached", r->set.pids);
		run_kill_tree(r, V_PIDS, msg);
	} else if (u.scratch_full) {
		snprintf(msg, sizeof(msg), "scratch space of %llu bytes is full",
			 (unsigned long long)r->set.scratch);
		run_kill_tree(r, V_OUTPUT, msg);
	}
}

static void start_ticks(struct run *r)
{
	struct sigaction sa = { 0 };
	struct itimerval it = { 0 };
	bool timed = r->set.set[LIM_CPU_TIME] || r->set.set[LIM_WALL_TIME];
	long usec = timed ? 10000 : 50000;

	sa.sa_handler = on_alarm; /* no SA_RESTART: waitpid returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	it.it_interval.tv_usec = usec;
	it.it_value.tv_usec = usec;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void stop_ticks(void)
{
	struct itimerval it = { 0 };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- classify ----------------------------------------------------------------------------- */

static enum event classify(int status)
{
	int sig, ev;

	if (WIFEXITED(status) || WIFSIGNALED(status))
		return EV_GONE;
	if (!WIFSTOPPED(status))
		return EV_NONE;
	sig = WSTOPSIG(status);
	ev = status >> 16;
	if (sig == (SIGTRAP | 0x80))
		return EV_SYSCALL;
	switch (ev) {
	case 0:
		return EV_SIGNAL;
	case PTRACE_EVENT_SECCOMP:
		return EV_SECCOMP;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		return EV_SPAWN;
	case PTRACE_EVENT_EXEC:
		return EV_EXEC;
	case PTRACE_EVENT_EXIT:
		return EV_EXIT;
	case PTRACE_EVENT_STOP:
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			return EV_GROUP_STOP;
		return EV_TRAP_STOP;
	default:
		return EV_TRAP_STOP;
	}
}

/* ---- handlers ----------------------------------------------------------------------------- */

void loop_task_gone(struct run *r, pid_t pid, int status)
{
	struct tracee *t = tracee_find(r, pid);
	struct jbuf *jb;

	if (pid == r->child && !r->child_done) {
		r->child_done = true;
		r->child_status = status;
	}
	if (!t)
		return;
	if (t->internal) {
		tracee_del(r, t); /* sysward's own: no record */
		return;
	}
	jb = audit_begin(r->audit, "exit", t->tgid, t->tid);
	if (jb) {
		if (WIFEXITED(status)) {
			jb_kint(jb, "exit_code", WEXITSTATUS(status));
			jb_key(jb, "signal"), jb_null(jb);
		} else {
			jb_key(jb, "exit_code"), jb_null(jb);
			jb_kint(jb, "signal", WTERMSIG(status));
		}
		jb_kbool(jb, "thread", t->tid != t->tgid);
		audit_commit(r->audit);
	}
	tracee_del(r, t);
}

/*
 * The clone flags of the call that made the event: register-only (the parent is stopped
 * inside it).  clone(2) with exit signal SIGCHLD reports PTRACE_EVENT_FORK even with
 * CLONE_VM or CLONE_FILES, so the syscall is asked, not the event.  Unknown: everything
 * shared (but no vfork: the parent is taken to run on).
 */
static uint64_t clone_flags(struct tracee *t, int ev)
{
	struct regs regs;
	long nr;

	if (t->arch->get_regs(t->tid, &regs) < 0)
		return ~(uint64_t)CLONE_VFORK;
	nr = regs.nr;
	if (nr == sc_nr(t->arch, "clone"))
		return t->arch->get_arg(&regs, 0);
	if (nr == sc_nr(t->arch, "fork") && ev == PTRACE_EVENT_FORK)
		return 0;
	if (nr == sc_nr(t->arch, "vfork") && ev == PTRACE_EVENT_VFORK)
		return CLONE_VM | CLONE_VFORK;
	return ~(uint64_t)CLONE_VFORK; /* unknown: shares everything, the parent runs on */
}

static void on_spawn(struct run *r, struct tracee *t, int status)
{
	unsigned long msg = 0;
	int ev = status >> 16;
	bool thread = false;
	uint64_t fl;
	struct tracee *c;
	struct jbuf *jb;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg) < 0) {
		tracee_resume(r, t, PTRACE_CONT, 0);
		return;
	}
	if (ev == PTRACE_EVENT_CLONE) {
		struct regs regs;
		/* register-only: the clone flags the kernel just used */
		if (t->arch->get_regs(t->tid, &regs) == 0)
			thread = (t->arch->get_arg(&regs, 0) & CLONE_THREAD) != 0;
	}
	c = tracee_find(r, (pid_t)msg);
	if (!c)
		c = tracee_add(r, (pid_t)msg, thread ? t->tgid : (pid_t)msg);
	c->tgid = thread ? t->tgid : (pid_t)msg;
	c->is_thread = thread;
	c->arch = t->arch;
	fl = clone_flags(t, ev);
	if (!t->arena && !t->vm_shared && !t->files_shared && !(fl & CLONE_VFORK) &&
	    (thread || (fl & (CLONE_VM | CLONE_FILES)))) {
		/* RACE (arena_create): from now on another task shares this one's memory or fd
		 * table, so it cannot make an arena safely later: it gets one now, at the
		 * clone's exit stop, while the new task has not run yet */
		int e = inject_to_exit(r, t);
		if (e == 0)
			e = arena_create(r, t, false, 0, NULL);
		if (e == -ESRCH)
			return; /* the parent died meanwhile (handed to the loop) */
		if (e < 0)
			warnx_("cannot map an arena into pid %d (%s)", (int)t->tid, strerror(-e));
	}
	if (fl & CLONE_VFORK)
		c->vfork_parent = t->tid;
	/* fork copies the mapping, CLONE_VM shares it: the same arena either way */
	if (!c->arena && t->arena) {
		c->arena = arena_ref(t->arena);
		c->arena_base = t->arena_base;
	}
	c->known_parent = true;
	c->files_group = c->tgid;
	{
		/* what parent and child share from now on: threads and CLONE_FILES children
		 * the fd table (chain.c freezes them), CLONE_VM the memory, CLONE_FS the cwd
		 * (judge.c lets the kernel read a task's own name only when it has them alone) */
		if (thread || (fl & CLONE_FILES)) {
			c->files_shared = t->files_shared = true;
			c->files_group = t->files_group;
		}
		if (thread || (fl & CLONE_VM)) {
			/* a vfork parent sleeps until its child execs or exits */
			c->vm_shared = true;
			if (!(fl & CLONE_VFORK))
				t->vm_shared = true;
		}
		if (fl & CLONE_FS)
			c->fs_shared = t->fs_shared = true;
	}
	if (t->internal && !thread) {
		/* PID namespace (launch.c): the launch child forks the namespace's init, which
		 * forks the program process; only that one is the run's, and its first */
		if (t->tid == r->child && !r->ns_init) {
			c->internal = true;
			r->ns_init = c->tid;
		} else if (t->tid == r->ns_init && r->child != c->tid) {
			r->child = c->tid;
		}
		goto resume;
	}
	if (!thread)
		r->processes++;
	jb = audit_begin(r->audit, "spawn", t->tgid, t->tid);
	if (jb) {
		jb_kint(jb, "child", (long long)msg);
		if (r->pidns)
			jb_kint(jb, "child_nspid", tracee_nspid(c));
		jb_kbool(jb, "thread", thread);
		jb_kstr(jb, "how", ev == PTRACE_EVENT_FORK ? "fork" : ev == PTRACE_EVENT_VFORK ? "vfork" : "clone");
		audit_commit(r->audit);
	}
resume:
	if (r->killing)
		kill(c->tid, SIGKILL);
	if (c->held) {
		/* its first stop came before this event: it can go now */
		c->held = false;
		tracee_resume(r, c, PTRACE_CONT, 0);
	}
	tracee_resume(r, t, PTRACE_CONT, 0);
}

static void audit_exec(struct run *r, struct tracee *t, const char *exe)
{
	char path[64], buf[8192];
	struct jbuf *jb = audit_begin(r->audit, "exec", t->tgid, t->tid);
	ssize_t n;

	if (!jb)
		return;
	jb_kstr(jb, "path", exe);
	if (r->pidns)
		jb_kint(jb, "nspid", tracee_nspid(t)); /* the pid the program sees */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)t->tid);
	n = read_small_file(path, buf, sizeof(buf));
	jb_key(jb, "argv");
	jb_arr_begin(jb);
	for (ssize_t i = 0; i < n;) {
		size_t l = strnlen(buf + i, (size_t)(n - i));
		jb_strn(jb, buf + i, l);
		i += (ssize_t)l + 1;
	}
	jb_arr_end(jb);
	audit_commit(r->audit);
}

static void on_exec(struct run *r, struct tracee *t)
{
	unsigned long former = 0;
	char link[64], exe[PATH_MAX];
	ssize_t n;

	ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &former);
	if ((pid_t)former != t->tid) {
		/* a thread exec'd: it now has the leader's tid; its state moves with it */
		struct tracee *old = tracee_find(r, (pid_t)former);
		if (old) {
			struct tracee *keep_next = t->hnext;
			pid_t tid = t->tid, nspid = t->nspid; /* the leader's, in both views */
			tracee_drop_arena(t);
			*t = *old;
			t->hnext = keep_next;
			t->tid = tid;
			t->nspid = nspid;
			old->slot = -1;
			old->arena = NULL; /* moved into t */
			old->maps_open = false;
			tracee_del(r, old);
		}
	}
	/* every other thread of the old image is gone */
	for (unsigned i = 0; i < r->hsize; i++) {
		struct tracee *o = r->htab[i], *next;
		for (; o; o = next) {
			next = o->hnext;
			if (o != t && o->tgid == t->tid)
				tracee_del(r, o);
		}
	}
	t->tgid = t->tid;
	t->is_thread = false;
	t->files_shared = false; /* exec unshares the fd table */
	t->vm_shared = false;    /* and gives the task an address space of its own */
	t->files_group = t->tid;
	t->in_exec = false;
	t->restore = false;
	t->fix = FIX_NONE;
	tracee_drop_arena(t); /* the old image's address space is gone */
	t->vfork_parent = 0;     /* its own address space now */
	/* no arena yet: the first call that needs one makes it (judge.c) */

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)t->tid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	audit_exec(r, t, exe);

	/* RACE: the file judged at the execve may have been swapped (a symlink, a script's
	 * interpreter); what the kernel really runs is judged again and killed if refused */
	if (!r->audit_mode && n > 0) {
		struct pol_request req = {
			.kind = POL_REQ_PATH, .syscall = "execve", .access = POL_EXEC, .path = exe,
		};
		struct pol_verdict v;
		policy_eval(r->policy, &req, &v);
		if (v.action != POL_ALLOW) {
			warnx_("pid %d runs %s, which the policy does not allow to execute: killed",
			       (int)t->tid, exe);
			kill(t->tid, SIGKILL);
		}
	}
	/* the exec is done: the new image has no arguments of the old one to get back, so its
	 * syscall-exit stop (asked for by a rewritten execve) would have nothing to do */
	t->wait = TW_NONE;
	tracee_resume(r, t, PTRACE_CONT, 0);
}

static void dispatch(struct run *r, pid_t pid, int status)
{
	enum event ev = classify(status);
	struct tracee *t;

	if (ev == EV_GONE) {
		loop_task_gone(r, pid, status);
		return;
	}
	if (ev == EV_NONE)
		return;
	t = tracee_find(r, pid);
	if (!t) {
		/* a new task whose parent's clone event has not arrived yet */
		t = tracee_add(r, pid, pid);
	}
	switch (ev) {
	case EV_SECCOMP:
		r->seccomp_stops_total++;
		judge_seccomp_stop(r, t);
		break;
	case EV_SYSCALL:
		if (t->wait == TW_SYSCALL_EXIT)
			judge_syscall_exit(r, t);
		else
			tracee_resume(r, t, PTRACE_CONT, 0);
		break;
	case EV_SPAWN:
		on_spawn(r, t, status);
		break;
	case EV_EXEC:
		on_exec(r, t);
		break;
	case EV_EXIT:
		t->exited = true;
		limits_task_exit(r->limits, t->tid, t->tgid);
		tracee_resume(r, t, PTRACE_CONT, 0);
		break;
	case EV_GROUP_STOP:
		t->group_stopped = true;
		tracee_resume(r, t, PTRACE_LISTEN, 0);
		break;
	case EV_TRAP_STOP:
		if (!t->seen_first_stop) {
			t->seen_first_stop = true;
			if (r->killing)
				kill(t->tid, SIGKILL); /* born during teardown: its parent may be gone */
			if (!t->known_parent && !r->killing) {
				t->held = true; /* wait for the parent's event (arena, tgid) */
				break;
			}
		}
		t->group_stopped = false;
		tracee_resume(r, t, t->wait == TW_SYSCALL_EXIT ? PTRACE_SYSCALL : PTRACE_CONT, 0);
		break;
	case EV_SIGNAL:
		t->group_stopped = false;
		tracee_resume(r, t, t->wait == TW_SYSCALL_EXIT ? PTRACE_SYSCALL : PTRACE_CONT,
			      WSTOPSIG(status));
		break;
	default:
		break;
	}
}

int loop_run(struct run *r)
{
	start_ticks(r);
	for (;;) {
		int status;
		struct rusage ru;
		pid_t pid;

		if (tick_flag) {
			tick_flag = 0;
			if (!r->killing)
				watchdog(r);
		}
		if (stop_signal && !r->killing) {
			char msg[64];
			snprintf(msg, sizeof(msg), "sysward received signal %d", (int)stop_signal);
			snprintf(r->message, sizeof(r->message), "%s", msg);
			r->killing = true;
			kill_everything(r);
		}
		if (r->child_done && r->ntracees > 0 && !r->killing) {
			/* the program is over: what it left behind goes with it */
			r->killing = true;
			if (!only_internal_left(r)) {
				kill_everything(r);
			} else {
				/* nothing of the program's: its cgroups hold only sysward's launch
				 * child and namespace init, which need no freezer round trip.  The
				 * init alone: the launch child reaps it and exits (killed first,
				 * the launch child would leave the init's zombie to others) */
				struct tracee *init = r->ns_init ? tracee_find(r, r->ns_init) : NULL;
				if (init)
					kill(init->tid, SIGKILL);
				else
					for (unsigned i = 0; i < r->hsize; i++)
						for (struct tracee *t = r->htab[i]; t; t = t->hnext)
							kill(t->tid, SIGKILL);
				if (r->answer_early && !r->reaping) {
					r->reaping = true;
					break;
				}
			}
		}
		if (r->child_done && r->ntracees == 0)
			break;
		if (r->nstash) {
			/* stops collected while a chain froze the fd table's other tasks */
			struct stashed sv = r->stash[0];
			memmove(r->stash, r->stash + 1, --r->nstash * sizeof(*r->stash));
			dispatch(r, sv.pid, sv.status);
			continue;
		}
		pid = wait4(-1, &status, __WALL, &ru);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			warnx_("waitpid: %s", strerror(errno));
			r->internal_error = true;
			break;
		}
		if (pid == r->child && (WIFEXITED(status) || WIFSIGNALED(status)))
			r->child_ru = ru;
		dispatch(r, pid, status);
	}
	stop_ticks();
	/* an orphan that came to us (PR_SET_CHILD_SUBREAPER with a PID namespace: an init
	 * whose launch child was killed first) and is no tracee any more; not while tracees
	 * are left (a run that answers first comes back for them): their stops are the loop's */
	if (r->ntracees == 0)
		while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
			;
	return 0;
}
