/*
 * launch-ahead: the launch tree a server's spare worker forks before its request comes.
 *
 * A spare worker forks the launch child before its request is known, moves it into the run
 * cgroups (the cgroup v1 move waits for an RCU grace period: here it is off the request's
 * path) and, with the PID namespace backstop, lets it make the namespace's init and the
 * program process (pid 2).  Nothing is traced yet and nothing has a filter: the program
 * process waits on a socket for its order.  When the request comes, launch() seizes the
 * three, then sends the order: one message with what `child` (launch.c) would have had
 * (argv, envp, cwd, rlimits, umask, the read-only root's writable places, the filter; in a
 * memfd when over ORDER_INLINE_MAX) and the run's stdio and Landlock ruleset as
 * descriptors.  The program process checks that the worker traces it and goes on as a
 * launch child does after its stop.  A request the tree does not
 * fit (no PID namespace, --scratch, other cgroups) kills it and launches as usual.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor/backstops/rofs.h"
#include "supervisor/json.h"
#include "supervisor/launch.h"
#include "supervisor/limits/limits.h"
#include "supervisor/tracer.h"
#include "supervisor/util.h"

struct launch_ahead {
	pid_t launch, init, prog; /* without a PID namespace prog == launch, init == 0 */
	bool pidns;
	int sock;		  /* the worker's end: the tree's notes in, the order out */
	int report_rd;		  /* the report pipe (launch_child_fail) */
	const struct limits *limits; /* the cgroups it was made in */
};

#define ORDER_MAGIC 0x5357304fU
#define ORDER_FDS 5 /* [the memfd,] stdin, stdout, stderr[, the Landlock ruleset] */
/* An order up to this size is the message itself (a few KiB: the filter, argv, env);
 * a larger one comes in a memfd, the message then being the byte 'O'. */
#define ORDER_INLINE_MAX (64 * 1024)

struct order {
	uint32_t magic, size;
	int32_t umask, net, drop_caps, landlock, nrw, argc, envc;
	uint32_t proglen;
	struct rlimit rl[RLIM_NLIMITS];
	struct limits_child lim;
	/* the run's policy (Landlock's rules for the namespace's /proc): the tree is a fork of
	 * the worker made after the worker got it, so the pointer means the same there */
	const struct policy *policy;
	/* then the filter (proglen bytes), then NUL-terminated: path, cwd, rw[nrw], argv[argc],
	 * envp[envc] */
};

/* The next string of the order, or launch_child_fail. */
static const char *order_str(const char *buf, size_t size, size_t *off)
{
	const char *p = buf + *off, *end;

	if (*off >= size || !(end = memchr(p, '\0', size - *off)))
		launch_child_fail(CHILD_SETUP, EPROTO, "the worker's order");
	*off += (size_t)(end - p) + 1;
	return p;
}

/* The program process of a tree made ahead: wait for the order, then do what a launch child
 * does once traced.  Its own fork of the worker: malloc is safe here. */
