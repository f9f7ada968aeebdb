/*
 * judge: one trapped syscall, from its seccomp stop to the registers the kernel runs with.
 *
 *   judge_seccomp_stop: PTRACE_GET_SYSCALL_INFO -> (arch, nr) -> table row -> handler
 *   handlers decode arguments (mem.c, once each), resolve paths (resolve.c), ask the policy,
 *   and plan a rewrite into the arena; then the decision is applied and audited.
 *
 * TOCTOU notes are marked "RACE:" at each decision.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/policy.h"
#include "supervisor/audit.h"
#include "supervisor/decode.h"
#include "supervisor/judge.h"
#include "supervisor/limits/limits.h"
#include "supervisor/util.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* ---- the decision ------------------------------------------------------------------ */

void call_decide(struct call *c, const struct pol_verdict *v)
{
	if (c->decided && v->action <= c->action)
		return;
	c->decided = true;
	c->action = v->action;
	c->err = v->err;
	c->rule_file = v->file;
	c->rule_line = v->line;
	c->builtin = false;
}

void call_builtin(struct call *c, enum pol_action a, int err)
{
	if (c->decided && a <= c->action)
		return;
	c->decided = true;
	c->action = a;
	c->err = err;
	c->rule_file = NULL;
	c->rule_line = 0;
	c->builtin = true;
}

uint64_t call_arena_put(struct call *c, const void *data, size_t len)
{
	size_t off = (c->used + 15) & ~(size_t)15;

	if (!c->t->arena || !c->t->arena_base) {
		/* RACE: no arena in this mm yet: nothing safe to point at.  Refused, unless the
		 * seccomp stop can make one and run the call again (judge_seccomp_stop_) */
		c->arena_retry = true;
		call_builtin(c, POL_DENY, EPERM);
		return 0;
	}
	if (c->slot < 0) {
		c->slot = arena_slot_get(c->t->arena);
		if (c->slot < 0) {
			call_builtin(c, POL_DENY, EAGAIN);
			return 0;
		}
	}
	if (off + len > ARENA_SLOT_SIZE) {
		call_builtin(c, POL_DENY, ENAMETOOLONG);
		return 0;
	}
	memcpy(arena_slot_ptr(c->t->arena, c->slot) + off, data, len);
	c->used = off + len;
	return arena_tracee_addr(c->t, c->slot) + off;
}

void call_set_arg(struct call *c, unsigned i, uint64_t v)
{
	c->na[i] = v;
	c->na_set[i] = true;
	c->rewrite = true;
}

int call_arg_index(const struct call *c, enum sc_argkind kind, int from)
{
	for (int i = from; i < c->row->nargs; i++)
		if (c->row->arg[i].kind == kind)
			return i;
	return -1;
}

void call_rules_only(struct call *c)
{
	struct pol_verdict v;

	if (policy_syscall_rule(c->r->policy, c->name, &v) > 0) {
		call_decide(c, &v);
		return;
	}
	if (!c->decided) {
		c->decided = true;
		c->action = POL_ALLOW;
	}
}

static void request_syscall_only(struct call *c)
{
	struct pol_request req = { .kind = POL_REQ_SYSCALL, .syscall = c->name };
	struct pol_verdict v;

	policy_eval(c->r->policy, &req, &v);
	call_decide(c, &v);
}

/* FNV-1a of s[0..n), from seed: the slot of the run's caches below */
static uint32_t fnv1a(uint32_t seed, const char *s, size_t n)
{
	uint32_t h = seed;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

/* /proc or below: changes with every process (and /proc/PID/fd/N with every dup2) */
static bool in_proc(const char *p)
{
	return strncmp(p, "/proc", 5) == 0 && (p[5] == '/' || p[5] == '\0');
}

#define VERDICT_SLOTS 1024

/* The run's policy answers the same (path, access, syscall) the same way: remembered. */
struct verdict_memo {
	char *path;          /* NULL: empty slot */
	unsigned access;
	const char *syscall; /* systab's own string: compared by address */
	struct pol_verdict v;
};

void judge_one_path(struct call *c, const char *path, unsigned access)
{
	struct pol_request req = {
		.kind = POL_REQ_PATH, .syscall = c->name, .access = access, .path = path,
	};
	struct pol_verdict v;
	struct run *r = c->r;
	struct verdict_memo *m;
	uint32_t h = fnv1a(2166136261u ^ access, path, strlen(path));

	h ^= (uint32_t)(uintptr_t)c->name;
	if (!r->verdicts)
		r->verdicts = xcalloc(VERDICT_SLOTS, sizeof(*r->verdicts));
	m = &r->verdicts[h % VERDICT_SLOTS];
	if (m->path && m->access == access && m->syscall == c->name && strcmp(m->path, path) == 0) {
		call_decide(c, &m->v);
		return;
	}
	policy_eval(r->policy, &req, &v);
	free(m->path);
	m->path = xstrdup(path);
	m->access = access;
	m->syscall = c->name;
	m->v = v;
	call_decide(c, &v);
}

/* /proc/<pid>/... of a process of this run: the sandbox reading about itself. */
static bool own_proc_path(struct run *r, const char *p)
{
	char *end;
	long pid;

	if (strncmp(p, "/proc/", 6) != 0 || p[6] < '1' || p[6] > '9')
		return false;
	pid = strtol(p + 6, &end, 10);
	if (*end != '/' && *end != '\0')
		return false;
	/* resolved names are in the tracee's view (its PID namespace) */
	return tracee_is_member(r, tracee_host_tid(r, (pid_t)pid));
}

/* ---- paths ------------------------------------------------------------------------- */

static unsigned open_access(uint64_t flags)
{
	unsigned acc = 0;

	if (flags & O_PATH)
		return POL_READ;
	switch (flags & O_ACCMODE) {
	case O_RDONLY: acc = POL_READ; break;
	case O_WRONLY: acc = POL_WRITE; break;
	default: acc = POL_READ | POL_WRITE; break;
	}
	if (flags & (O_CREAT | O_TRUNC | O_APPEND))
		acc |= POL_WRITE;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		acc |= POL_WRITE;
	return acc;
}

static unsigned spec_access(uint8_t acc)
{
	return ((acc & ACC_R) ? POL_READ : 0) | ((acc & ACC_W) ? POL_WRITE : 0) |
	       ((acc & ACC_X) ? POL_EXEC : 0);
}

/* The verified #! interpreter of a script, or "" (tracer opens the resolved file itself). */
static void script_interpreter(const char *path, char *interp, size_t size)
{
	char buf[256];
	struct stat st;
	ssize_t n;
	int fd;

	interp[0] = '\0';
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 3 || buf[0] != '#' || buf[1] != '!')
		return;
	buf[n] = '\0';
	{
		char *p = buf + 2, *e;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n')
			e++;
		*e = '\0';
		snprintf(interp, size, "%s", p);
	}
}

void judge_exec_path(struct call *c, const char *resolved)
{
	char interp[256];
	struct resolved ri;

	judge_one_path(c, resolved, POL_EXEC);
	/* RACE: the script may change after this read; the exec event re-checks
	 * /proc/PID/exe (the interpreter the kernel really ran) and kills on a mismatch */
	script_interpreter(resolved, interp, sizeof(interp));
	if (!interp[0])
		return;
	if (resolve_path(c->t, AT_FDCWD, interp, true, &ri) < 0) {
		judge_one_path(c, interp, POL_EXEC);
		return;
	}
	jb_kstr(&c->args, "interpreter", ri.path);
	judge_one_path(c, ri.path, POL_EXEC);
}

