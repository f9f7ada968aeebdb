/*
 * chain: path calls other than opens, and calls on a file descriptor, made race-free by
 * pinning what was judged inside the tracee before the call runs.
 *
 * RACE: an absolute path handed to unlink/chmod/rename/... is walked again by the kernel,
 * and a program that can write a directory on it could swap a component for a symlink in
 * between.  So the tracee first opens what was judged with
 * openat2(O_PATH, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) — a swapped component makes
 * that fail with ELOOP — and the call then runs on the pinned descriptor:
 *
 *   entry calls (mkdir, rmdir, unlink, mknod, symlink, link, rename) become their *at form
 *   on the pinned parent directory with the final name;
 *   object calls (stat, chmod, chown, utimes, truncate, xattrs, access, readlink, statfs,
 *   inotify_add_watch, chdir, ...) run on "/proc/self/fd/N", which the kernel follows to
 *   exactly the pinned inode (their l-variants become the following ones: the pin itself
 *   was taken without following when the call does not follow).
 *
 * RACE: a call on a descriptor (fchmod, fchown, f*xattr, AT_EMPTY_PATH changes,
 * utimensat(fd, NULL)) could see another thread dup2() a different file onto the number:
 * the tracee duplicates the descriptor first, the tracer judges the duplicate, and the call
 * runs on it.
 *
 * RACE: a pin is a number in the task's fd table; a thread (or CLONE_FILES sibling)
 * could dup2 another file onto it between the pin and the call.  So before a chain, every
 * other task sharing the fd table is stopped (PTRACE_INTERRUPT); the statuses this collects
 * are stashed and dispatched by the loop afterwards, which lets them run again.
 *
 * Every step runs synchronously in the stopped task (inject.c); the pins are closed after
 * the call, and the task's registers come back with the call's result.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "supervisor/judge.h"
#include "supervisor/util.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#define IN_DONT_FOLLOW 0x02000000

struct entry_form {
	const char *name; /* the call as the tracee made it */
	const char *at;   /* what runs on the pinned parent(s) */
};

static const struct entry_form entry_forms[] = {
	{ "mkdir", "mkdirat" },   { "mkdirat", "mkdirat" },   { "rmdir", "unlinkat" },
	{ "unlink", "unlinkat" }, { "unlinkat", "unlinkat" }, { "mknod", "mknodat" },
	{ "mknodat", "mknodat" }, { "symlink", "symlinkat" }, { "symlinkat", "symlinkat" },
	{ "link", "linkat" },     { "linkat", "linkat" },     { "rename", "renameat2" },
	{ "renameat", "renameat2" }, { "renameat2", "renameat2" },
};

/* l-variants run through /proc/self/fd/N must follow the magic link to the pin */
static const char *const follow_form[][2] = {
	{ "lstat", "stat" },         { "lchown", "chown" },         { "lgetxattr", "getxattr" },
	{ "lsetxattr", "setxattr" }, { "llistxattr", "listxattr" }, { "lremovexattr", "removexattr" },
};