static void __attribute__((noreturn)) ahead_program(int sock, pid_t tracer, bool pidns)
{
	char tag = 'P';
	int fds[ORDER_FDS], nfds = 0, e, *io = fds; /* io: stdin, stdout, stderr[, ruleset] */
	const struct order *o;
	struct sock_fprog fprog;
	char (*rw)[4096] = NULL, **argv, **envp, *buf = xmalloc(ORDER_INLINE_MAX);
	const char *path, *cwd;
	size_t off, size;
	ssize_t n;

	if (send(sock, &tag, 1, MSG_NOSIGNAL) != 1)
		_exit(0);
	n = recv_with_fds(sock, buf, ORDER_INLINE_MAX, fds, ORDER_FDS, &nfds);
	if (n <= 0)
		_exit(0); /* the worker retired, or is gone */
	close(sock);
	size = (size_t)n;
	if (n == 1 && buf[0] == 'O') {
		/* a large order: in the memfd that comes first */
		struct stat st;
		if (nfds < 1 || fstat(fds[0], &st) < 0 || (size_t)st.st_size < sizeof(*o) ||
		    st.st_size > (off_t)1 << 30)
			launch_child_fail(CHILD_SETUP, EPROTO, "the worker's order");
		size = (size_t)st.st_size;
		free(buf);
		buf = xmalloc(size);
		if (pread(fds[0], buf, size, 0) != (ssize_t)size)
			launch_child_fail(CHILD_SETUP, errno ? errno : EIO, "the worker's order");
		close(fds[0]);
		io = fds + 1;
		nfds--;
	}
	o = (const struct order *)buf;
	/* a message cut to the buffer does not have the size it says */
	if (size < sizeof(*o) || o->magic != ORDER_MAGIC || o->size != size ||
	    nfds != (o->landlock ? 4 : 3) || o->nrw < 0 || o->argc < 1 || o->envc < 0 ||
	    o->proglen > o->size - sizeof(*o))
		launch_child_fail(CHILD_SETUP, EPROTO, "the worker's order");
	/* traced by the worker (it seized the tree before sending): nothing runs untraced */
	if (!launch_traced_by(tracer))
		launch_child_fail(CHILD_SETUP, EPERM, "not traced");
	off = sizeof(*o) + o->proglen;
	path = order_str(buf, o->size, &off);
	cwd = order_str(buf, o->size, &off);
	if (o->nrw) {
		rw = xcalloc((size_t)o->nrw, sizeof(*rw));
		for (int i = 0; i < o->nrw; i++)
			snprintf(rw[i], sizeof(rw[i]), "%s", order_str(buf, o->size, &off));
	}
	argv = xcalloc((size_t)o->argc + 1, sizeof(*argv));
	for (int i = 0; i < o->argc; i++)
		argv[i] = (char *)order_str(buf, o->size, &off);
	envp = xcalloc((size_t)o->envc + 1, sizeof(*envp));
	for (int i = 0; i < o->envc; i++)
		envp[i] = (char *)order_str(buf, o->size, &off);

	/* what the worker set up for the run in itself: the run's stdio, umask, rlimits */
	for (int i = 0; i < 3; i++)
		if (dup3(io[i], i, 0) < 0)
			launch_child_fail(CHILD_SETUP, errno, "stdio");
	umask((mode_t)o->umask);
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (setrlimit(i, &o->rl[i]) < 0)
			launch_child_fail(CHILD_SETUP, errno, "resource limits");
	/* then as child() and pid_namespace() */
	if ((e = limits_child_apply(&o->lim)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "limits");
	if ((e = launch_private_network((enum net_mode)o->net)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "--net: new network namespace");
	if (rw && (e = rofs_enter(rw, o->nrw)) < 0)
		launch_child_fail(CHILD_SETUP, -e, "read-only root (mount namespace)");
	if (pidns)
		launch_pidns_proc(rw != NULL, o->landlock ? io[3] : -1, o->policy);
	if (chdir(cwd) < 0)
		launch_child_fail(CHILD_SETUP, errno, "chdir");
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		launch_child_fail(CHILD_SETUP, errno, "close_range");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		launch_child_fail(CHILD_SETUP, errno, "PR_SET_NO_NEW_PRIVS");
	fprog.len = (unsigned short)(o->proglen / sizeof(struct sock_filter));
	fprog.filter = (struct sock_filter *)(buf + sizeof(*o));
	launch_child_exec(o->landlock ? io[3] : -1, o->drop_caps, &fprog, path, argv, envp);
}

/* The tree's note: its tag, and for 'I' the init's pid; 'P' comes with the sender's
 * credentials (SO_PASSCRED), which give the program process's pid as the worker sees it. */
static int ahead_note(int sock, char want, pid_t *pid)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct launch_init_note note;
	struct iovec iov = {&note, sizeof(note)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	struct pollfd p = {.fd = sock, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, 2000) != 1)
		return -ETIMEDOUT;
	n = recvmsg(sock, &mh, MSG_DONTWAIT);
	if (n <= 0 || note.tag != want)
		return -EPROTO; /* end of file: the tree's setup failed */
	if (want == 'I')
		return n == sizeof(note) ? (*pid = note.pid, 0) : -EPROTO;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			*pid = uc.pid;
			return 0;
		}
	return -EPROTO;
}