static void audit_path(struct call *c, const char *given, const struct resolved *res,
		       const char *original)
{
	const char *k_path = "path", *k_res = "resolved", *k_orig = "original";

	if (c->path_index == 1)
		k_path = "path2", k_res = "resolved2", k_orig = "original2";
	if (c->path_index > 1)
		return;
	if (given)
		jb_kstr(&c->args, k_path, given);
	else
		jb_key(&c->args, k_path), jb_null(&c->args);
	if (res)
		jb_kstr(&c->args, k_res, res->path);
	if (original)
		jb_kstr(&c->args, k_orig, original);
}

static bool dir_fixed(struct run *r, char *buf, size_t n);

/*
 * RACE: can anyone in the sandbox swap a component of this judged path for a symlink?  Only
 * if some directory on it is writable under the policy (in audit mode, every one is).  When
 * none is, the absolute path in the arena is walked by the kernel exactly as it was judged;
 * otherwise path calls other than opens run on pins (chain.c).
 */
bool path_in_writable(struct call *c, const char *canon)
{
	char buf[PATH_MAX];
	size_t len = strlen(canon), dlen;

	if (c->r->audit_mode || len >= sizeof(buf) || canon[0] != '/')
		return true;
	if (len == 1)
		return false; /* "/" itself: nothing above it */
	/* the directories above it, from the cache judge_path_fixed keeps (dir_fixed) */
	memcpy(buf, canon, len + 1);
	dlen = (size_t)(strrchr(buf, '/') - buf);
	return !dir_fixed(c->r, buf, dlen ? dlen : 1);
}

/* ---- one stop where no race is possible ------------------------------------------- */

#define FIXED_SLOTS 1024

struct fixed_dir {
	char *path;    /* an entry (mostly directories), canonical; NULL: empty slot */
	bool fixed;    /* writing is refused on it and on every directory above it */
	bool dir_seen; /* and lstat() found no symlink there (resolve.c need not ask again) */
};

#define FIXED_FILE_SLOTS 256

struct fixed_file {
	uint64_t ino;    /* 0: empty slot */
	uint32_t major, minor;
	bool fixed;
};

/*
 * RACE: a name in a private file mapping (a string literal in libc's .rodata) is as fixed as
 * the file: the file must be a regular file whose only name is one the policy refuses to
 * write, under directories it refuses to write.  Then the sandbox cannot open it for
 * writing, link it elsewhere (link needs write on both names), rename, truncate or replace
 * it.  The name comes from the mapping and is checked against the inode with stat().
 */
bool judge_file_fixed(struct run *r, struct tracee *t, uint64_t addr, uint32_t dmaj,
		      uint32_t dmin, uint64_t ino)
{
	struct fixed_file *e;
	char name[PATH_MAX];
	struct stat st;
	size_t n;
	bool fixed = false;

	if (!ino)
		return false;
	if (!r->fixed_files)
		r->fixed_files = xcalloc(FIXED_FILE_SLOTS, sizeof(*r->fixed_files));
	e = &r->fixed_files[(ino * 31 + dmaj * 7 + dmin) % FIXED_FILE_SLOTS];
	if (e->ino == ino && e->major == dmaj && e->minor == dmin)
		return e->fixed;
	if (mem_vma_name(t, addr, name, sizeof(name)) == 0 && name[0] == '/' &&
	    (n = strlen(name)) > 0 && !(n > 10 && strcmp(name + n - 10, " (deleted)") == 0) &&
	    stat(name, &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == ino &&
	    major(st.st_dev) == dmaj && minor(st.st_dev) == dmin && st.st_nlink == 1)
		fixed = judge_path_fixed(r, name);
	e->ino = ino;
	e->major = dmaj;
	e->minor = dmin;
	e->fixed = fixed;
	return fixed;
}

void judge_forget(struct run *r)
{
	if (r->fixed)
		for (unsigned i = 0; i < FIXED_SLOTS; i++)
			free(r->fixed[i].path);
	free(r->fixed);
	r->fixed = NULL;
	free(r->fixed_files);
	r->fixed_files = NULL;
	if (r->verdicts)
		for (unsigned i = 0; i < VERDICT_SLOTS; i++)
			free(r->verdicts[i].path);
	free(r->verdicts);
	r->verdicts = NULL;
}

/* May the sandbox create, remove or replace the entry `path`?  Path rules do not depend on
 * the syscall; a syscall rule only refuses more, so none is asked (""). */
static bool writable_entry(struct run *r, const char *path)
{
	struct pol_request req = { .kind = POL_REQ_PATH, .syscall = "", .access = POL_WRITE,
				   .path = path };
	struct pol_verdict v;

	policy_eval(r->policy, &req, &v);
	return v.action == POL_ALLOW;
}

/* The cache slot of directory s[0..n), and whether it holds that directory. */
static struct fixed_dir *dir_slot(struct run *r, const char *s, size_t n, bool *hit)
{
	uint32_t h = fnv1a(2166136261u, s, n);
	struct fixed_dir *e;

	if (!r->fixed)
		r->fixed = xcalloc(FIXED_SLOTS, sizeof(*r->fixed));
	e = &r->fixed[h % FIXED_SLOTS];
	*hit = e->path && strlen(e->path) == n && memcmp(e->path, s, n) == 0;
	return e;
}

/* Are directory buf[0..n) and every directory above it closed to writing?  buf is a
 * canonical absolute path; it is cut at n for the policy and put back. */
static bool dir_fixed(struct run *r, char *buf, size_t n)
{
	bool hit, fixed;
	struct fixed_dir *e = dir_slot(r, buf, n, &hit);
	char save;

	if (hit)
		return e->fixed;
	save = buf[n];
	buf[n] = '\0';
	fixed = !writable_entry(r, buf);
	buf[n] = save;
	if (fixed && n > 1) {
		size_t p = n - 1;
		while (p > 0 && buf[p] != '/')
			p--;
		fixed = dir_fixed(r, buf, p ? p : 1);
	}
	e = dir_slot(r, buf, n, &hit); /* the parent may have taken the slot */
	free(e->path);
	e->path = xcalloc(1, n + 1);
	memcpy(e->path, buf, n);
	e->fixed = fixed;
	e->dir_seen = false;
	return fixed;
}

bool judge_path_fixed(struct run *r, const char *canon)
{
	char buf[PATH_MAX];
	size_t len = strlen(canon);

	if (r->audit_mode || canon[0] != '/' || len >= sizeof(buf))
		return false;
	if (in_proc(canon))
		return false;
	/* it and the directories above it: cached like a directory (dir_fixed) */
	memcpy(buf, canon, len + 1);
	return dir_fixed(r, buf, len);
}

bool judge_entry_known(struct run *r, const char *path, size_t n)
{
	bool hit;
	struct fixed_dir *e;

	if (r->audit_mode)
		return false;
	e = dir_slot(r, path, n, &hit);
	return hit && e->fixed && e->dir_seen;
}

void judge_entry_seen(struct run *r, char *path, size_t n)
{
	bool hit;
	struct fixed_dir *e;

	if (r->audit_mode || in_proc(path) || !dir_fixed(r, path, n))
		return;
	e = dir_slot(r, path, n, &hit);
	if (hit)
		e->dir_seen = true;
}

/*
 * Nothing but the tracee's own memory and the kernel's lookups stand between the judgement
 * and the call unless the policy lets something else write the tracee's memory: userfaultfd
 * (a page moved away and refilled by another process), BPF (bpf_probe_write_user), or
 * /proc/PID/mem opened for writing by another process of the sandbox.  Asked once per run.
 */
static bool direct_allowed(struct run *r)
{
	static const char *const writers[] = { "userfaultfd", "bpf" };
	static const char *const files[] = { "/dev/userfaultfd", "/proc/1/mem",
					     "/proc/1/task/1/mem" };

	if (r->direct)
		return r->direct > 0;
	r->direct = r->audit_mode ? -1 : 1;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]) && r->direct > 0; i++) {
		struct pol_request req = { .kind = POL_REQ_SYSCALL, .syscall = writers[i] };
		struct pol_verdict v;
		policy_eval(r->policy, &req, &v);
		if (v.action == POL_ALLOW)
			r->direct = -1;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && r->direct > 0; i++) {
		struct pol_request req = { .kind = POL_REQ_PATH, .syscall = "",
					   .access = POL_READ | POL_WRITE, .path = files[i] };
		struct pol_verdict v;
		policy_eval(r->policy, &req, &v);
		if (v.action == POL_ALLOW)
			r->direct = -1;
	}
	return r->direct > 0;
}