static bool is_symlink(struct run *r, const char *canon)
{
	char path[PATH_MAX];
	struct stat st;

	/* canon is the tracee's view; the tracer's /proc names its PID namespace's tasks by
	 * the tracer's pids */
	snprintf(path, sizeof(path), "%s", canon);
	tracee_host_path(r, path, false);
	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static const char *entry_at(const char *name)
{
	for (size_t i = 0; i < sizeof(entry_forms) / sizeof(entry_forms[0]); i++)
		if (strcmp(entry_forms[i].name, name) == 0)
			return entry_forms[i].at;
	return NULL;
}

static void stash(struct run *r, pid_t pid, int status)
{
	if (r->nstash == r->stash_cap) {
		r->stash_cap = r->stash_cap ? r->stash_cap * 2 : 16;
		r->stash = xrealloc(r->stash, r->stash_cap * sizeof(*r->stash));
	}
	r->stash[r->nstash].pid = pid;
	r->stash[r->nstash].status = status;
	r->nstash++;
}

static bool stashed(const struct run *r, pid_t pid)
{
	for (size_t i = 0; i < r->nstash; i++)
		if (r->stash[i].pid == pid)
			return true;
	return false;
}

/* Stop every other task that shares c->t's fd table (see above). */
static void freeze_sharers(struct call *c)
{
	struct run *r = c->r;
	struct tracee *t = c->t;

	if (!t->files_shared || c->frozen)
		return;
	c->frozen = true;
	for (unsigned i = 0; i < r->hsize; i++) {
		for (struct tracee *o = r->htab[i]; o; o = o->hnext) {
			int st;
			if (o == t || o->files_group != t->files_group || o->held || o->exited ||
			    stashed(r, o->tid))
				continue;
			if (ptrace(PTRACE_INTERRUPT, o->tid, 0, 0) < 0)
				continue; /* gone: its exit status is on its way */
			while (waitpid(o->tid, &st, __WALL) < 0 && errno == EINTR)
				;
			stash(r, o->tid, st);
		}
	}
}

int chain_pin_fd(struct call *c, int fd_arg, struct resolved *res)
{
	struct tracee *t = c->t;
	uint64_t a[6] = { c->a[fd_arg], F_DUPFD_CLOEXEC, 0, 0, 0, 0 };
	int64_t fd;
	int e;

	if (!t->arena && !c->at_exit) {
		/* the call's names may need the arena after the pin: make it first and start
		 * the call again (judge.c), before anything runs in the task */
		c->arena_retry = true;
		return -EAGAIN;
	}
	if (!c->have_orig) {
		if ((e = t->arch->get_regs(t->tid, &c->orig)) < 0)
			return e;
		c->have_orig = true;
	}
	if (!c->held)
		c->held = arena_ref(t->arena);
	freeze_sharers(c);
	e = inject_here(c->r, t, sc_nr(t->arch, "fcntl"), a, &fd);
	if (e == -ESRCH) {
		c->gone = true;
		return e;
	}
	if (e < 0)
		return e;
	c->at_exit = true;
	if (fd < 0)
		return (int)fd;
	c->pin_fd = fd;
	c->pin_fd_arg = fd_arg;
	c->chain = CHAIN_FD;
	return resolve_fd(t, (int)fd, res);
}

/* Run one step: from the seccomp stop the first time, from an exit stop afterwards. */
static int step(struct call *c, long nr, const uint64_t a[6], int64_t *ret)
{
	int e;

	if (!c->at_exit) {
		e = inject_here(c->r, c->t, nr, a, ret);
		if (e == 0)
			c->at_exit = true;
	} else {
		e = inject_after(c->r, c->t, nr, a, ret);
	}
	if (e == -ESRCH)
		c->gone = true;
	return e;
}

/* Resume the task with the original registers and this result. */
static void finish(struct call *c, int64_t ret)
{
	struct tracee *t = c->t;
	struct regs regs = c->orig;

	if (!c->at_exit)
		t->arch->set_syscall(&regs, -1); /* still at the seccomp stop: skip the call */
	t->arch->set_return(&regs, ret);
	regs.nr_changed = true;
	if (t->arch->set_regs(t->tid, &regs) < 0)
		kill(t->tid, SIGKILL);
	tracee_resume(c->r, t, PTRACE_CONT, 0);
}

static void close_pin(struct call *c, int64_t fd)
{
	uint64_t a[6] = { (uint64_t)fd, 0, 0, 0, 0, 0 };
	int64_t ret;

	if (fd >= 0 && !c->gone)
		step(c, sc_nr(c->t->arch, "close"), a, &ret);
}

void chain_fail(struct call *c, int err)
{
	if (c->gone)
		return;
	if (c->chain == CHAIN_FD)
		close_pin(c, c->pin_fd);
	if (!c->gone)
		finish(c, -(int64_t)err);
}

/* Pin one judged path (its parent for entry calls) in the tracee. */
static int pin_path(struct call *c, const struct chain_path *p, bool parent, char *name,
		    size_t namesz, int64_t *fd)
{
	char dir[4096];
	struct open_how how = { 0 };
	uint64_t pp, hp;
	uint64_t a[6];

	if (parent) {
		char *slash = strrchr(p->canon, '/');
		size_t dl = (size_t)(slash - p->canon);
		if (!slash || !slash[1] || dl >= sizeof(dir))
			return -EINVAL;
		memcpy(dir, p->canon, dl ? dl : 1);
		dir[dl ? dl : 1] = '\0';
		snprintf(name, namesz, "%s%s", slash + 1, p->trailing ? "/" : "");
		how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
	} else {
		snprintf(dir, sizeof(dir), "%s", p->canon);
		how.flags = O_PATH | O_CLOEXEC | (p->nofollow ? O_NOFOLLOW : 0) |
			    (p->trailing ? O_DIRECTORY : 0);
	}
	how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	pp = call_arena_put(c, dir, strlen(dir) + 1);
	hp = pp ? call_arena_put(c, &how, sizeof(how)) : 0;
	if (!hp)
		return -(c->err ? c->err : EPERM);
	a[0] = (uint64_t)AT_FDCWD;
	a[1] = pp;
	a[2] = hp;
	a[3] = sizeof(how);
	a[4] = a[5] = 0;
	return step(c, sc_nr(c->t->arch, "openat2"), a, fd);
}

/* The final call on the pins: its number and arguments. */
static int build_final(struct call *c, const int64_t pins[2], char names[2][4096], long *nr,
		       uint64_t a[6])
{
	const struct arch_ops *arch = c->t->arch;
	const char *at = entry_at(c->name);
	int at_i = call_arg_index(c, A_ATFLAGS, 0);

	memcpy(a, c->a, sizeof(c->a));
	for (int i = 0; i < 6; i++)
		if (c->na_set[i])
			a[i] = c->na[i];
	if (at) {
		uint64_t n0 = call_arena_put(c, names[0], strlen(names[0]) + 1);
		uint64_t n1 = c->npaths > 1 ? call_arena_put(c, names[1], strlen(names[1]) + 1) : 0;
		uint64_t mode;
		if (!n0 || (c->npaths > 1 && !n1))
			return -EPERM;
		*nr = sc_nr(arch, at);
		if (strcmp(at, "mkdirat") == 0) {
			mode = strcmp(c->name, "mkdir") == 0 ? c->a[1] : c->a[2];
			a[0] = (uint64_t)pins[0], a[1] = n0, a[2] = mode;
		} else if (strcmp(at, "unlinkat") == 0) {
			uint64_t fl = strcmp(c->name, "rmdir") == 0 ? AT_REMOVEDIR :
				      strcmp(c->name, "unlink") == 0 ? 0 : c->a[2];
			a[0] = (uint64_t)pins[0], a[1] = n0, a[2] = fl;
		} else if (strcmp(at, "mknodat") == 0) {
			bool plain = strcmp(c->name, "mknod") == 0;
			uint64_t mode2 = plain ? c->a[1] : c->a[2], dev = plain ? c->a[2] : c->a[3];
			a[0] = (uint64_t)pins[0], a[1] = n0, a[2] = mode2, a[3] = dev;
		} else if (strcmp(at, "symlinkat") == 0) {
			/* the target is the link's content: the tracee's own string */
			a[1] = (uint64_t)pins[0], a[2] = n0;
		} else if (strcmp(at, "linkat") == 0) {
			/* the old name was resolved as the call asked: never follow again */
			a[0] = (uint64_t)pins[0], a[1] = n0, a[2] = (uint64_t)pins[1], a[3] = n1;
			a[4] = 0;
		} else { /* renameat2 */
			uint64_t fl = strcmp(c->name, "renameat2") == 0 ? c->a[4] : 0;
			a[0] = (uint64_t)pins[0], a[1] = n0, a[2] = (uint64_t)pins[1], a[3] = n1;
			a[4] = fl;
		}
		return 0;
	}

	/* an object call: on the pin through /proc/self/fd/N, or the pin itself */
	*nr = c->nr;
	if (strcmp(c->name, "readlink") == 0 || strcmp(c->name, "readlinkat") == 0) {
		bool plain = c->name[8] == '\0';
		uint64_t e = call_arena_put(c, "", 1);
		uint64_t buf = plain ? c->a[1] : c->a[2], sz = plain ? c->a[2] : c->a[3];
		if (!e)
			return -EPERM;
		*nr = sc_nr(arch, "readlinkat");
		a[0] = (uint64_t)pins[0], a[1] = e, a[2] = buf, a[3] = sz;
		return 0;
	}
	{
		char proc[64];
		uint64_t pp;
		const struct chain_path *p = &c->paths[0];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", (int)pins[0]);
		pp = call_arena_put(c, proc, strlen(proc) + 1);
		if (!pp)
			return -EPERM;
		for (size_t i = 0; i < sizeof(follow_form) / sizeof(follow_form[0]); i++)
			if (strcmp(c->name, follow_form[i][0]) == 0)
				*nr = sc_nr(arch, follow_form[i][1]);
		a[p->arg] = pp;
		if (p->dirfd_arg >= 0)
			a[p->dirfd_arg] = (uint64_t)AT_FDCWD;
		if (at_i >= 0)
			a[at_i] &= ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
		if (strcmp(c->name, "inotify_add_watch") == 0)
			a[2] &= ~(uint64_t)IN_DONT_FOLLOW;
	}
	return 0;
}

void chain_apply(struct call *c)
{
	struct tracee *t = c->t;
	struct arena *arena = arena_ref(t->arena); /* outlives a task that dies meanwhile */
	int64_t pins[2] = { -1, -1 }, ret = 0;
	char names[2][4096] = { "", "" };
	uint64_t a[6];
	long nr;
	int e = 0;

	if (!c->have_orig) {
		if (t->arch->get_regs(t->tid, &c->orig) < 0) {
			kill(t->tid, SIGKILL);
			tracee_resume(c->r, t, PTRACE_CONT, 0);
			goto out;
		}
		c->have_orig = true;
	}
	if (c->chain == CHAIN_FD) {
		memcpy(a, c->a, sizeof(a));
		for (int i = 0; i < 6; i++)
			if (c->na_set[i])
				a[i] = c->na[i];
		a[c->pin_fd_arg] = (uint64_t)c->pin_fd;
		e = step(c, c->nr, a, &ret);
		if (!c->gone)
			close_pin(c, c->pin_fd);
	} else if (c->chain == CHAIN_UNIX) {
		char name[4096];
		freeze_sharers(c);
		e = pin_path(c, &c->paths[0], c->unix_bind, name, sizeof(name), &pins[0]);
		if (e == 0 && pins[0] < 0) {
			ret = pins[0];
			pins[0] = -1;
			e = 1;
		}
		if (e == 0) {
			struct sockaddr_un un = { .sun_family = AF_UNIX };
			int n = c->unix_bind ? snprintf(un.sun_path, sizeof(un.sun_path),
							"/proc/self/fd/%d/%s", (int)pins[0], name)
					     : snprintf(un.sun_path, sizeof(un.sun_path),
							"/proc/self/fd/%d", (int)pins[0]);
			uint64_t up;
			memcpy(a, c->a, sizeof(a));
			if (n < 0 || (size_t)n >= sizeof(un.sun_path)) {
				ret = -ENAMETOOLONG;
			} else if (!(up = call_arena_put(c, &un, sizeof(un)))) {
				ret = -EAGAIN;
			} else {
				a[c->paths[0].arg] = up;
				a[c->unix_len_arg] = offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1;
				e = step(c, c->nr, a, &ret);
			}
		}
		if (!c->gone)
			close_pin(c, pins[0]);
	} else if (strncmp(c->name, "readlink", 8) == 0 && !is_symlink(c->r, c->paths[0].canon)) {
		ret = -EINVAL; /* what readlink says of anything but a symlink */
	} else {
		bool entry = entry_at(c->name) != NULL;
		freeze_sharers(c);
		for (int k = 0; k < c->npaths && e == 0; k++) {
			e = pin_path(c, &c->paths[k], entry, names[k], sizeof(names[k]), &pins[k]);
			if (e == 0 && pins[k] < 0) {
				ret = pins[k]; /* ELOOP when a component was swapped: the call fails */
				pins[k] = -1;
				e = 1;
			}
		}
		if (e == 0 && build_final(c, pins, names, &nr, a) == 0)
			e = step(c, nr, a, &ret);
		else if (e == 0)
			ret = -EPERM;
		for (int k = 0; k < 2; k++)
			if (!c->gone)
				close_pin(c, pins[k]);
	}
	if (c->gone)
		goto out;
	if (e < 0) {
		/* the tracer could not run the steps: nothing half-done may stand */
		kill(t->tid, SIGKILL);
		tracee_resume(c->r, t, PTRACE_CONT, 0);
		goto out;
	}
	finish(c, ret);
out:
	/* the slot may have been taken by a step above: c->slot, not a copy from the start */
	if (c->slot >= 0)
		arena_slot_put(arena, c->slot);
	c->slot = -1;
	arena_unref(arena);
}