struct launch_ahead *launch_ahead_make(struct limits *l, bool pidns)
{
	struct launch_ahead *a;
	pid_t tracer = getpid(), pid;
	int sv[2], pfd[2], one = 1;
	bool inside = false;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return NULL;
	if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    pipe2(pfd, O_CLOEXEC) < 0) {
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	pid = launch_fork_into(l ? limits_clone_fd(l) : -1, &inside);
	if (pid == 0) {
		char go;
		int sock = fcntl(sv[1], F_DUPFD_CLOEXEC, 100), rep = fcntl(pfd[1], F_DUPFD_CLOEXEC, 100);

		/* of the worker's descriptors the tree keeps these two only, as 3 and 4 */
		if (sock < 0 || rep < 0 || dup3(sock, 3, O_CLOEXEC) < 0 ||
		    dup3(rep, 4, O_CLOEXEC) < 0 || syscall(SYS_close_range, 5U, ~0U, 0U) < 0)
			_exit(0);
		sv[1] = 3;
		launch_report_pipe = 4;
		if (setsid() < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != tracer)
			_exit(0);
		/* in the run's cgroups before anything forks */
		if (read(sv[1], &go, 1) != 1 || go != 'G')
			_exit(0);
		if (pidns)
			launch_pidns_fork(sv[1], true);
		ahead_program(sv[1], tracer, pidns);
	}
	close(sv[1]);
	close(pfd[1]);
	a = xcalloc(1, sizeof(*a));
	a->launch = pid;
	a->prog = pid;
	a->pidns = pidns;
	a->sock = sv[0];
	a->report_rd = pfd[0];
	a->limits = l;
	if (pid < 0 || (l && !inside && limits_add_pid(l, pid) < 0) ||
	    send(a->sock, "G", 1, MSG_NOSIGNAL) != 1 ||
	    (pidns && ahead_note(a->sock, 'I', &a->init) < 0) ||
	    ahead_note(a->sock, 'P', &a->prog) < 0 || (!pidns && a->prog != pid)) {
		launch_ahead_drop(a);
		return NULL;
	}
	/* the tree's own setup is not the run's CPU time; it sleeps from now until its order,
	 * so the baseline taken now is the one the order would see, and not on its path */
	if (l)
		limits_cpu_start(l);
	return a;
}

/* Kill the tree and reap all of it, `seized` (the first nseized of them) traced already:
 * those stop at their exit until let go.  The init goes first: its exit reaps the
 * namespace, the launch child reaps the init and exits, so that when the launch child is
 * reaped nothing of the tree is left in the cgroups. */
static void ahead_kill(struct launch_ahead *a, const pid_t *seized, int nseized)
{
	bool launch_seized = false;
	int st;

	if (a->launch > 0) {
		kill(a->init > 0 ? a->init : a->launch, SIGKILL);
		for (int i = 0; i < nseized; i++) {
			kill(seized[i], SIGKILL);
			launch_seized |= seized[i] == a->launch;
		}
		for (int i = 0; i < nseized; i++)
			for (;;) {
				pid_t w = waitpid(seized[i], &st, __WALL);
				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0 || !WIFSTOPPED(st))
					break;
				ptrace(PTRACE_CONT, seized[i], 0, 0);
			}
		if (!launch_seized) {
			/* with an init it reaps the init, then exits by itself */
			if (a->init <= 0 || waitpid(a->launch, &st, __WALL | WNOHANG) != 0)
				kill(a->launch, SIGKILL);
			while (waitpid(a->launch, &st, __WALL) < 0 && errno == EINTR)
				;
		}
	}
	close(a->sock);
	close(a->report_rd);
	free(a);
}

void launch_ahead_drop(struct launch_ahead *a)
{
	if (a)
		ahead_kill(a, NULL, 0);
}

int launch_ahead_fds(const struct launch_ahead *a, int *fds, int max)
{
	if (!a || max < 2)
		return 0;
	fds[0] = a->sock;
	fds[1] = a->report_rd;
	return 2;
}

bool launch_ahead_fits(const struct launch_ahead *a, const struct run *r)
{
	/* made in the run cgroups made ahead, or (no cgroups ahead) for a run without any */
	return a && a->pidns == r->pidns &&
	       (a->limits ? a->limits == r->limits : limits_backend(r->limits) == LIMITS_NONE) &&
	       !limits_scratch_dir(r->limits) && !limits_namespaces(r->limits);
}