/*
 * RACE: may the kernel take this path argument from the tracee's own registers and memory,
 * and walk it itself, with no rewrite (and so no exit stop to put the registers back)?  Only
 * if what it reads and walks cannot differ from what was judged:
 *   - the name: its bytes lie in private anonymous memory of an address space no other task
 *     shares (mem_private_anon), so nothing runs that could change them;
 *   - the walk: no entry on it (the path, every directory above it, each symlink followed,
 *     each directory left by "..") may be changed by the sandbox (judge_path_fixed); and a
 *     relative name starts where it was judged: the cwd is not shared (CLONE_FS), the dirfd
 *     is in an fd table not shared (threads, CLONE_FILES).
 * Anything else, including a name in a file mapping or a redirect, takes the arena.  An
 * exec run this way is still judged again by what the kernel ran (the exec event).
 */
static bool direct_arg_ok(struct call *c, int i, size_t len, int dirfd, const char *name,
			  const struct resolved *res)
{
	struct tracee *t = c->t;

	if (!direct_allowed(c->r) || c->redirected || t->vm_shared)
		return false;
	if (res->unstable || res->magic || res->via_magic)
		return false;
	if (name[0] != '/' && (dirfd == AT_FDCWD ? t->fs_shared : t->files_shared))
		return false;
	if (!judge_path_fixed(c->r, res->path))
		return false;
	return mem_private_anon(t, c->a[i], len + 1);
}

/*
 * RACE: the same for an empty name with AT_EMPTY_PATH (glibc's fstat is newfstatat(fd, "",
 * AT_EMPTY_PATH)): the kernel reads the "" again and takes the fd (or the cwd), which was
 * judged: the byte must be in memory nobody else can write, and the fd table (cwd) the
 * task's alone.  Only for looking: a change through an fd runs on a pin (chain.c).
 */
static bool direct_fd_ok(struct call *c, int i, int dirfd, unsigned acc)
{
	struct tracee *t = c->t;

	if (!direct_allowed(c->r) || c->is_exec || (acc & (POL_WRITE | POL_EXEC)) || t->vm_shared)
		return false;
	if (dirfd == AT_FDCWD ? t->fs_shared : t->files_shared)
		return false;
	return mem_private_anon(t, c->a[i], 1);
}

/* A judged name the kernel must get from the arena, unless the call runs as it is. */
static bool pend_add(struct call *c, int arg, int dirfd_arg, const char *s, size_t len)
{
	struct pend_path *pp;

	if (c->npend >= (int)(sizeof(c->pend) / sizeof(c->pend[0])) || len >= sizeof(pp->s)) {
		call_builtin(c, POL_DENY, ENAMETOOLONG);
		return false;
	}
	pp = &c->pend[c->npend++];
	pp->arg = arg;
	pp->dirfd_arg = dirfd_arg;
	pp->len = len;
	memcpy(pp->s, s, len + 1);
	return true;
}

/* The rewrite: the pending names into the arena, the registers pointed at them (and a
 * dirfd replaced by AT_FDCWD: the names are absolute). */
static bool pend_flush(struct call *c)
{
	for (int k = 0; k < c->npend; k++) {
		const struct pend_path *pp = &c->pend[k];
		uint64_t p = call_arena_put(c, pp->s, pp->len + 1);
		if (!p)
			return false;
		call_set_arg(c, (unsigned)pp->arg, p);
		if (pp->dirfd_arg >= 0)
			call_set_arg(c, (unsigned)pp->dirfd_arg, (uint64_t)AT_FDCWD);
	}
	c->npend = 0;
	return true;
}

/* One path argument: read, resolve, redirect, judge, and plan the rewrite. */
static void judge_path_arg(struct call *c, int i, unsigned *open_acc_out)
{
	const struct sc_argspec *spec = &c->row->arg[i];
	int dirfd_i = (i > 0 && c->row->arg[i - 1].kind == A_DIRFD) ? i - 1 : -1;
	int dirfd = dirfd_i >= 0 ? (int)(int32_t)c->a[dirfd_i] : AT_FDCWD;
	int at_i = call_arg_index(c, A_ATFLAGS, 0);
	uint32_t atflags = at_i >= 0 ? (uint32_t)c->a[at_i] : 0;
	char name[PATH_MAX];
	char target[PATH_MAX];
	struct resolved res;
	const char *rfile = NULL;
	int rline = 0;
	bool follow;
	unsigned acc;
	size_t len = 0;
	int e;

	if (dirfd_i >= 0) {
		if (dirfd == AT_FDCWD)
			jb_kstr(&c->args, c->path_index ? "dirfd2" : "dirfd", "AT_FDCWD");
		else
			jb_kint(&c->args, c->path_index ? "dirfd2" : "dirfd", dirfd);
	}

	/* the access the call needs */
	acc = (spec->acc & ACC_OPEN) ? *open_acc_out : spec_access(spec->acc);
	switch (spec->follow) {
	case F_NOFOLLOW: follow = false; break;
	case F_AT_NOFOLLOW: follow = !(atflags & AT_SYMLINK_NOFOLLOW); break;
	case F_AT_FOLLOW: follow = (atflags & AT_SYMLINK_FOLLOW) != 0; break;
	default: follow = true; break;
	}
	/* NULL name: utimensat(fd, NULL, ...) works on the fd itself */
	if (c->a[i] == 0 && strcmp(c->name, "utimensat") == 0) {
		/* RACE: judged and run on the tracee's own duplicate of the fd (chain.c) */
		e = chain_pin_fd(c, dirfd_i, &res);
		audit_path(c, NULL, e == 0 ? &res : NULL, NULL);
		c->path_index++;
		if (e < 0) {
			if (!c->gone)
				call_builtin(c, POL_DENY, -e);
			return;
		}
		if (res.magic)
			call_builtin(c, POL_ALLOW, 0); /* a pipe or socket of its own */
		else
			judge_one_path(c, res.path, acc);
		return;
	}

	/* RACE: the name is copied once; the kernel will read our copy in the arena */
	e = mem_read_str(c->t->tid, c->a[i], name, sizeof(name), &len);
	if (e < 0) {
		audit_path(c, NULL, NULL, NULL);
		c->path_index++;
		call_builtin(c, POL_DENY, e == -ENAMETOOLONG ? ENAMETOOLONG : EFAULT);
		return;
	}

	if (len == 0) {
		/* RACE: the empty name was read from tracee memory like any other; the kernel
		 * must read it from the arena too, or a thread could put a path there */
		if (spec->empty && (atflags & AT_EMPTY_PATH)) {
			if (!pend_add(c, i, -1, "", 0))
				return;
			/* the dirfd itself; a change runs on the tracee's own duplicate of it,
			 * judged after it was taken (chain.c) */
			if ((acc & POL_WRITE) && dirfd_i >= 0 && !c->is_exec)
				e = chain_pin_fd(c, dirfd_i, &res);
			else
				e = resolve_fd(c->t, dirfd, &res);
			audit_path(c, name, e == 0 ? &res : NULL, NULL);
			c->path_index++;
			if (e < 0) {
				if (!c->gone)
					call_builtin(c, POL_DENY, -e);
				return;
			}
			if (direct_fd_ok(c, i, dirfd, acc))
				c->direct_args++;
			else
				c->direct_no = true;
			if (res.magic) {
				/* an object without a name (pipe, memfd, unlinked file): its own;
				 * executing one needs a rule for /proc/PID/fd/N */
				if (acc & POL_EXEC)
					judge_one_path(c, res.path, acc);
				else
					call_builtin(c, POL_ALLOW, 0);
				return;
			}
			/* RACE: an exec through an fd is judged again at the exec event */
			if (c->is_exec)
				judge_exec_path(c, res.path);
			else
				judge_one_path(c, res.path, acc);
			return;
		}
		/* an empty name without AT_EMPTY_PATH: the kernel would say ENOENT; say it here
		 * (letting the call through would let a thread put a name there first) */
		audit_path(c, name, NULL, NULL);
		c->path_index++;
		call_builtin(c, POL_DENY, ENOENT);
		return;
	}

	e = resolve_path(c->t, dirfd, name, follow, &res);
	if (e < 0) {
		audit_path(c, name, NULL, NULL);
		c->path_index++;
		call_builtin(c, POL_DENY, -e);
		return;
	}

	/* redirect: rules judge the target */
	{
		int rr = policy_redirect(c->r->policy, res.path, target, sizeof(target), &rfile,
					 &rline);
		if (rr < 0) {
			audit_path(c, name, &res, NULL);
			c->path_index++;
			call_builtin(c, POL_DENY, ENAMETOOLONG);
			return;
		}
		if (rr > 0) {
			char original[PATH_MAX];
			snprintf(original, sizeof(original), "%s", res.path);
			snprintf(res.path, sizeof(res.path), "%s", target);
			audit_path(c, name, &res, original);
			c->redirected = true;
		} else {
			audit_path(c, name, &res, NULL);
		}
	}
	c->path_index++;

	if (c->row->cls == SC_PRIV)
		return; /* decoded for the trail; the syscall rules judge the call */

	if (res.magic) {
		c->path_magic = true;
		/* reopening a nameless object (pipe, socket) of the sandbox through /proc */
		if (own_proc_path(c->r, res.path) && !(acc & POL_EXEC)) {
			/* RACE: the kernel reopens whatever the fd is when it gets there; with a
			 * shared fd table another thread could dup2 a read-only file onto it, so
			 * a write reopen is only for a task whose fd table is its own */
			if ((acc & POL_WRITE) && c->t->files_shared)
				call_builtin(c, POL_DENY, EACCES);
			else
				call_builtin(c, POL_ALLOW, 0);
		} else {
			judge_one_path(c, res.path, acc);
		}
	} else if (own_proc_path(c->r, res.path) && !(acc & (POL_WRITE | POL_EXEC))) {
		/* the sandbox reading its own /proc entries */
		call_builtin(c, POL_ALLOW, 0);
	} else if (c->is_exec) {
		judge_exec_path(c, res.path);
	} else {
		judge_one_path(c, res.path, acc);
	}
	if (c->action != POL_ALLOW)
		return;

	if (direct_arg_ok(c, i, len, dirfd, name, &res))
		c->direct_args++;
	else
		c->direct_no = true;

	if (c->chain_ok && !res.magic && c->npaths < 2) {
		/* a path call other than an open: pinned in the tracee (chain.c) unless
		 * every one of its paths is direct */
		struct chain_path *cp = &c->paths[c->npaths++];
		cp->arg = i;
		cp->dirfd_arg = dirfd_i;
		cp->nofollow = !follow;
		cp->trailing = res.trailing_slash;
		snprintf(cp->canon, sizeof(cp->canon), "%s", res.path);
	} else {
		c->chain_ok = false;
	}
	if (path_in_writable(c, res.path))
		c->writable_paths++;

	/* the rewrite: the kernel gets exactly the judged name (+ the trailing slash) */
	{
		char final[PATH_MAX + 1];
		int n = snprintf(final, sizeof(final), "%s%s", res.path,
				 res.trailing_slash && strcmp(res.path, "/") ? "/" : "");
		if (n < 0 || (size_t)n >= sizeof(final)) {
			call_builtin(c, POL_DENY, ENAMETOOLONG);
			return;
		}
		/* into the arena once the call is known not to run as it is (pend_flush) */
		pend_add(c, i, dirfd_i, final, (size_t)n);
	}
}

/* An allowed call whose `npath` path arguments may all be read and walked by the kernel as
 * the tracee gave them (direct_arg_ok): no rewrite, so no exit stop. */
static bool run_direct(struct call *c, int npath)
{
	if (npath <= 0 || c->action != POL_ALLOW || c->chain != CHAIN_NONE || c->direct_no ||
	    c->direct_args != npath || c->fix || c->emulate)
		return false;
	c->direct = true;
	c->npend = 0;
	c->rewrite = false;
	c->new_nr = -1;
	memset(c->na_set, 0, sizeof(c->na_set));
	c->r->direct_calls++;
	return true;
}