/* The order for the tree, into b.  0 or -errno. */
static int ahead_order(struct run *r, const void *prog, size_t proglen, const char *path,
		       char *const argv[], char *const envp[], struct jbuf *b)
{
	struct order o = {.magic = ORDER_MAGIC, .net = r->opt->net, .drop_caps = r->drop_caps,
			  .landlock = r->landlock_fd >= 0,
			  .nrw = r->rw ? r->nrw : 0, .proglen = (uint32_t)proglen,
			  .policy = r->policy};
	o.umask = (int32_t)umask(022);
	umask((mode_t)o.umask);
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (getrlimit(i, &o.rl[i]) < 0)
			return -errno;
	limits_child_plan(r->limits, &o.lim);
	while (argv[o.argc])
		o.argc++;
	while (envp[o.envc])
		o.envc++;
	jb_append(b, (const char *)&o, sizeof(o));
	jb_append(b, prog, proglen);
	jb_append(b, path, strlen(path) + 1);
	jb_append(b, r->cwd, strlen(r->cwd) + 1);
	for (int i = 0; i < o.nrw; i++)
		jb_append(b, r->rw[i], strlen(r->rw[i]) + 1);
	for (int i = 0; i < o.argc; i++)
		jb_append(b, argv[i], strlen(argv[i]) + 1);
	for (int i = 0; i < o.envc; i++)
		jb_append(b, envp[i], strlen(envp[i]) + 1);
	((struct order *)b->buf)->size = (uint32_t)b->len;
	return 0;
}

/* Send the order: as the message, or in a memfd when larger than ORDER_INLINE_MAX.  io:
 * stdin, stdout, stderr and the Landlock ruleset (nio of them).  0 or -errno. */
static int ahead_send_order(int sock, const struct jbuf *b, const int *io, int nio)
{
	int fds[ORDER_FDS], e = 0;
	ssize_t sent;

	if (b->len <= ORDER_INLINE_MAX) {
		sent = send_with_fds(sock, b->buf, b->len, io, nio, 0);
		if (sent != -EMSGSIZE) /* a socket buffer smaller than the order: the memfd */
			return sent == (ssize_t)b->len ? 0 : sent < 0 ? (int)sent : -EPROTO;
	}
	fds[0] = memfd_create("sysward-order", MFD_CLOEXEC);
	if (fds[0] < 0 || write(fds[0], b->buf, b->len) != (ssize_t)b->len)
		e = -errno;
	memcpy(fds + 1, io, sizeof(int) * (size_t)nio);
	if (!e) {
		sent = send_with_fds(sock, "O", 1, fds, nio + 1, 0);
		e = sent == 1 ? 0 : sent < 0 ? (int)sent : -EPROTO;
	}
	if (fds[0] >= 0)
		close(fds[0]);
	return e;
}

/* launch() with the tree made ahead: seize it, tell the tracer's tables, send the order. */
int launch_ahead_go(struct run *r, struct launch_ahead *a, const void *prog,
			   size_t proglen, const char *path, char *const argv[],
			   char *const envp[], long options)
{
	int io[4] = {0, 1, 2, r->landlock_fd}, nio = r->landlock_fd >= 0 ? 4 : 3;
	pid_t tasks[3] = {a->prog, a->init, a->launch};
	int ntasks = a->pidns ? 3 : 1, nseized = 0, e = 0;
	struct tracee *t;
	struct jbuf order; /* a plain byte buffer here */

	for (; nseized < ntasks; nseized++)
		if (ptrace(PTRACE_SEIZE, tasks[nseized], 0, options) < 0) {
			e = -errno;
			break;
		}
	jb_init(&order, 0);
	if (!e)
		e = ahead_order(r, prog, proglen, path, argv, envp, &order);
	if (!e)
		e = ahead_send_order(a->sock, &order, io, nio);
	jb_free(&order);
	if (e < 0) {
		warnx_("cannot start the program made ahead: %s", strerror(-e));
		ahead_kill(a, tasks, nseized);
		return e;
	}
	/* the loop takes them from here: nothing of theirs is waited for before it runs */
	if (a->pidns) {
		t = tracee_add(r, a->launch, a->launch);
		t->internal = t->seen_first_stop = t->known_parent = true;
		t = tracee_add(r, a->init, a->init);
		t->internal = t->seen_first_stop = t->known_parent = true;
		r->ns_init = a->init;
	}
	t = tracee_add(r, a->prog, a->prog);
	t->seen_first_stop = t->known_parent = true;
	t->arena = arena_ref(r->boot_arena);
	t->arena_base = (uint64_t)(uintptr_t)r->boot_arena->map;
	r->child = a->prog;
	r->processes = 1;
	r->report_fd = a->report_rd;
	close(a->sock);
	free(a);
	return 0;
}