/* open, openat, openat2, creat: judged, then run as openat2(RESOLVE_NO_SYMLINKS). */
static void judge_open_call(struct call *c)
{
	int path_i = call_arg_index(c, A_PATH, 0);
	int fl_i = call_arg_index(c, A_OFLAGS, 0);
	int mode_i = call_arg_index(c, A_MODE, 0);
	int how_i = call_arg_index(c, A_OPENHOW, 0);
	struct open_how how = { 0 };
	char buf[256];
	unsigned acc;
	bool is_creat = strcmp(c->name, "creat") == 0;

	if (how_i >= 0) {
		uint64_t size = c->a[how_i + 1];
		/* RACE: open_how is read once and the kernel gets our copy */
		if (size < sizeof(how)) {
			call_builtin(c, POL_DENY, EINVAL);
			return;
		}
		if (mem_read(c->t->tid, c->a[how_i], &how, sizeof(how)) < 0) {
			call_builtin(c, POL_DENY, EFAULT);
			return;
		}
		if (size > sizeof(how)) {
			char extra[64];
			uint64_t left = size - sizeof(how);
			if (left > sizeof(extra)) {
				call_builtin(c, POL_DENY, E2BIG);
				return;
			}
			if (mem_read(c->t->tid, c->a[how_i] + sizeof(how), extra, left) < 0) {
				call_builtin(c, POL_DENY, EFAULT);
				return;
			}
			for (uint64_t k = 0; k < left; k++)
				if (extra[k]) {
					call_builtin(c, POL_DENY, E2BIG);
					return;
				}
		}
		if (how.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) {
			/* the name would be resolved beneath the dirfd: not reproduced here */
			call_builtin(c, POL_DENY, EXDEV);
			decode_resolve(how.resolve, buf, sizeof(buf));
			jb_kstr(&c->args, "resolve", buf);
			return;
		}
	} else if (is_creat) {
		how.flags = O_CREAT | O_WRONLY | O_TRUNC;
		how.mode = c->a[mode_i] & 07777;
	} else {
		how.flags = (uint32_t)c->a[fl_i];
		if (how.flags & (O_CREAT | __O_TMPFILE))
			how.mode = (uint32_t)c->a[mode_i] & 07777;
	}
	decode_oflags(how.flags, buf, sizeof(buf));
	jb_kstr(&c->args, "flags", buf);
	if (how.flags & (O_CREAT | __O_TMPFILE)) {
		snprintf(buf, sizeof(buf), "0%llo", (unsigned long long)how.mode);
		jb_kstr(&c->args, "mode", buf);
	}
	acc = open_access(how.flags);
	{
		char a[32];
		decode_access(acc, a, sizeof(a));
		jb_kstr(&c->args, "access", a);
	}
	{
		/* follow: O_NOFOLLOW, or O_CREAT|O_EXCL, keep a final symlink */
		struct sc_row row = *c->row;
		const struct sc_row *orig = c->row;
		if ((how.flags & O_NOFOLLOW) || ((how.flags & O_CREAT) && (how.flags & O_EXCL)))
			row.arg[path_i].follow = F_NOFOLLOW;
		c->row = &row;
		judge_path_arg(c, path_i, &acc);
		c->row = orig;
	}
	if (c->action != POL_ALLOW || !c->npend)
		return;

	if (c->path_magic) {
		pend_flush(c); /* a nameless object: a plain reopen of /proc/PID/fd/N (above) */
		return;
	}

	if (how_i < 0 && run_direct(c, 1))
		return; /* the tracee's own openat: nothing on its path can change */
	if (!pend_flush(c))
		return;

	/* RACE: every component of the judged name is checked by the kernel again: a
	 * symlink swapped in after we resolved fails with ELOOP instead of being followed */
	{
		struct open_how nhow = how;
		uint64_t hp;
		long nr2 = -1;
		const struct sc_row *row2 = systab_by_name("openat2");

		nhow.flags &= (uint64_t)(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
					 O_APPEND | O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT |
					 O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME |
					 O_CLOEXEC | O_SYNC | O_PATH | __O_TMPFILE);
		if (!(nhow.flags & (O_CREAT | __O_TMPFILE)))
			nhow.mode = 0;
		if (nhow.flags & O_PATH)
			nhow.flags &= (uint64_t)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		nhow.resolve |= RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
		if (row2)
			nr2 = systab_nr(c->arch, row2);
		hp = call_arena_put(c, &nhow, sizeof(nhow));
		if (!hp || nr2 < 0) {
			if (nr2 < 0)
				call_builtin(c, POL_DENY, ENOSYS);
			return;
		}
		{
			uint64_t pathp = c->na[path_i];
			c->new_nr = nr2;
			memset(c->na_set, 0, sizeof(c->na_set));
			call_set_arg(c, 0, (uint64_t)AT_FDCWD);
			call_set_arg(c, 1, pathp);
			call_set_arg(c, 2, hp);
			call_set_arg(c, 3, sizeof(nhow));
		}
	}
}

/* A new name for a unix socket (link, rename) would escape `unix:` rules, which match names:
 * only sockets the program may connect to get new names. */
static void judge_socket_name(struct call *c, const char *old)
{
	struct stat st;
	struct pol_addr pa = { .family = AF_UNIX };
	struct pol_request req = { .kind = POL_REQ_CONNECT, .syscall = c->name, .addr = &pa };
	struct pol_verdict v;

	if (lstat(old, &st) < 0 || !S_ISSOCK(st.st_mode))
		return;
	snprintf(pa.path, sizeof(pa.path), "%s", old);
	pa.path_len = strlen(pa.path);
	policy_eval(c->r->policy, &req, &v);
	call_decide(c, &v);
}

void judge_path_call(struct call *c)
{
	unsigned dummy = 0;
	int i, npath = 0;

	if (call_arg_index(c, A_OFLAGS, 0) >= 0 || call_arg_index(c, A_OPENHOW, 0) >= 0 ||
	    strcmp(c->name, "creat") == 0) {
		judge_open_call(c);
		return;
	}
	{
		int mode_i = call_arg_index(c, A_MODE, 0);
		int at_i = call_arg_index(c, A_ATFLAGS, 0);
		char buf[128];
		if (mode_i >= 0 && strncmp(c->name, "mknod", 5) == 0 &&
		    (S_ISCHR((mode_t)c->a[mode_i]) || S_ISBLK((mode_t)c->a[mode_i]))) {
			/* register-only: a device node would be a door to the device itself */
			call_builtin(c, POL_DENY, EPERM);
		}
		if (mode_i >= 0) {
			snprintf(buf, sizeof(buf), "0%llo", (unsigned long long)(c->a[mode_i] & 0177777));
			jb_kstr(&c->args, "mode", buf);
		}
		if (at_i >= 0) {
			decode_atflags((uint32_t)c->a[at_i], buf, sizeof(buf));
			jb_kstr(&c->args, "flags", buf);
		}
	}
	c->chain_ok = c->row->cls == SC_PATH;
	if (c->decided && c->action != POL_ALLOW)
		i = -1; /* refused already: the paths are not even read */
	else
		i = call_arg_index(c, A_PATH, 0);
	for (; i >= 0; i = call_arg_index(c, A_PATH, i + 1)) {
		npath++;
		judge_path_arg(c, i, &dummy);
		if (c->action != POL_ALLOW || c->gone)
			return;
	}
	if (c->npaths == 2 && (strncmp(c->name, "link", 4) == 0 || strncmp(c->name, "rename", 6) == 0))
		judge_socket_name(c, c->paths[0].canon);
	if (c->action != POL_ALLOW)
		return;
	if (c->chain == CHAIN_NONE && c->chain_ok && c->npaths == npath && c->writable_paths) {
		/* RACE: run on pins taken in the tracee, not on names walked again */
		c->chain = CHAIN_PATH;
		c->rewrite = false;
		memset(c->na_set, 0, sizeof(c->na_set));
	}
	if (c->row->cls == SC_PRIV)
		request_syscall_only(c);
	else if (!c->decided)
		call_rules_only(c);
	if (!run_direct(c, npath) && c->action == POL_ALLOW &&
	    (c->chain == CHAIN_NONE || c->chain == CHAIN_FD))
		pend_flush(c); /* CHAIN_PATH runs on pins with names of its own */
}

/* ---- fd metadata: fchmod, fchown, fsetxattr, fremovexattr -------------------------- */

void judge_fdmeta_call(struct call *c)
{
	int fd = (int)(int32_t)c->a[0];
	struct resolved res;
	int e;

	jb_kint(&c->args, "fd", fd);
	/* RACE: dup2 could put another file under fd before the kernel looks: the tracee
	 * duplicates it, the duplicate is judged, and the call runs on it (chain.c) */
	e = chain_pin_fd(c, 0, &res);
	if (e < 0) {
		if (!c->gone)
			call_builtin(c, POL_DENY, -e);
		return;
	}
	jb_kstr(&c->args, "resolved", res.path);
	if (res.magic) {
		/* a pipe, socket or unlinked file of the sandbox's own */
		call_rules_only(c);
		return;
	}
	judge_one_path(c, res.path, POL_WRITE);
}

/* ---- other processes ------------------------------------------------------------------ */

static bool pid_ok(struct run *r, long pid)
{
	if (pid == 0)
		return true; /* the caller itself / its own process group */
	if (pid == -1)
		return false; /* every process the caller may signal: the tracer included */
	if (pid < 0)
		pid = -pid; /* a process group: its leader must be ours */
	/* the tracee names it in its PID namespace */
	return tracee_is_member(r, tracee_host_tid(r, (pid_t)pid));
}

static bool core_raise(struct call *c);

/* The process a pidfd (or a /proc/PID directory fd) of the tracee refers to, or 0. */
static pid_t pidfd_pid(struct run *r, pid_t tid, int fd)
{
	char p[64], buf[4096];
	const char *pid;
	ssize_t n;

	/* fdinfo's Pid: is in the view of the /proc read, the tracer's */
	snprintf(p, sizeof(p), "/proc/%d/fdinfo/%d", (int)tid, fd);
	if (read_small_file(p, buf, sizeof(buf)) > 0 && (pid = strstr(buf, "\nPid:")))
		return (pid_t)atoi(pid + 5);
	/* a directory of the tracee's /proc: named in its PID namespace */
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)tid, fd);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n > 6 && strncmp(buf, "/proc/", 6) == 0) {
		buf[n] = '\0';
		return tracee_host_tid(r, (pid_t)atoi(buf + 6));
	}
	return 0;
}

void judge_pid_call(struct call *c)
{
	bool ok = true;
	char buf[32];

	if (c->row->nargs > 0 && c->row->arg[0].kind == A_FD) {
		/* pidfd_send_signal, pidfd_getfd, process_madvise, process_mrelease: the target
		 * is the process behind the pidfd.  RACE: judged on, and run with, the
		 * tracee's own duplicate of it (chain.c) */
		struct resolved res;
		pid_t target;
		int e = chain_pin_fd(c, 0, &res);
		if (e < 0) {
			if (!c->gone)
				call_builtin(c, POL_DENY, e == -EBADF ? EBADF : -e);
			return;
		}
		target = pidfd_pid(c->r, c->t->tid, (int)c->pin_fd);
		jb_kint(&c->args, "pid", target);
		if (target <= 0 || !tracee_is_member(c->r, target)) {
			call_builtin(c, POL_DENY, ESRCH);
			return;
		}
	}

	for (int i = 0; i < c->row->nargs; i++) {
		const struct sc_argspec *s = &c->row->arg[i];
		long v = (long)(int32_t)c->a[i];

		if (s->kind == A_SIG) {
			decode_signal((int)v, buf, sizeof(buf));
			jb_kstr(&c->args, "sig", buf);
		}
		if (s->kind != A_PID)
			continue;
		jb_kint(&c->args, i == 0 ? "pid" : "pid2", v);
		/* setpriority/ioprio_set: `who` is a pid only for the process kind */
		if (strcmp(c->name, "setpriority") == 0 || strcmp(c->name, "ioprio_set") == 0) {
			long which = (long)(int32_t)c->a[0];
			bool process_kind = strcmp(c->name, "setpriority") == 0 ? which == 0 : which == 1;
			if (!process_kind && v != 0)
				ok = false;
			else if (process_kind && !pid_ok(c->r, v))
				ok = false;
			continue;
		}
		/* register-only decision: pids are values, nothing to race */
		if (!pid_ok(c->r, v))
			ok = false;
	}
	if (!ok) {
		call_builtin(c, POL_DENY, strncmp(c->name, "kill", 4) == 0 && (int32_t)c->a[0] == -1
						  ? EPERM
						  : ESRCH);
		return;
	}
	if (strcmp(c->name, "prlimit64") == 0 && core_raise(c)) {
		call_builtin(c, POL_DENY, EPERM);
		return;
	}
	call_rules_only(c);
}

/* fcntl F_SETOWN / F_SETOWN_EX: the SIGIO owner must be a process of the run. */
static void judge_fcntl_call(struct call *c)
{
	uint32_t cmd = (uint32_t)c->a[1];

	jb_kint(&c->args, "fd", (int32_t)c->a[0]);
	jb_kint(&c->args, "cmd", cmd);
	if (cmd == F_SETOWN) {
		/* register-only: the pid is a value */
		long pid = (long)(int32_t)c->a[2];
		jb_kint(&c->args, "pid", pid);
		if (pid != 0 && !pid_ok(c->r, pid))
			call_builtin(c, POL_DENY, ESRCH);
		else
			call_rules_only(c);
	} else if (cmd == F_SETOWN_EX) {
		struct f_owner_ex own;
		uint64_t p;
		/* RACE: read once; the kernel reads our copy */
		if (mem_read(c->t->tid, c->a[2], &own, sizeof(own)) < 0) {
			call_builtin(c, POL_DENY, EFAULT);
			return;
		}
		jb_kint(&c->args, "pid", own.pid);
		if (own.pid != 0 && !tracee_is_member(c->r, tracee_host_tid(c->r, own.pid))) {
			call_builtin(c, POL_DENY, ESRCH);
			return;
		}
		call_rules_only(c);
		if (c->action == POL_ALLOW && (p = call_arena_put(c, &own, sizeof(own))))
			call_set_arg(c, 2, p);
	} else {
		call_rules_only(c);
	}
}

/* prlimit64: another process's limits (pid class), and never a core limit above 0. */
static bool core_raise(struct call *c)
{
	struct rlimit64 { uint64_t cur, max; } nl;

	if ((uint32_t)c->a[1] != RLIMIT_CORE || c->a[2] == 0)
		return false;
	/* RACE: read once, then the kernel gets our copy */
	if (mem_read(c->t->tid, c->a[2], &nl, sizeof(nl)) < 0)
		return true;
	if (nl.cur == 0 && nl.max == 0) {
		uint64_t p = call_arena_put(c, &nl, sizeof(nl));
		if (p)
			call_set_arg(c, 2, p);
		return !p;
	}
	return true;
}

/* ---- address space (only trapped when mseal() is missing) ------------------------------ */

void judge_mm_call(struct call *c)
{
	struct tracee *t = c->t;
	bool hit = false;
	char buf[32];


	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)c->a[0]);
	jb_kstr(&c->args, "addr", buf);
	jb_kint(&c->args, "len", (long long)c->a[1]);
	if (strcmp(c->name, "mmap") == 0) {
		if (c->a[3] & 0x10 /* MAP_FIXED */)
			hit = arena_overlaps(t, c->a[0], c->a[1]);
	} else if (strcmp(c->name, "mremap") == 0) {
		hit = arena_overlaps(t, c->a[0], c->a[1]);
		if (c->a[3] & 2 /* MREMAP_FIXED */)
			hit = hit || arena_overlaps(t, c->a[4], c->a[2]);
	} else if (strcmp(c->name, "shmat") == 0) {
		hit = c->a[1] && arena_overlaps(t, c->a[1], 1);
	} else if (strcmp(c->name, "remap_file_pages") == 0) {
		hit = arena_overlaps(t, c->a[0], c->a[1]);
	} else if (strcmp(c->name, "mseal") != 0) {
		hit = arena_overlaps(t, c->a[0], c->a[1]);
	}
	/* register-only: addresses and lengths are values */
	if (hit)
		call_builtin(c, POL_DENY, EPERM);
	else
		call_builtin(c, POL_ALLOW, 0);
}

/* ---- the stop -------------------------------------------------------------------------- */

static void audit_call(struct call *c)
{
	struct run *r = c->r;
	struct jbuf *jb = audit_begin(r->audit, "syscall", c->t->tgid, c->t->tid);
	char rule[PATH_MAX + 32];
	const char *action;

	if (!jb)
		return;
	jb_kstr(jb, "syscall", c->name);
	jb_kint(jb, "nr", c->nr);
	jb_kstr(jb, "arch", c->arch->name);
	jb_key(jb, "args");
	jb_obj_end(&c->args);
	jb_raw(jb, c->args.buf ? c->args.buf : "{}");
	jb_kstr(jb, "decision", c->action == POL_ALLOW ? "allow" : c->action == POL_DENY ? "deny" : "kill");
	if (r->audit_mode && !c->builtin)
		action = c->redirected ? "rewrite" : "allow";
	else if (c->action == POL_ALLOW)
		action = c->redirected ? "rewrite" : "allow";
	else
		action = c->action == POL_DENY ? "deny" : "kill";
	jb_kstr(jb, "action", action);
	if (c->action == POL_DENY) {
		const char *en = errno_name(c->err);
		if (en)
			jb_kstr(jb, "errno", en);
		else
			jb_kint(jb, "errno", c->err);
	}
	if (c->builtin)
		snprintf(rule, sizeof(rule), "builtin");
	else if (c->rule_file)
		snprintf(rule, sizeof(rule), "%s:%d", c->rule_file, c->rule_line);
	else
		snprintf(rule, sizeof(rule), "default");
	jb_kstr(jb, "rule", rule);
	if (settings_wants_backtrace(&r->set, c->name, c->action != POL_ALLOW)) {
		jb_key(jb, "backtrace");
		backtrace_json(c->t->tid, jb);
	}
	audit_commit(r->audit);
}

static void deny_now(struct run *r, struct tracee *t, const struct arch_ops *arch, int err)
{
	struct regs regs;

	/* register writes fail closed: a task we cannot stop from running the call dies */
	if (arch->get_regs(t->tid, &regs) < 0)
		goto kill;
	arch->set_syscall(&regs, -1);
	arch->set_return(&regs, -(int64_t)err);
	if (arch->set_regs(t->tid, &regs) < 0)
		goto kill;
	tracee_resume(r, t, PTRACE_CONT, 0);
	return;
kill:
	kill(t->tid, SIGKILL);
	tracee_resume(r, t, PTRACE_CONT, 0);
}

static void judge_seccomp_stop_(struct run *r, struct tracee *t, struct sc_stat **st);
static void apply_decision(struct run *r, struct tracee *t, struct call *c);

/*
 * The call needs the arena and this address space has none yet (arenas are made when first
 * needed).  A task alone in its address space and fd table gets one now, from this seccomp
 * stop, and is set to make the same call again.  true: done (or the task is gone); false:
 * the call keeps the refusal it has.
 */
static bool arena_then_again(struct run *r, struct tracee *t, struct call *c)
{
	int e;

	if (t->vm_shared || t->files_shared)
		return false; /* RACE: arena_create; those tasks got theirs when they began to share */
	e = arena_create(r, t, true, c->nr, c->a);
	if (e == -ESRCH)
		return true;
	if (e < 0) {
		warnx_("cannot map an arena into pid %d (%s): killing it", (int)t->tid,
		       strerror(-e));
		kill(t->tid, SIGKILL);
	}
	if (t->vfork_parent) {
		/* a vfork child makes it in the address space its sleeping parent shares */
		struct tracee *p = tracee_find(r, t->vfork_parent);
		if (p && !p->arena && e == 0) {
			p->arena = arena_ref(t->arena);
			p->arena_base = t->arena_base;
		}
	}
	tracee_resume(r, t, PTRACE_CONT, 0);
	return true;
}

/* One trap, timed for --stats. */
void judge_seccomp_stop(struct run *r, struct tracee *t)
{
	struct sc_stat *st = NULL;
	double t0 = r->stats ? now_monotonic() : 0;

	judge_seccomp_stop_(r, t, &st);
	if (st)
		st->seconds += now_monotonic() - t0;
}

static struct sc_stat *stat_of(struct run *r, const struct sc_row *row)
{
	if (!r->stats)
		return NULL;
	return &r->stats[row ? (unsigned)(row - systab_rows) : systab_nrows];
}

/* Apply the decision: deny, kill, chain, rewrite or let the call run. */
static void apply_decision(struct run *r, struct tracee *t, struct call *c)
{
	const struct arch_ops *arch = c->arch;

	/* audit mode: every policy decision is logged and nothing is denied; built-in
	 * refusals and failures to read the arguments still apply */
	if (r->audit_mode && !c->builtin && c->action != POL_ALLOW) {
		c->action = POL_ALLOW;
	}
	if (c->action == POL_KILL) {
		char msg[PATH_MAX + 64];
		if (c->slot >= 0)
			arena_slot_put(t->arena, c->slot);
		if (c->builtin)
			snprintf(msg, sizeof(msg), "%s killed by a built-in rule", c->name);
		else if (c->rule_file)
			snprintf(msg, sizeof(msg), "%s killed by rule %s:%d", c->name, c->rule_file,
				 c->rule_line);
		else
			snprintf(msg, sizeof(msg), "%s killed by the default action", c->name);
		r->denied++;
		run_kill_tree(r, V_POLICY_KILL, msg);
		if (c->at_exit)
			chain_fail(c, EPERM);
		else
			deny_now(r, t, arch, EPERM); /* the call never runs, SIGKILL is on its way */
		return;
	}
	if (c->action == POL_DENY) {
		if (c->slot >= 0)
			arena_slot_put(t->arena, c->slot);
		r->denied++;
		if (c->at_exit)
			chain_fail(c, c->err ? c->err : EPERM);
		else
			deny_now(r, t, arch, c->err ? c->err : EPERM);
		return;
	}
	if (c->chain != CHAIN_NONE) {
		chain_apply(c); /* frees the slot */
		return;
	}
	if (c->emulate) {
		struct regs regs;
		if (c->slot >= 0)
			arena_slot_put(t->arena, c->slot);
		if (arch->get_regs(t->tid, &regs) < 0) {
			kill(t->tid, SIGKILL);
		} else {
			arch->set_syscall(&regs, -1);
			arch->set_return(&regs, c->emu_ret);
			if (arch->set_regs(t->tid, &regs) < 0)
				kill(t->tid, SIGKILL);
		}
		tracee_resume(r, t, PTRACE_CONT, 0);
		return;
	}

	t->in_exec = c->is_exec;
	if (!c->rewrite && !c->fix && (!c->is_exec || c->direct)) {
		if (c->slot >= 0)
			arena_slot_put(t->arena, c->slot);
		tracee_resume(r, t, PTRACE_CONT, 0);
		return;
	}

	/* allowed with a rewrite: point the registers at the arena, follow to the exit */
	{
		struct regs regs;
		if (arch->get_regs(t->tid, &regs) < 0) {
			kill(t->tid, SIGKILL);
			tracee_resume(r, t, PTRACE_CONT, 0);
			return;
		}
		t->saved = regs;
		for (unsigned i = 0; i < 6; i++)
			if (c->na_set[i])
				arch->set_arg(&regs, i, c->na[i]);
		if (c->new_nr >= 0)
			arch->set_syscall(&regs, c->new_nr);
		if ((c->rewrite || c->new_nr >= 0) && arch->set_regs(t->tid, &regs) < 0) {
			kill(t->tid, SIGKILL);
			tracee_resume(r, t, PTRACE_CONT, 0);
			return;
		}
		t->slot = c->slot;
		t->restore = c->rewrite || c->new_nr >= 0;
		t->fix = c->fix;
			t->fix_ino = c->fix_ino;
		t->cur_nr = c->nr;
		t->wait = TW_SYSCALL_EXIT;
		tracee_resume(r, t, PTRACE_SYSCALL, 0);
	}
}

static void judge_seccomp_stop_(struct run *r, struct tracee *t, struct sc_stat **st)
{
	struct __ptrace_syscall_info info;
	struct call c;
	const struct arch_ops *arch;

	r->trapped++;
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		/* cannot tell what the task is about to do: it must not do it */
		kill(t->tid, SIGKILL);
		tracee_resume(r, t, PTRACE_CONT, 0);
		return;
	}
	arch = arch_by_audit(info.arch);
	if (!arch || !arch->traced || (info.seccomp.nr & 0x40000000)) {
		/* a foreign ABI got past the filter: never run it */
		kill(t->tid, SIGKILL);
		tracee_resume(r, t, PTRACE_CONT, 0);
		return;
	}
	t->arch = arch;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.t = t;
	c.arch = arch;
	c.nr = (long)info.seccomp.nr;
	c.row = systab_lookup(arch, c.nr);
	c.name = systab_name(arch, c.nr);
	if (!c.name)
		c.name = "unknown";
	c.slot = -1;
	c.new_nr = -1;
	c.action = POL_ALLOW;
	for (int i = 0; i < 6; i++)
		c.a[i] = info.seccomp.args[i];
	jb_init(&c.args, 16 * 1024);
	c.args.off = !audit_enabled(r->audit); /* no trail: decode for the policy only */
	jb_obj_begin(&c.args);

	switch (c.row ? c.row->cls : SC_UNKNOWN) {
	case SC_PATH:
	case SC_PRIV:
		if (c.row && call_arg_index(&c, A_PATH, 0) >= 0)
			judge_path_call(&c);
		else
			request_syscall_only(&c);
		break;
	case SC_EXEC:
		c.is_exec = true;
		judge_path_call(&c);
		break;
	case SC_FDMETA:
		judge_fdmeta_call(&c);
		break;
	case SC_NET:
	case SC_SENDTO:
		judge_net_call(&c);
		break;
	case SC_PID:
		judge_pid_call(&c);
		break;
	case SC_MM:
		judge_mm_call(&c);
		break;
	case SC_FCNTL:
		judge_fcntl_call(&c);
		break;
	case SC_EPERM:
		call_builtin(&c, POL_DENY, EPERM);
		break;
	case SC_ENOSYS:
		call_builtin(&c, POL_DENY, ENOSYS);
		break;
	case SC_UNKNOWN: {
		struct pol_verdict v;
		struct pol_request req = { .kind = POL_REQ_SYSCALL, .syscall = c.name };
		policy_eval(r->policy, &req, &v);
		if (!v.file && v.action == POL_DENY)
			v.err = ENOSYS; /* a call sysward does not know: "not implemented" */
		call_decide(&c, &v);
		break;
	}
	default:
		/* allow/clone/ioctl/prctl rows: the filter sends the harmless remainder of
		 * ioctl/prctl here, and any row with a syscall rule; only such rules refuse */
		call_rules_only(&c);
		break;
	}
	if (!c.decided)
		request_syscall_only(&c);

	if ((c.arena_retry || (c.chain != CHAIN_NONE && !t->arena)) && !c.gone && !c.at_exit &&
	    arena_then_again(r, t, &c)) {
		/* the call runs again with an arena to point at, and is judged then */
		jb_free(&c.args);
		r->trapped--;
		return;
	}
	audit_call(&c);
	jb_free(&c.args);
	if ((*st = stat_of(r, c.row))) {
		(*st)->calls++;
		if (c.action != POL_ALLOW && !(r->audit_mode && !c.builtin))
			(*st)->denied++;
		if (!c.gone)
			t->stat = *st;
	}
	if (c.gone) {
		/* the task died during a pin: it is reaped and freed; its slot goes back */
		if (c.slot >= 0 && c.held)
			arena_slot_put(c.held, c.slot);
	} else {
		apply_decision(r, t, &c);
	}
	arena_unref(c.held);
}

static void judge_syscall_exit_(struct run *r, struct tracee *t);

void judge_syscall_exit(struct run *r, struct tracee *t)
{
	struct sc_stat *st = t->stat;
	double t0 = st ? now_monotonic() : 0;

	judge_syscall_exit_(r, t);
	if (st)
		st->seconds += now_monotonic() - t0;
}

static void judge_syscall_exit_(struct run *r, struct tracee *t)
{
	const struct arch_ops *arch = t->arch;
	struct regs regs;

	t->wait = TW_NONE;
	if (!t->restore && !t->fix) {
		if (t->slot >= 0) {
			arena_slot_put(t->arena, t->slot);
			t->slot = -1;
		}
		tracee_resume(r, t, PTRACE_CONT, 0);
		return;
	}
	if (arch->get_regs(t->tid, &regs) < 0) {
		kill(t->tid, SIGKILL);
		tracee_resume(r, t, PTRACE_CONT, 0);
		return;
	}
	if (t->fix == FIX_MMSG) {
		/* sendmmsg ran as sendmsg of message 0: report it the sendmmsg way */
		int64_t sent = arch->get_return(&regs);
		if (sent >= 0) {
			uint32_t len = (uint32_t)sent;
			if (mem_poke(t->tid, t->fix_ino + 56, &len, sizeof(len)) == 0)
				arch->set_return(&regs, 1);
			else
				arch->set_return(&regs, -EFAULT);
		}
		t->fix = FIX_NONE;
	}
	if (t->restore) {
		/* the tracee sees its own arguments again; only the result is new.  A restart
		 * (-ERESTART*) re-enters the original call and is judged again. */
		int64_t ret = arch->get_return(&regs);
		regs = t->saved;
		arch->set_return(&regs, ret);
		regs.nr_changed = true;
	}
	if (arch->set_regs(t->tid, &regs) < 0)
		kill(t->tid, SIGKILL);
	t->restore = false;
	if (t->slot >= 0) {
		arena_slot_put(t->arena, t->slot);
		t->slot = -1;
	}
	tracee_resume(r, t, PTRACE_CONT, 0);
}
