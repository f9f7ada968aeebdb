/*
 * serve: `sysward serve`, many sandboxed runs per second through one long-lived process.
 *
 * One single-threaded event loop (poll) owns the listening socket, the connections, the
 * queue of requests and the running jobs.  Each run is a forked worker: the worker puts the
 * request's descriptors on 0/1/2, takes the run's environment and calls run_with_hooks()
 * (run.c) exactly as `sysward run` would run, so it is the tracer of that run and nothing
 * else; it writes the answer frame to the client as soon as the result is known and then
 * tears down.  What is reused between runs lives in the server and reaches a worker by fork:
 *
 *   parsed policies   the --policy-dir files are parsed at start (and at SIGHUP); the
 *                     effective policy of (profile, names, working directory) is built once
 *                     and cached (POLICY_CACHE entries) with its policy_sha256;
 *   seccomp programs  compiled once per cached policy, mode and backtrace list (libseccomp
 *                     takes ~1.4 ms a policy); the worker loads the BPF as it is;
 *   workers           up to SPARES_MAX are forked ahead ("spares"), their signals reset,
 *                     their run cgroups made and opened (limits_create_ahead) and their
 *                     arena made; a request goes to one as a message on a socket.  A spare
 *                     holds the caches as they were at its fork: `gen` counts the changes
 *                     and only spares of the current one get requests;
 *   cgroups           run cgroups `srv<pid>-<n>` are made ahead of time (limits pool); a
 *                     spare (or a worker forked for a request) adopts one and, after
 *                     answering, the worker makes a replacement;
 *   the attach lock   a keeper process keeps the kernel's cgroup attach lock warm while
 *                     requests arrive (limits_warm_*), which saves an RCU grace period
 *                     (5-30 ms here) per run;
 *   warm state        systab, Landlock ABI, mseal probe and the libraries once.
 * What stays per run, for isolation: the process tree, fresh cgroups, the mount namespace,
 * the Landlock ruleset, the filter's load into the kernel, the arena of each exec.
 *
 * A worker dies with the server (PR_SET_PDEATHSIG) and its tracees with it (EXITKILL); a
 * client that disconnects gets its worker SIGTERMed (SIGKILLed WORKER_GRACE later).  See
 * docs/PROTOCOL.md for the protocol and the rest of the design.
 */
#include "supervisor/serve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/systab.h"
#include "policy/policy.h"
#include "supervisor/backstops/landlock.h"
#include "supervisor/limits/limits.h"
#include "supervisor/proto.h"
#include "supervisor/result.h"
#include "supervisor/run.h"
#include "supervisor/backstops/pidns.h"
#include "supervisor/tracer.h"
#include "supervisor/util.h"

extern char **environ;
const char *sysward_version(void);

#define READ_TIMEOUT 1.0   /* s: a started request frame must be whole by then */
#define WORKER_GRACE 1.0   /* s: SIGTERM -> SIGKILL of a worker whose client left */
#define SHUTDOWN_GRACE 3.0 /* s: at SIGTERM, how long workers get before SIGKILL */
#define MAX_CONNS 1024	   /* connections at once; more are refused */
#define POLICY_CACHE 64	   /* built policies kept */
#define POOL_PREFIX "srv"  /* run cgroups: srv<server pid>-<n> */
#define WARM_PERIOD_MS 3   /* keeper: one attach-lock round this often ... */
#define WARM_LINGER 0.25   /* s: ... until this long after the last request */
#define CLEANUP_TRIES 100  /* cgroups of a killed worker: removal attempts, 50 ms apart */
#define SPARES_MAX 4	   /* workers forked ahead of their request, at most */

/* ---- the state ------------------------------------------------------------------------- */

enum conn_state {
	CS_IDLE,    /* between requests: reading (no frame started) */
	CS_READING, /* part of a frame came: deadline running */
	CS_QUEUED,  /* a request waits for a run slot */
	CS_RUNNING, /* its worker runs */
};

struct job;

struct conn {
	int fd;
	enum conn_state state;
	unsigned char hdr[4];
	size_t hdr_got;
	char *body;
	uint32_t body_len, body_got;
	int fds[PROTO_MAX_FDS];
	int nfds;
	bool fd_excess;
	double deadline;
	/* the request being served */
	struct proto_request req;
	bool have_req;
	struct options opt;
	char cwd[PATH_MAX];
	char *policy_paths[CLI_MAX_LIST];
	struct policy *policy; /* from the cache (the server keeps it), or NULL */
	const char *profile;
	const struct pfilter *filter; /* built for policy and this request, or NULL */
	const char *policy_sha;	      /* policy_sha256 of policy */
	struct job *job;
	/* output not yet written */
	char *out;
	size_t out_len, out_off;
	bool close_after; /* once out is written */
	bool dead;	  /* closed: free at the end of the loop pass */
	struct conn *qnext, *next;
};

struct job {
	pid_t pid;
	int rfd;	   /* the worker's note (WORKER_ANSWERED), -1 once at end of file */
	struct conn *conn; /* NULL once its client left, or was answered */
	char slot[64], next_slot[64];
	unsigned char *shared; /* a page shared with the worker: shared[0] is `sending` */
	bool sending;	       /* the worker began to write its answer to the client */
	bool answered;	       /* ... and wrote all of it */
	bool exited;
	int status;
	double term_at; /* SIGTERM sent then; 0: not */
	bool killed;
	struct job *next;
};

/* A worker forked ahead of time, waiting for its request on a socket. */
struct spare {
	pid_t pid;
	int fd;		       /* the server's end: the request goes out, the notes come back */
	unsigned char *shared; /* its job's page (struct job) */
	char slot[64];	       /* its run cgroups (pool name), made and opened ahead */
	unsigned long gen;     /* the server's generation when it was forked (below) */
	struct spare *next;
};

struct cleanup {
	char name[64];
	int tries;
	double next;
};

/* A seccomp program built for a cached policy: one per mode and backtrace list asked. */
struct pfilter {
	char *key;
	void *prog;
	size_t len;
	bool mseal;
	unsigned long used;
};
#define FILTERS_PER_POLICY 4

struct pcache {
	char *key;
	struct policy *policy;
	char *profile;
	char sha[65]; /* policy_sha256 */
	unsigned long used;
	struct pfilter filters[FILTERS_PER_POLICY];
};

struct serve {
	const struct options *o;
	pid_t pid;
	int lfd, sfd;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t sock_dev;
	ino_t sock_ino;
	int report_fd, report_ro; /* the crash report memfd, and the read-only fd clients get */
	int max_parallel, running, nconns;
	struct conn *conns, *qhead, *qtail;
	struct job *jobs;
	/* pool */
	bool pool_ahead;
	char (*ready)[64];
	int nready;
	unsigned long seq;
	struct cleanup *cleanups;
	int ncleanups;
	/* policies */
	char policy_dir[PATH_MAX];
	char **pnames;
	int npnames;
	struct pcache cache[POLICY_CACHE];
	unsigned long tick;
	char **good_profiles;
	int ngood_profiles;
	/* spares: a fork of the server holds the caches as they were when it was made;
	 * `gen` counts the changes to them, and a spare of an older one is not used */
	struct spare *spares;
	int nspares;
	unsigned long gen;
	pid_t *retired; /* spares told to go, not yet reaped */
	int nretired;
	/* keeper */
	pid_t keeper;
	int keeper_fd;
	double keeper_poked;
	double accept_pause; /* accept failed for want of resources: not before then */
	/* shutdown */
	bool stopping;
	double stop_deadline;
	struct jsonl parser;
};

static struct serve *the_server; /* for the crash handlers */
static bool in_worker;		 /* this process is a worker (fork of the server) */
static bool clean_exit;

/* ---- the crash report: a memfd every client holds a read-only descriptor of ---------- */

static void report_write(const char *msg, size_t len)
{
	if (!the_server || the_server->report_fd < 0)
		return;
	if (pwrite(the_server->report_fd, msg, len, 0) < 0) {
		/* nothing else to tell it with */
	}
}

static void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
static void fatal(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "sysward serve (pid %d): fatal: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", msg);
	report_write(msg, strlen(msg));
	clean_exit = true; /* the report says why: no second message */
	if (the_server && the_server->sock_path[0])
		unlink(the_server->sock_path);
	exit(EXIT_SYSWARD_FAILED);
}

static void on_exit_unexpected(void)
{
	static const char msg[] = "sysward serve: exited after an internal error (its stderr has "
				  "the message)";
	if (!clean_exit && !in_worker)
		report_write(msg, sizeof(msg) - 1);
}

static void on_crash(int sig)
{
	char msg[96] = "sysward serve: crashed with signal ";
	size_t n = strlen(msg);

	if (sig >= 10)
		msg[n++] = (char)('0' + sig / 10);
	msg[n++] = (char)('0' + sig % 10);
	if (!in_worker)
		report_write(msg, n);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void report_init(struct serve *s)
{
	static char altstack[64 * 1024];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	struct sigaction sa = {0};
	static const int crash[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	char path[64];

	s->report_fd = memfd_create("sysward-serve-report", MFD_CLOEXEC);
	if (s->report_fd < 0)
		die("serve: memfd_create: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->report_fd);
	s->report_ro = open(path, O_RDONLY | O_CLOEXEC);
	if (s->report_ro < 0)
		die("serve: reopening the report memfd read-only: %s", strerror(errno));
	sigaltstack(&ss, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(crash); i++)
		sigaction(crash[i], &sa, NULL);
	atexit(on_exit_unexpected);
}

/* ---- policies: the directory, the cache ------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Read and check every policy of the directory.  0, or -EINVAL after printing why. */
static int load_policy_dir(struct serve *s)
{
	char **names = NULL;
	int n = 0, bad = 0;
	DIR *d;
	struct dirent *e;

	if (!s->o->policy_dir)
		return 0;
	if (!realpath(s->o->policy_dir, s->policy_dir)) {
		warnx_("--policy-dir %s: %s", s->o->policy_dir, strerror(errno));
		return -EINVAL;
	}
	d = opendir(s->policy_dir);
	if (!d) {
		warnx_("--policy-dir %s: %s", s->policy_dir, strerror(errno));
		return -EINVAL;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX * 2];
		struct stat st;
		struct pol_error err;
		struct policy *p;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->policy_dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		p = policy_new();
		if (policy_load_file(p, path, &err) < 0) {
			warnx_("%s", err.msg);
			bad++;
		}
		policy_free(p);
		names = xrealloc(names, (size_t)(n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (bad) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return -EINVAL;
	}
	if (n)
		qsort(names, (size_t)n, sizeof(*names), cmp_str);
	for (int i = 0; i < s->npnames; i++)
		free(s->pnames[i]);
	free(s->pnames);
	s->pnames = names;
	s->npnames = n;
	return 0;
}

static void cache_entry_free(struct pcache *e)
{
	free(e->key);
	free(e->profile);
	policy_free(e->policy);
	for (int i = 0; i < FILTERS_PER_POLICY; i++) {
		free(e->filters[i].key);
		free(e->filters[i].prog);
	}
	memset(e, 0, sizeof(*e));
}

static void cache_clear(struct serve *s)
{
	for (int i = 0; i < POLICY_CACHE; i++)
		cache_entry_free(&s->cache[i]);
	s->gen++;
}

/* Is this a built-in profile?  Checked once per name; the loader's message when not. */
static int check_profile(struct serve *s, const char *name, char *err, size_t errsz)
{
	struct pol_error pe;
	struct policy *p;
	int r;

	for (int i = 0; i < s->ngood_profiles; i++)
		if (!strcmp(s->good_profiles[i], name))
			return 0;
	p = policy_new();
	r = policy_load_profile(p, name, &pe);
	policy_free(p);
	if (r < 0) {
		snprintf(err, errsz, "%s", pe.msg);
		return -EINVAL;
	}
	s->good_profiles =
	    xrealloc(s->good_profiles, (size_t)(s->ngood_profiles + 1) * sizeof(char *));
	s->good_profiles[s->ngood_profiles++] = xstrdup(name);
	return 0;
}

/*
 * The effective policy for a request that names only a profile and --policy-dir files, from
 * the cache or built now.  NULL (the worker builds it, as `sysward run` does) when the
 * request names a file by path (it may change between runs) or runs in `/` (the warning the
 * default profile gives there belongs on the run's stderr).
 */
static struct policy *cached_policy(struct serve *s, struct conn *c, const char **profile,
				    struct pcache **entry)
{
	struct jbuf key;
	struct pcache *slot = NULL;
	struct policy *p;
	const char *prof;

	for (int i = 0; i < c->req.npolicy; i++)
		if (c->req.policy[i][0] == '/')
			return NULL;
	if (!strcmp(c->cwd, "/"))
		return NULL;
	jb_init(&key, 0);
	jb_arr_begin(&key);
	jb_str(&key, c->opt.profile ? c->opt.profile : "");
	for (int i = 0; i < c->opt.n_policy; i++)
		jb_str(&key, c->opt.policy_files[i]);
	jb_str(&key, c->cwd);
	jb_arr_end(&key);
	for (int i = 0; i < POLICY_CACHE; i++) {
		struct pcache *e = &s->cache[i];
		if (e->key && !strcmp(e->key, key.buf)) {
			e->used = ++s->tick;
			*profile = e->profile;
			*entry = e;
			jb_free(&key);
			return e->policy;
		}
		if (!slot || !e->key || (slot->key && e->used < slot->used))
			slot = e;
	}
	if (run_build_policy(&c->opt, c->cwd, &p, &prof) < 0) {
		jb_free(&key);
		return NULL; /* the worker builds it again and says why on the run's stderr */
	}
	cache_entry_free(slot);
	s->gen++;
	slot->key = key.buf;
	slot->policy = p;
	slot->profile = prof ? xstrdup(prof) : NULL;
	if (policy_sha256(p, slot->sha) < 0)
		slot->sha[0] = '\0';
	slot->used = ++s->tick;
	*profile = slot->profile;
	*entry = slot;
	return p;
}

/*
 * The seccomp program for a request whose policy came from the cache: built on first use of
 * this (policy, mode, backtrace list) and kept with the policy.  Compiling it with libseccomp
 * costs more than a millisecond, the rest of a run's setup a fraction of that.  NULL when it
 * cannot be built here (the worker then builds it, and says why on the run's stderr).
 */
static const struct pfilter *cached_filter(struct serve *s, struct pcache *e, struct conn *c)
{
	const struct settings *cli = &c->opt.cli;
	struct pfilter *slot = NULL;
	struct jbuf key;

	/* what filter_build reads besides the policy: the mode and the backtrace list, as
	 * settings_merge takes them from the request */
	jb_init(&key, 0);
	jb_arr_begin(&key);
	jb_int(&key, (long long)cli->mode);
	jb_int(&key, cli->bt_denied || cli->n_bt ? 1 + cli->bt_denied : 0);
	for (int i = 0; i < cli->n_bt; i++)
		jb_str(&key, cli->bt[i]);
	jb_arr_end(&key);
	for (int i = 0; i < FILTERS_PER_POLICY; i++) {
		struct pfilter *f = &e->filters[i];
		if (f->key && !strcmp(f->key, key.buf)) {
			f->used = ++s->tick;
			jb_free(&key);
			return f;
		}
		if (!slot || !f->key || (slot->key && f->used < slot->used))
			slot = f;
	}
	free(slot->key);
	free(slot->prog);
	memset(slot, 0, sizeof(*slot));
	s->gen++;
	if (run_build_filter(e->policy, &c->opt, &slot->prog, &slot->len, &slot->mseal) < 0) {
		slot->prog = NULL;
		jb_free(&key);
		return NULL;
	}
	slot->key = key.buf;
	slot->used = ++s->tick;
	return slot;
}

/* ---- requests into options ------------------------------------------------------------- */

static int bad(char *err, size_t errsz, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int bad(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* What `sysward run` would have parsed from its command line.  `cwd`: the request's
 * directory resolved already (a spare: as the server resolved it), or NULL.  0 or -EINVAL
 * with err. */
static int request_options(struct serve *s, struct conn *c, const char *cwd, char *err,
			   size_t errsz)
{
	struct proto_request *q = &c->req;
	struct options *o = &c->opt;
	const char *why = NULL;

	memset(o, 0, sizeof(*o));
	o->cmd = CMD_RUN;
	o->argv = q->argv;
	o->argc = q->argc;
	if (q->profile && check_profile(s, q->profile, err, errsz) < 0)
		return -EINVAL;
	o->profile = q->profile;
	if (q->npolicy > CLI_MAX_LIST)
		return bad(err, errsz, "policy: at most %d files", CLI_MAX_LIST);
	for (int i = 0; i < q->npolicy; i++) {
		const char *name = q->policy[i];
		if (name[0] != '/') {
			if (!s->npnames ||
			    !bsearch(&name, s->pnames, (size_t)s->npnames, sizeof(char *), cmp_str))
				return bad(err, errsz,
					   "policy: no '%s' in the server's policy directory%s",
					   name, s->policy_dir[0] ? "" : " (it has none)");
			c->policy_paths[i] = xmalloc(strlen(s->policy_dir) + strlen(name) + 2);
			sprintf(c->policy_paths[i], "%s/%s", s->policy_dir, name);
		} else {
			c->policy_paths[i] = xstrdup(name);
		}
		o->policy_files[o->n_policy++] = c->policy_paths[i];
	}
	if (q->mode)
		o->cli.mode = strcmp(q->mode, "audit") == 0 ? MODE_AUDIT : MODE_ENFORCE;
	for (int k = 0; k < LIM__COUNT; k++)
		if (q->limits[k] &&
		    settings_set_limit(&o->cli, (enum limit_key)k, q->limits[k], &why) < 0)
			return bad(err, errsz, "limits.%s: '%s': %s", proto_limit_name(k),
				   q->limits[k], why ? why : "bad value");
	if (q->backtrace && settings_set_backtrace(&o->cli, q->backtrace, &why) < 0)
		return bad(err, errsz, "backtrace: %s", why ? why : "bad list");
	if (q->net)
		o->net = !strcmp(q->net, "none")       ? NET_NONE
			 : !strcmp(q->net, "loopback") ? NET_LOOPBACK
						       : NET_HOST;
	o->no_backstops = q->no_backstops;
	o->stats = q->stats;
	o->audit_path = q->audit;
	if (cwd)
		snprintf(c->cwd, sizeof(c->cwd), "%s", cwd);
	else if (!realpath(q->cwd, c->cwd))
		return bad(err, errsz, "cwd: %s: %s", q->cwd, strerror(errno));
	o->chdir = c->cwd;
	return 0;
}

/* ---- output to clients --------------------------------------------------------------- */

static void conn_close(struct serve *s, struct conn *c)
{
	if (c->dead)
		return;
	close(c->fd);
	c->fd = -1;
	c->dead = true;
	s->nconns--;
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
	if (c->job)
		c->job->conn = NULL;
	c->job = NULL;
}

static void conn_flush(struct serve *s, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(s, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	if (c->close_after)
		conn_close(s, c);
}

/* Queue a whole frame (header included) for the client. */
static void conn_send_frame(struct serve *s, struct conn *c, const char *frame, size_t len)
{
	if (c->dead)
		return;
	c->out = xrealloc(c->out, c->out_len + len);
	memcpy(c->out + c->out_len, frame, len);
	c->out_len += len;
	conn_flush(s, c);
}

static void conn_send_json(struct serve *s, struct conn *c, const struct jbuf *jb)
{
	char *frame = xmalloc(jb->len + 4);

	proto_put_be32((unsigned char *)frame, (uint32_t)jb->len);
	memcpy(frame + 4, jb->buf, jb->len);
	conn_send_frame(s, c, frame, jb->len + 4);
	free(frame);
}

static void conn_error(struct serve *s, struct conn *c, const char *msg, bool logged,
		       bool close_after)
{
	struct jbuf jb;

	jb_init(&jb, 64 * 1024);
	proto_encode_error(&jb, EXIT_SYSWARD_FAILED, msg, logged);
	c->close_after |= close_after;
	conn_send_json(s, c, &jb);
	jb_free(&jb);
}

/* Back to waiting for the next request on this connection. */
static void conn_reset(struct conn *c)
{
	if (c->have_req)
		proto_request_free(&c->req);
	c->have_req = false;
	for (int i = 0; i < CLI_MAX_LIST; i++) {
		free(c->policy_paths[i]);
		c->policy_paths[i] = NULL;
	}
	free(c->body);
	c->body = NULL;
	c->hdr_got = 0;
	c->body_len = c->body_got = 0;
	c->fd_excess = false;
	c->policy = NULL;
	c->profile = NULL;
	c->filter = NULL;
	c->policy_sha = NULL;
	c->state = CS_IDLE;
}

/* ---- the keeper: the cgroup attach lock stays warm while requests come ----------------- */

static void __attribute__((noreturn)) keeper_main(int cfd, int warm_fd, pid_t server)
{
	double until = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != server)
		_exit(0);
	prctl(PR_SET_NAME, "sysward-keeper");
	for (;;) {
		struct pollfd p = {.fd = cfd, .events = POLLIN};
		double now = now_monotonic();
		int r = poll(&p, 1, now < until ? WARM_PERIOD_MS : -1);

		if (r > 0) {
			char buf[64];
			ssize_t n = read(cfd, buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				_exit(0);
			until = now_monotonic() + WARM_LINGER;
		}
		if (now_monotonic() < until)
			limits_warm_poke(warm_fd);
	}
}

static void keeper_start(struct serve *s)
{
	int warm = limits_warm_open(), p[2];
	pid_t pid;

	s->keeper_fd = -1;
	if (warm < 0)
		return;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		close(warm);
		return;
	}
	pid = fork();
	if (pid == 0) {
		/* keep only its two descriptors, as 3 and 4 */
		int a = fcntl(p[0], F_DUPFD_CLOEXEC, 100), b = fcntl(warm, F_DUPFD_CLOEXEC, 100);
		if (a < 0 || b < 0 || dup3(a, 3, O_CLOEXEC) < 0 || dup3(b, 4, O_CLOEXEC) < 0)
			_exit(1);
		if (syscall(SYS_close_range, 5U, ~0U, 0U) < 0)
			_exit(1);
		keeper_main(3, 4, s->pid);
	}
	close(p[0]);
	close(warm);
	if (pid < 0) {
		close(p[1]);
		return;
	}
	s->keeper = pid;
	s->keeper_fd = p[1];
}

static void keeper_poke(struct serve *s)
{
	double now = now_monotonic();

	if (s->keeper_fd < 0 || now - s->keeper_poked < WARM_LINGER / 4)
		return;
	s->keeper_poked = now;
	if (write(s->keeper_fd, "w", 1) < 0) {
		/* full (it is behind) or gone: either way nothing to do */
	}
}

/* ---- the pool of run cgroups -------------------------------------------------------- */

static void pool_name(struct serve *s, char out[64])
{
	snprintf(out, 64, "%s%d-%lu", POOL_PREFIX, (int)s->pid, s->seq++);
}

static void pool_add_cleanup(struct serve *s, const char *name)
{
	struct cleanup *c;

	if (!name[0])
		return;
	s->cleanups = xrealloc(s->cleanups, (size_t)(s->ncleanups + 1) * sizeof(*s->cleanups));
	c = &s->cleanups[s->ncleanups++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->tries = 0;
	c->next = 0;
}

/* Remove what killed workers left; each try is quick (no waiting). */
static void pool_run_cleanups(struct serve *s, double now)
{
	for (int i = 0; i < s->ncleanups;) {
		struct cleanup *c = &s->cleanups[i];
		int r;

		if (c->next > now) {
			i++;
			continue;
		}
		r = limits_pool_remove(c->name, 0);
		if (r == -EBUSY && ++c->tries < CLEANUP_TRIES) {
			c->next = now + 0.05;
			i++;
			continue;
		}
		if (r < 0)
			warnx_("serve: cannot remove the run cgroups %s: %s", c->name,
			       strerror(-r));
		s->cleanups[i] = s->cleanups[--s->ncleanups];
	}
}

static void pool_init(struct serve *s)
{
	int r = limits_pool_sweep(POOL_PREFIX);

	if (r > 0)
		warnx_("serve: removed the cgroups of %d runs a killed server left", r);
	s->ready = xcalloc((size_t)s->max_parallel, sizeof(*s->ready));
	s->pool_ahead = true;
	for (int i = 0; i < s->max_parallel; i++) {
		char name[64];
		pool_name(s, name);
		r = limits_pool_prepare(name);
		if (r < 0) {
			if (r != -EOPNOTSUPP)
				warnx_("serve: run cgroups cannot be made ahead of time: %s",
				       strerror(-r));
			s->pool_ahead = false;
			break;
		}
		snprintf(s->ready[s->nready++], 64, "%s", name);
	}
	/* the lock matters only when runs move into cgroups */
	if (s->pool_ahead || r != -EOPNOTSUPP)
		keeper_start(s);
	else
		s->keeper_fd = -1;
}

/* ---- workers -------------------------------------------------------------------------- */

/* What a worker tells the server: that it is about to write the answer, in a byte of a page
 * they share (read by the server only if the worker dies: no wake-up for it), and that it
 * wrote all of it, one byte on its pipe.  The answer itself goes straight to the client,
 * saving a hop through the server. */
enum { WORKER_ANSWERED = 'A' };

/* A page for the `sending` byte, mapped before the fork. */
static unsigned char *shared_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void shared_free(unsigned char *p)
{
	if (p)
		munmap(p, 4096);
}

struct worker {
	int note_fd;   /* the pipe to the server */
	int client_fd; /* the client's connection (the server does not touch it meanwhile) */
	int log_fd;    /* the server's stderr */
	volatile unsigned char *sending; /* the shared page, or NULL */
	bool answered;
};

static void worker_note(struct worker *w, char what)
{
	if (write(w->note_fd, &what, 1) < 0) {
		/* the server is gone: so are we, soon (PR_SET_PDEATHSIG) */
	}
}

/* One frame to the client.  The socket is non-blocking (its file description is the
 * server's); a client that reads nothing for 5 s is given up on. */
static void worker_answer(struct worker *w, const struct jbuf *jb)
{
	char *frame = xmalloc(jb->len + 4);
	size_t off = 0, len = jb->len + 4;

	proto_put_be32((unsigned char *)frame, (uint32_t)jb->len);
	memcpy(frame + 4, jb->buf, jb->len);
	if (w->sending) {
		*w->sending = 1;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	while (off < len) {
		ssize_t n = send(w->client_fd, frame + off, len - off, MSG_NOSIGNAL);
		struct pollfd p = {.fd = w->client_fd, .events = POLLOUT};
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && poll(&p, 1, 5000) > 0)
			continue;
		break; /* the client is gone (or stuck): nobody to tell */
	}
	free(frame);
	if (off == len)
		worker_note(w, WORKER_ANSWERED);
	w->answered = true;
}

/* After the answer the run's stdio and the connection are the client's business: let them
 * go, so that the client sees end of file and the teardown's messages go to the server's
 * log; the teardown then runs at a lower priority than the next run. */
static void worker_detach(struct worker *w)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	dup2(w->log_fd, 2);
	close(w->client_fd);
	w->client_fd = -1;
	if (setpriority(PRIO_PROCESS, 0, 10) < 0) {
		/* not worth a message */
	}
}

static void worker_on_result(const struct result *res, int status, void *arg)
{
	struct worker *w = arg;
	struct jbuf jb;

	jb_init(&jb, 0);
	jb_obj_begin(&jb);
	jb_kint(&jb, "exit_status", status);
	jb_key(&jb, "result");
	result_json(&jb, res);
	jb_obj_end(&jb);
	worker_answer(w, &jb);
	jb_free(&jb);
	worker_detach(w);
}

static void __attribute__((noreturn)) worker_fail(struct worker *w, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	struct jbuf jb;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jb_init(&jb, 0);
	proto_encode_error(&jb, EXIT_SYSWARD_FAILED, msg, false);
	worker_answer(w, &jb);
	_exit(3);
}

/* Open one of the run's stdio as the request says.  The descriptor or -errno. */
static int worker_stdio(const struct conn *c, int i)
{
	const struct proto_stdio *sd = &c->req.stdio[i];
	int fd;

	switch (sd->kind) {
	case PROTO_STDIO_FD:
		fd = fcntl(c->fds[sd->fd_index], F_DUPFD_CLOEXEC, 10);
		break;
	case PROTO_STDIO_PATH:
		fd = open(sd->path,
			  i == 0 ? O_RDONLY | O_CLOEXEC | O_NOCTTY
				 : O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY |
				       (sd->append ? O_APPEND : O_TRUNC),
			  0666);
		break;
	default:
		fd = open("/dev/null", (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
		break;
	}
	return fd < 0 ? -errno : fd;
}

/* A fork of the server becomes a worker: what does not depend on the request.  `name`:
 * what ps shows until it has a request ("sysward-spare") or from now on. */
static void worker_init(struct serve *s, const char *name)
{
	sigset_t none;

	in_worker = true;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != s->pid)
		_exit(2);
	setpgid(0, 0); /* the terminal's ^C goes to the server, which shuts down in order */
	prctl(PR_SET_NAME, name);
	/* a run starts with what `sysward run` would have: default signals, none blocked */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
}

/* The run of request `c` in this worker (worker_init done), its answer, its teardown. */
static void __attribute__((noreturn))
worker_run(struct serve *s, struct conn *c, const char *slot, const char *next_slot, int note_fd,
	   unsigned char *shared, struct limits *ahead_limits, struct arena *ahead_arena,
	   struct launch_ahead *ahead_tree)
{
	static const char *const names[] = {"stdin", "stdout", "stderr"};
	struct worker w = {.note_fd = note_fd, .client_fd = c->fd, .log_fd = -1, .sending = shared};
	struct run_hooks h = {0};
	int io[3], status, code = 1;

	/* what `sysward run` would have inherited from the client: umask, resource limits (a
	 * hard limit above the server's own is lowered to it when the server may not raise it) */
	if (c->req.umask >= 0)
		umask((mode_t)c->req.umask);
	for (int i = 0; i < PROTO_RLIMITS; i++) {
		const struct proto_rlimit *pl = &c->req.rlimits[i];
		struct rlimit rl = {(rlim_t)pl->cur, (rlim_t)pl->max}, now;
		if (!pl->set || setrlimit(proto_rlimit_resources[i], &rl) == 0 ||
		    getrlimit(proto_rlimit_resources[i], &now) < 0)
			continue;
		if (rl.rlim_max > now.rlim_max)
			rl.rlim_max = now.rlim_max;
		if (rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(proto_rlimit_resources[i], &rl) < 0) {
			/* keep the server's */
		}
	}
	for (int i = 0; i < 3; i++) {
		io[i] = worker_stdio(c, i);
		if (io[i] < 0) {
			if (c->req.stdio[i].kind == PROTO_STDIO_PATH)
				worker_fail(&w, "%s: %s: %s", names[i], c->req.stdio[i].path,
					    strerror(-io[i]));
			worker_fail(&w, "%s: %s", names[i], strerror(-io[i]));
		}
	}
	/* the notes pipe on 3, the server's stderr on 4, the client on 5 (all close-on-exec),
	 * then nothing else */
	{
		int note = fcntl(note_fd, F_DUPFD_CLOEXEC, 10), log = fcntl(2, F_DUPFD_CLOEXEC, 10);
		int client = fcntl(c->fd, F_DUPFD_CLOEXEC, 10);
		if (note < 0 || log < 0 || client < 0 || dup2(io[0], 0) < 0 || dup2(io[1], 1) < 0 ||
		    dup2(io[2], 2) < 0 || dup3(note, 3, O_CLOEXEC) < 0 ||
		    dup3(log, 4, O_CLOEXEC) < 0 || dup3(client, 5, O_CLOEXEC) < 0)
			worker_fail(&w, "setting up the descriptors: %s", strerror(errno));
	}
	w.note_fd = 3;
	w.log_fd = 4;
	w.client_fd = 5;
	{
		/* but the descriptors of the run cgroups and the launch tree made ahead (above 5:
		 * see spare_main) */
		int keep[32], n = ahead_limits ? limits_fds(ahead_limits, keep, 29) : 0;
		unsigned lo = 6;

		n += launch_ahead_fds(ahead_tree, keep + n, 2);

		keep[n++] = INT_MAX; /* the end */
		qsort(keep, (size_t)n, sizeof(int), cmp_int);
		for (int i = 0; i < n; i++) {
			unsigned hi = keep[i] == INT_MAX ? ~0U : (unsigned)keep[i] - 1;
			if (keep[i] > (int)lo && syscall(SYS_close_range, lo, hi, 0U) < 0)
				for (unsigned fd = lo; fd <= hi && fd < 65536; fd++)
					close((int)fd);
			if (keep[i] >= (int)lo && keep[i] != INT_MAX)
				lo = (unsigned)keep[i] + 1;
		}
	}

	/* relative names (a program "./x") mean what they mean in the run's directory */
	if (chdir(c->cwd) < 0)
		worker_fail(&w, "cwd: %s: %s", c->cwd, strerror(errno));
	environ = c->req.env;
	limits_pool_use(slot);
	h.policy = c->policy;
	h.profile = c->profile;
	if (c->filter) {
		h.filter = c->filter->prog;
		h.filter_len = c->filter->len;
		h.filter_mseal = c->filter->mseal;
	}
	h.policy_sha256 = c->policy_sha;
	h.limits = ahead_limits;
	h.boot_arena = ahead_arena;
	h.launch_ahead = ahead_tree;
	h.on_result = worker_on_result;
	h.arg = &w;
	status = run_with_hooks(&c->opt, &h);
	if (!w.answered) {
		/* setup failed before a result existed: run wrote why on its stderr */
		struct jbuf jb;
		jb_init(&jb, 0);
		proto_encode_error(&jb, status,
				   "the run could not be set up (the reason is on "
				   "its stderr)",
				   true);
		worker_answer(&w, &jb);
		jb_free(&jb);
		worker_detach(&w);
		/* it may have failed before adopting its run cgroups (a bad policy) */
		limits_pool_remove(slot, 0);
	}
	if (next_slot[0] && limits_pool_prepare(next_slot) == 0)
		code = 0; /* the replacement is ready */
	_exit(code);
}

static void __attribute__((noreturn))
worker_main(struct serve *s, struct conn *c, struct job *j, int note_fd)
{
	worker_init(s, "sysward-worker");
	worker_run(s, c, j->slot, j->next_slot, note_fd, j->shared, NULL, NULL, NULL);
}

/* ---- spares: workers forked before their request comes ---------------------------------- */

/*
 * What the server sends a spare with a request: one message on its socket, carrying as
 * descriptors a memfd holding the request frame's body, the client's connection and the
 * descriptors passed with the request.  The pointers are into the server's caches as they
 * were when the spare was forked: the server sends a request only to a spare of its current
 * generation, whose copies of them are the server's.
 */
struct spare_msg {
	uint32_t body_len;
	int nfds; /* passed with the request */
	char slot[64], next_slot[64];
	char cwd[PATH_MAX]; /* the request's directory as the server resolved it */
	struct policy *policy;
	const char *profile;
	const struct pfilter *filter;
	const char *policy_sha;
};

static void __attribute__((noreturn))
spare_main(struct serve *s, int sock, unsigned char *shared, const char *slot)
{
	struct limits *ahead = NULL;
	struct arena *arena;
	struct launch_ahead *tree = NULL;
	struct conn c = {0};
	struct spare_msg m;
	struct worker w = {.note_fd = 3, .client_fd = -1, .log_fd = -1, .sending = shared};
	int fds[2 + PROTO_MAX_FDS], nfds = 0;
	char err[PATH_MAX + 256], *body;
	ssize_t n;

	worker_init(s, "sysward-spare");
	/* the socket on 3, the server's stderr stays on 2; nothing else of the server's */
	if (dup3(sock, 3, O_CLOEXEC) < 0)
		_exit(2);
	if (syscall(SYS_close_range, 4U, ~0U, 0U) < 0)
		for (int fd = 4; fd < 65536; fd++)
			close(fd);
	/* what every run makes before its program starts, whatever the request: the run cgroups
	 * (opened, and made unless the pool made them) and the argument arena.  0-5 are held
	 * meanwhile (/dev/null where free): worker_run puts the run's descriptors there and
	 * closes all others but those of the cgroups */
	for (;;) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(2);
		if (fd > 5) {
			close(fd);
			break;
		}
	}
	limits_pool_use(slot);
	if (limits_create_ahead(&ahead) < 0)
		ahead = NULL; /* the run says why, if it is not a passing failure */
	arena = arena_new_local();
	/* and the launch tree, in the shape a run with the backstops on takes (launch.c) */
	if (arena)
		tree = launch_ahead_make(ahead, geteuid() == 0 && pidns_probe() == 0);
	prefault_writable(); /* the request's path takes few copy-on-write faults */
	n = recv_with_fds(3, &m, sizeof(m), fds, (int)ARRAY_SIZE(fds), &nfds);
	if (n <= 0) {
		/* retired: its run cgroups go (spare_free) once the tree is gone */
		launch_ahead_drop(tree);
		_exit(0);
	}
	if (n != (ssize_t)sizeof(m) || nfds != 2 + m.nfds || m.nfds > PROTO_MAX_FDS)
		_exit(2); /* cannot happen: the server ends the connection, seeing no answer */
	c.fd = w.client_fd = fds[1];
	for (int i = 0; i < m.nfds; i++)
		c.fds[c.nfds++] = fds[2 + i];
	body = xmalloc((size_t)m.body_len + 1);
	if (pread(fds[0], body, m.body_len, 0) != (ssize_t)m.body_len)
		worker_fail(&w, "the server's worker could not read the request");
	close(fds[0]);
	/* the server checked all this before: the same code cannot answer differently */
	if (proto_decode_request(&s->parser, body, m.body_len, &c.req, err, sizeof(err)) < 0 ||
	    request_options(s, &c, m.cwd, err, sizeof(err)) < 0)
		worker_fail(&w, "%s", err);
	prctl(PR_SET_NAME, "sysward-worker");
	c.have_req = true;
	c.policy = m.policy;
	c.profile = m.profile;
	c.filter = m.filter;
	c.policy_sha = m.policy_sha;
	worker_run(s, &c, m.slot, m.next_slot, 3, shared, ahead, arena, tree);
}

/* Retire a spare: it sees end of file, kills its launch tree and exits.  Its run cgroups
 * are removed once empty (pool_run_cleanups). */
static void spare_free(struct serve *s, struct spare *sp, bool reaped)
{
	if (!reaped) {
		s->retired = xrealloc(s->retired, (size_t)(s->nretired + 1) * sizeof(pid_t));
		s->retired[s->nretired++] = sp->pid;
	}
	close(sp->fd);
	/* its launch tree may be still dying in them: they are removed, not handed on */
	pool_add_cleanup(s, sp->slot);
	shared_free(sp->shared);
	free(sp);
}

/* Keep SPARES_MAX spares of the current generation (none while shutting down). */
static void spares_fill(struct serve *s)
{
	int want = s->stopping ? 0 : s->max_parallel < SPARES_MAX ? s->max_parallel : SPARES_MAX;

	for (struct spare **pp = &s->spares; *pp;) {
		struct spare *sp = *pp;
		if (sp->gen == s->gen && !s->stopping) {
			pp = &sp->next;
			continue;
		}
		*pp = sp->next;
		s->nspares--;
		spare_free(s, sp, false);
	}
	while (s->nspares < want) {
		struct spare *sp;
		unsigned char *shared = shared_page();
		char slot[64];
		int sv[2];
		pid_t pid;

		if (!shared)
			return;
		if (s->nready > 0)
			snprintf(slot, sizeof(slot), "%s", s->ready[--s->nready]);
		else
			pool_name(s, slot);
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			shared_free(shared);
			pool_add_cleanup(s, slot);
			return;
		}
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			spare_main(s, sv[1], shared, slot);
		}
		close(sv[1]);
		if (pid < 0) {
			close(sv[0]);
			shared_free(shared);
			pool_add_cleanup(s, slot);
			return;
		}
		fcntl(sv[0], F_SETFL, O_NONBLOCK);
		sp = xcalloc(1, sizeof(*sp));
		sp->pid = pid;
		sp->fd = sv[0];
		sp->shared = shared;
		snprintf(sp->slot, sizeof(sp->slot), "%s", slot);
		sp->gen = s->gen;
		sp->next = s->spares;
		s->spares = sp;
		s->nspares++;
	}
}

/* A spare of the current generation takes the request: its pid, or 0 when there is none
 * (or it cannot take it: it is then retired). */
static pid_t spare_take(struct serve *s, struct conn *c, struct job *j)
{
	struct spare *sp, **pp;
	struct spare_msg m = {0};
	int fds[2 + PROTO_MAX_FDS], memfd;
	pid_t pid;
	ssize_t n;

	for (pp = &s->spares; *pp && (*pp)->gen != s->gen; pp = &(*pp)->next)
		;
	if (!(sp = *pp) || !c->body)
		return 0;
	*pp = sp->next;
	s->nspares--;
	memfd = memfd_create("sysward-request", MFD_CLOEXEC);
	if (memfd < 0 || write(memfd, c->body, c->body_len) != (ssize_t)c->body_len) {
		if (memfd >= 0)
			close(memfd);
		spare_free(s, sp, false);
		return 0;
	}
	snprintf(j->slot, sizeof(j->slot), "%s", sp->slot);
	m.body_len = c->body_len;
	m.nfds = c->nfds;
	snprintf(m.slot, sizeof(m.slot), "%s", j->slot);
	snprintf(m.next_slot, sizeof(m.next_slot), "%s", j->next_slot);
	snprintf(m.cwd, sizeof(m.cwd), "%s", c->cwd);
	m.policy = c->policy;
	m.profile = c->profile;
	m.filter = c->filter;
	m.policy_sha = c->policy_sha;
	fds[0] = memfd;
	fds[1] = c->fd;
	memcpy(fds + 2, c->fds, sizeof(int) * (size_t)c->nfds);
	n = send_with_fds(sp->fd, &m, sizeof(m), fds, 2 + c->nfds, MSG_DONTWAIT);
	close(memfd);
	if (n != (ssize_t)sizeof(m)) {
		/* it died, or cannot keep up: a fresh fork does the run */
		spare_free(s, sp, false);
		j->slot[0] = '\0';
		return 0;
	}
	pid = sp->pid;
	j->rfd = sp->fd;
	j->shared = sp->shared;
	free(sp);
	return pid;
}

static void job_start(struct serve *s, struct conn *c)
{
	struct job *j = xcalloc(1, sizeof(*j));
	int p[2];

	if (s->pool_ahead)
		pool_name(s, j->next_slot);
	/* looked up now: a later eviction or reload cannot pull it from under the worker */
	{
		struct pcache *e = NULL;
		c->policy = cached_policy(s, c, &c->profile, &e);
		c->filter = c->policy ? cached_filter(s, e, c) : NULL;
		c->policy_sha = c->policy && e->sha[0] ? e->sha : NULL;
	}
	j->pid = spare_take(s, c, j); /* with its run cgroups (j->slot) */
	if (j->pid <= 0 && s->nready > 0)
		snprintf(j->slot, sizeof(j->slot), "%s", s->ready[--s->nready]);
	else if (j->pid <= 0)
		pool_name(s, j->slot);
	if (j->pid > 0) {
		/* a spare took it */
	} else if (!(j->shared = shared_page()) || pipe2(p, O_CLOEXEC) < 0) {
		conn_error(s, c, "the server cannot start a run: out of resources", false, false);
		shared_free(j->shared);
		pool_add_cleanup(s, j->slot);
		free(j);
		conn_reset(c);
		return;
	} else {
		j->pid = fork();
		if (j->pid == 0)
			worker_main(s, c, j, p[1]);
		close(p[1]);
		if (j->pid < 0) {
			close(p[0]);
			conn_error(s, c, "the server cannot start a run: fork failed", false,
				   false);
			shared_free(j->shared);
			pool_add_cleanup(s, j->slot);
			free(j);
			conn_reset(c);
			return;
		}
		j->rfd = p[0];
		fcntl(j->rfd, F_SETFL, O_NONBLOCK);
	}
	free(c->body);
	c->body = NULL;
	j->conn = c;
	c->job = j;
	c->state = CS_RUNNING;
	/* the worker has its copies of the request's descriptors */
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
	j->next = s->jobs;
	s->jobs = j;
	s->running++;
	spares_fill(s); /* the next run's worker, forked while this one runs */
}

static void start_queued(struct serve *s)
{
	while (s->qhead && s->running < s->max_parallel && !s->stopping) {
		struct conn *c = s->qhead;
		s->qhead = c->qnext;
		if (!s->qhead)
			s->qtail = NULL;
		c->qnext = NULL;
		job_start(s, c);
	}
}

static void queue_remove(struct serve *s, struct conn *c)
{
	struct conn **pp = &s->qhead, *prev = NULL;

	for (; *pp; prev = *pp, pp = &(*pp)->qnext)
		if (*pp == c) {
			*pp = c->qnext;
			if (s->qtail == c)
				s->qtail = prev;
			c->qnext = NULL;
			return;
		}
}

/* The worker's notes: once it has answered, the connection is the client's again (it may
 * carry the next request while the worker tears down; the worker still counts against
 * --max-parallel until it exits). */
static struct conn *job_read(struct serve *s, struct job *j)
{
	while (j->rfd >= 0) {
		char buf[16];
		ssize_t n = read(j->rfd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(j->rfd);
			j->rfd = -1;
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			j->answered |= buf[i] == WORKER_ANSWERED;
	}
	if (j->answered && j->conn) {
		struct conn *c = j->conn;
		c->job = NULL;
		j->conn = NULL;
		conn_reset(c);
		if (s->stopping)
			conn_close(s, c);
		return c->dead ? NULL : c;
	}
	return NULL;
}

static void job_finish(struct serve *s, struct job *j)
{
	struct conn *c = j->conn;
	struct job **pp;

	job_read(s, j);
	c = j->conn;
	if (j->rfd >= 0)
		close(j->rfd);
	j->sending = j->shared && j->shared[0];
	if (c && j->sending) {
		/* it died half-way through its answer: the stream cannot be trusted */
		conn_close(s, c);
		c = NULL;
	} else if (c) {
		char msg[160];
		if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == EXIT_SYSWARD_FAILED) {
			conn_error(s, c,
				   "the run could not be set up (the reason is on its stderr)",
				   true, false);
		} else {
			snprintf(
			    msg, sizeof(msg), "the server's worker ended without answering (%s %d)",
			    WIFSIGNALED(j->status) ? "signal" : "status",
			    WIFSIGNALED(j->status) ? WTERMSIG(j->status) : WEXITSTATUS(j->status));
			conn_error(s, c, msg, false, false);
		}
	}
	if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0 && j->next_slot[0] &&
	    s->nready < s->max_parallel && !s->stopping) {
		snprintf(s->ready[s->nready++], 64, "%s", j->next_slot);
	} else {
		if (!(WIFEXITED(j->status) && WEXITSTATUS(j->status) <= 1))
			pool_add_cleanup(s, j->slot); /* it could not clean up after itself */
		if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0)
			pool_add_cleanup(s, j->next_slot); /* made, but not needed */
		else if (j->next_slot[0])
			pool_add_cleanup(s, j->next_slot);
	}
	if (c) {
		c->job = NULL;
		conn_reset(c);
	}
	for (pp = &s->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	shared_free(j->shared);
	free(j);
	s->running--;
}

static void reap(struct serve *s)
{
	for (;;) {
		int st;
		pid_t pid = waitpid(-1, &st, WNOHANG);
		struct job *j;

		if (pid <= 0)
			return;
		if (pid == s->keeper) {
			s->keeper = 0;
			if (s->keeper_fd >= 0)
				close(s->keeper_fd);
			s->keeper_fd = -1;
			continue;
		}
		for (j = s->jobs; j && j->pid != pid; j = j->next)
			;
		if (!j) {
			for (int i = 0; i < s->nretired; i++)
				if (s->retired[i] == pid)
					s->retired[i--] = s->retired[--s->nretired];
			/* a spare: retired, or it died waiting (forget it) */
			for (struct spare **pp = &s->spares; *pp; pp = &(*pp)->next)
				if ((*pp)->pid == pid) {
					struct spare *sp = *pp;
					*pp = sp->next;
					s->nspares--;
					spare_free(s, sp, true);
					break;
				}
			continue;
		}
		j->exited = true;
		j->status = st;
		job_finish(s, j);
	}
}

/* The client left: end its run (the worker ends the tree and cleans up). */
static void job_cancel(struct job *j)
{
	if (j->exited || j->term_at)
		return;
	j->term_at = now_monotonic();
	kill(j->pid, SIGTERM);
}

/* ---- requests ------------------------------------------------------------------------- */

static void request_complete(struct serve *s, struct conn *c)
{
	char err[PATH_MAX + 256];
	int r;

	keeper_poke(s);
	if (c->fd_excess) {
		conn_error(s, c, "more descriptors came with the request than it may pass", false,
			   false);
		goto drop;
	}
	/* the body stays until the run starts: a spare decodes it again */
	r = proto_decode_request(&s->parser, c->body, c->body_len, &c->req, err, sizeof(err));
	if (r < 0) {
		conn_error(s, c, err, false, false);
		goto drop;
	}
	c->have_req = true;
	if (c->req.fds_needed != c->nfds) {
		snprintf(err, sizeof(err), "the request uses %d descriptors, %d came with it",
			 c->req.fds_needed, c->nfds);
		conn_error(s, c, err, false, false);
		goto drop;
	}
	if (s->stopping) {
		conn_error(s, c, "the server is shutting down", false, true);
		goto drop;
	}
	if (request_options(s, c, NULL, err, sizeof(err)) < 0) {
		conn_error(s, c, err, false, false);
		goto drop;
	}
	c->state = CS_QUEUED;
	if (s->qtail)
		s->qtail->qnext = c;
	else
		s->qhead = c;
	s->qtail = c;
	start_queued(s);
	return;
drop:
	for (int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
	conn_reset(c);
}

/* Read request bytes (and the descriptors passed with them). */
static void conn_read(struct serve *s, struct conn *c)
{
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 16)];
			struct cmsghdr align;
		} u;
		struct iovec iov;
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = u.buf,
				    .msg_controllen = sizeof(u.buf)};
		char err[160];
		ssize_t n;

		if (c->hdr_got < 4)
			iov = (struct iovec){c->hdr + c->hdr_got, 4 - c->hdr_got};
		else
			iov = (struct iovec){c->body + c->body_got, c->body_len - c->body_got};
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); n >= 0 && cm;
		     cm = CMSG_NXTHDR(&mh, cm)) {
			size_t k;
			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (c->nfds < PROTO_MAX_FDS) {
					c->fds[c->nfds++] = fd;
				} else {
					close(fd);
					c->fd_excess = true;
				}
			}
		}
		if (n >= 0 && (mh.msg_flags & MSG_CTRUNC))
			c->fd_excess = true;
		if (n <= 0) {
			if (n < 0 || c->state == CS_IDLE) {
				conn_close(s, c);
				return;
			}
			snprintf(err, sizeof(err),
				 "truncated request: the connection ended after %zu of %zu bytes",
				 c->hdr_got + c->body_got,
				 c->hdr_got < 4 ? 4 : 4 + (size_t)c->body_len);
			conn_error(s, c, err, false, true);
			return;
		}
		if (c->state == CS_IDLE) {
			c->state = CS_READING;
			c->deadline = now_monotonic() + READ_TIMEOUT;
		}
		if (c->hdr_got < 4) {
			c->hdr_got += (size_t)n;
			if (c->hdr_got < 4)
				continue;
			c->body_len = proto_get_be32(c->hdr);
			if (proto_check_length(c->body_len, err, sizeof(err)) < 0) {
				/* an oversized frame cannot be skipped safely: answer and close */
				conn_error(s, c, err, false, c->body_len != 0);
				for (int i = 0; i < c->nfds; i++)
					close(c->fds[i]);
				c->nfds = 0;
				conn_reset(c);
				if (c->dead)
					return;
				continue;
			}
			c->body = xmalloc(c->body_len + 1);
			c->body_got = 0;
			continue;
		}
		c->body_got += (uint32_t)n;
		if (c->body_got == c->body_len) {
			request_complete(s, c);
			return; /* the next request is read once this one is answered */
		}
	}
}

static void conn_accept(struct serve *s)
{
	for (;;) {
		struct ucred cred;
		socklen_t cl = sizeof(cred);
		struct conn *c;
		struct jbuf jb;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		const char *refuse = NULL;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* out of descriptors: stop listening a moment instead of spinning */
				warnx_("serve: accept: %s", strerror(errno));
				s->accept_pause = now_monotonic() + 0.1;
			}
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				fatal("accept: %s", strerror(errno));
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
			refuse = "cannot get the peer's credentials";
		else if (cred.uid != 0 && cred.uid != geteuid())
			refuse = "permission denied: the client runs as another user";
		else if (s->nconns >= MAX_CONNS)
			refuse = "too many connections";
		jb_init(&jb, 0);
		if (refuse) {
			proto_encode_error(&jb, EXIT_SYSWARD_FAILED, refuse, false);
			proto_send(fd, jb.buf, jb.len, NULL, 0);
			jb_free(&jb);
			close(fd);
			continue;
		}
		proto_encode_greeting(&jb, sysward_version(), (int)s->pid, s->max_parallel);
		if (proto_send(fd, jb.buf, jb.len, &s->report_ro, 1) < 0) {
			jb_free(&jb);
			close(fd);
			continue;
		}
		jb_free(&jb);
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->state = CS_IDLE;
		c->next = s->conns;
		s->conns = c;
		s->nconns++;
	}
}

/* ---- the socket ------------------------------------------------------------------------- */

static int listen_socket(struct serve *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = s->o->socket_path;
	struct stat st;
	mode_t old;
	int fd;

	if (!path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		warnx_("--socket %s: longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		int probe;
		if (!S_ISSOCK(st.st_mode)) {
			warnx_("--socket %s: exists and is not a socket", path);
			return -EEXIST;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			warnx_("--socket %s: another server is listening there", path);
			return -EADDRINUSE;
		}
		if (probe >= 0)
			close(probe);
		unlink(path); /* a socket nobody serves: left by a killed server */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		warnx_("socket: %s", strerror(errno));
		return -errno;
	}
	old = umask(0177); /* 0600 from the start: no window where others may connect */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		umask(old);
		warnx_("--socket %s: bind: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	umask(old);
	if (chmod(path, 0600) < 0 || listen(fd, 128) < 0 || lstat(path, &st) < 0) {
		int e = errno;
		warnx_("--socket %s: %s", path, strerror(e));
		unlink(path);
		close(fd);
		return -e;
	}
	snprintf(s->sock_path, sizeof(s->sock_path), "%s", path);
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	s->lfd = fd;
	return 0;
}

/* Remove the socket if it is still ours (a newer server may have taken the path). */
static void unlink_socket(struct serve *s)
{
	struct stat st;

	if (s->sock_path[0] && lstat(s->sock_path, &st) == 0 && st.st_dev == s->sock_dev &&
	    st.st_ino == s->sock_ino)
		unlink(s->sock_path);
	s->sock_path[0] = '\0';
}

/* ---- shutdown ------------------------------------------------------------------------- */

static void begin_shutdown(struct serve *s, bool kill_jobs)
{
	bool again = s->stopping;

	if (!s->stopping) {
		s->stopping = true;
		if (s->lfd >= 0)
			close(s->lfd);
		s->lfd = -1;
		unlink_socket(s);
		warnx_("serve: shutting down: no new runs; %d running %s", s->running,
		       kill_jobs ? "are killed" : "may finish (SIGTERM again kills them)");
		while (s->qhead) {
			struct conn *c = s->qhead;
			queue_remove(s, c);
			conn_error(s, c, "the server is shutting down", false, true);
			conn_reset(c);
		}
		for (struct conn *c = s->conns; c; c = c->next)
			if (!c->dead && (c->state == CS_IDLE || c->state == CS_READING) && !c->out)
				conn_close(s, c);
		spares_fill(s); /* retires them all */
	}
	if (kill_jobs) {
		if (again && !s->stop_deadline && s->running)
			warnx_("serve: killing the %d running jobs", s->running);
		s->stop_deadline = now_monotonic() + SHUTDOWN_GRACE;
		for (struct job *j = s->jobs; j; j = j->next)
			job_cancel(j);
	}
}

/* Orphans that came to the server (PR_SET_CHILD_SUBREAPER), all dying by PDEATHSIG or
 * EXITKILL by now: reaped, at most `timeout` seconds, so that none is left to the
 * machine's init. */
static void reap_orphans(struct serve *s, double timeout)
{
	double end = now_monotonic() + timeout;

	for (;;) {
		struct pollfd p = {.fd = s->sfd, .events = POLLIN};
		struct signalfd_siginfo si;
		pid_t pid = waitpid(-1, NULL, __WALL | WNOHANG);
		double left = end - now_monotonic();

		if (pid > 0)
			continue;
		if (pid < 0 || left <= 0)
			return; /* ECHILD: nobody left */
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0)
			while (read(s->sfd, &si, sizeof(si)) == sizeof(si))
				;
	}
}

static void final_cleanup(struct serve *s)
{
	/* spares still making or removing their run cgroups: before the cgroups are removed */
	for (int i = 0; i < s->nretired; i++) {
		kill(s->retired[i], SIGKILL);
		waitpid(s->retired[i], NULL, 0);
	}
	s->nretired = 0;
	if (s->keeper > 0) {
		kill(s->keeper, SIGKILL);
		waitpid(s->keeper, NULL, 0);
		s->keeper = 0;
	}
	reap_orphans(s, 2.0);
	while (s->nready > 0)
		limits_pool_remove(s->ready[--s->nready], 0);
	for (int i = 0; i < s->ncleanups; i++)
		limits_pool_remove(s->cleanups[i].name, 2000);
	s->ncleanups = 0;
	limits_pool_release();
	if (s->keeper > 0) {
		kill(s->keeper, SIGKILL);
		waitpid(s->keeper, NULL, 0);
	}
	unlink_socket(s);
}

/* ---- the loop -------------------------------------------------------------------------- */

static void handle_signals(struct serve *s)
{
	struct signalfd_siginfo si;

	while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(s);
			break;
		case SIGTERM:
		case SIGINT:
			/* a second signal while finishing: kill what still runs */
			begin_shutdown(s, !s->o->shutdown_finish || s->stopping);
			break;
		case SIGHUP:
			if (load_policy_dir(s) == 0) {
				cache_clear(s);
				spares_fill(s); /* the old ones hold the old policies */
				warnx_("serve: policy directory reloaded (%d policies)",
				       s->npnames);
			} else {
				warnx_("serve: policy directory not reloaded: the old one stays");
			}
			break;
		}
	}
	reap(s); /* SIGCHLDs coalesce */
}

static void free_dead_conns(struct serve *s)
{
	for (struct conn **pp = &s->conns; *pp;) {
		struct conn *c = *pp;
		if (!c->dead) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		queue_remove(s, c);
		conn_reset(c);
		free(c->out);
		free(c);
	}
}

enum slot_kind { K_SIGNALS, K_LISTEN, K_CONN, K_JOB };

/* A client's connection became readable, writable or hung up. */
static void conn_event(struct serve *s, struct conn *c, short rev)
{
	if (c->dead)
		return;
	if (rev & POLLOUT)
		conn_flush(s, c);
	if (c->dead || c->close_after)
		return;
	if (c->state == CS_RUNNING && c->job && (rev & (POLLRDHUP | POLLHUP | POLLERR)))
		/* a client that leaves once answered, as `sysward submit` does, is no client
		 * leaving its run: the worker's note may just not have been read yet */
		job_read(s, c->job);
	if ((c->state == CS_QUEUED || c->state == CS_RUNNING) &&
	    (rev & (POLLRDHUP | POLLHUP | POLLERR))) {
		/* the client left: its run goes too */
		if (c->state == CS_QUEUED)
			queue_remove(s, c);
		else if (c->job)
			job_cancel(c->job);
		conn_close(s, c);
	} else if ((c->state == CS_IDLE || c->state == CS_READING) &&
		   (rev & (POLLIN | POLLHUP | POLLERR))) {
		conn_read(s, c);
	}
}

static void timers(struct serve *s, double now)
{
	for (struct conn *c = s->conns; c; c = c->next)
		if (!c->dead && !c->close_after && c->state == CS_READING && c->deadline <= now) {
			char err[128];
			snprintf(err, sizeof(err),
				 "truncated request: no whole frame within %.0f s", READ_TIMEOUT);
			conn_error(s, c, err, false, true);
			conn_reset(c);
		}
	for (struct job *j = s->jobs; j; j = j->next)
		if (j->term_at && !j->killed && !j->exited &&
		    (now >= j->term_at + WORKER_GRACE ||
		     (s->stop_deadline && now >= s->stop_deadline))) {
			kill(j->pid, SIGKILL);
			j->killed = true;
		}
	if (s->ncleanups)
		pool_run_cleanups(s, now);
}

static bool finished(struct serve *s, double now)
{
	if (!s->stopping || s->jobs)
		return false;
	for (struct conn *c = s->conns; c; c = c->next)
		if (!c->dead && c->out && now < s->stop_deadline + 1)
			return false;
	return true;
}

static void loop(struct serve *s)
{
	struct pollfd *pfd = NULL;
	void **who = NULL;
	unsigned char *kind = NULL;
	size_t cap = 0;

	while (!finished(s, now_monotonic())) {
		double now = now_monotonic(), wake = now + 3600;
		size_t n = 0, need = (size_t)s->nconns + (size_t)s->running + 2;
		bool signals = false;
		int timeout, r;

		if (cap < need) {
			cap = need + 64;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
			who = xrealloc(who, cap * sizeof(*who));
			kind = xrealloc(kind, cap);
		}
#define ADD(k, w, fd_, ev_)                                                                        \
	(kind[n] = (k), who[n] = (w), pfd[n++] = (struct pollfd){.fd = (fd_), .events = (ev_)})
		ADD(K_SIGNALS, NULL, s->sfd, POLLIN);
		if (s->lfd >= 0 && now >= s->accept_pause)
			ADD(K_LISTEN, NULL, s->lfd, POLLIN);
		else if (s->lfd >= 0 && s->accept_pause < wake)
			wake = s->accept_pause;
		for (struct conn *c = s->conns; c; c = c->next) {
			short ev;
			if (c->dead)
				continue;
			if (c->close_after)
				ev = 0; /* an error goes out, then it closes */
			else if (c->state == CS_IDLE || c->state == CS_READING)
				ev = POLLIN;
			else
				ev = POLLRDHUP; /* only whether the client is still there */
			if (c->out)
				ev |= POLLOUT;
			if (c->state == CS_READING && !c->close_after && c->deadline < wake)
				wake = c->deadline;
			ADD(K_CONN, c, c->fd, ev);
		}
		for (struct job *j = s->jobs; j; j = j->next) {
			if (j->term_at && !j->killed && j->term_at + WORKER_GRACE < wake)
				wake = j->term_at + WORKER_GRACE;
			if (j->rfd >= 0)
				ADD(K_JOB, j, j->rfd, POLLIN);
		}
#undef ADD
		for (int i = 0; i < s->ncleanups; i++)
			if (s->cleanups[i].next < wake)
				wake = s->cleanups[i].next;
		if (s->stopping && s->stop_deadline && s->stop_deadline < wake)
			wake = s->stop_deadline;
		timeout = wake <= now ? 0 : (int)((wake - now) * 1000) + 1;

		r = poll(pfd, n, timeout);
		if (r < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		/* jobs are freed only when reaped, connections only at the end of a pass: the
		 * signals (which reap) come last, so every pointer in who[] stays valid */
		for (size_t i = 0; r > 0 && i < n; i++) {
			if (!pfd[i].revents)
				continue;
			switch (kind[i]) {
			case K_SIGNALS:
				signals = true;
				break;
			case K_LISTEN:
				if (s->lfd >= 0)
					conn_accept(s);
				break;
			case K_CONN:
				conn_event(s, who[i], pfd[i].revents);
				break;
			case K_JOB: {
				/* answered: its client may have sent the next request already */
				struct conn *c = job_read(s, who[i]);
				if (c)
					conn_read(s, c);
				break;
			}
			}
		}
		if (signals)
			handle_signals(s);
		timers(s, now_monotonic());
		free_dead_conns(s);
		start_queued(s);
	}
	free(pfd);
	free(who);
	free(kind);
}

int serve_main(const struct options *o)
{
	struct serve *s = xcalloc(1, sizeof(*s));
	sigset_t set;
	cpu_set_t cpus;
	int e;

	the_server = s;
	s->o = o;
	s->pid = getpid();
	s->lfd = s->sfd = s->keeper_fd = -1;
	s->report_fd = s->report_ro = -1;
	s->max_parallel = (int)o->max_parallel;
	if (!s->max_parallel)
		s->max_parallel =
		    sched_getaffinity(0, sizeof(cpus), &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
	if (proto_parser_init(&s->parser) < 0)
		die("serve: out of memory");
	/* what every run would initialise again: once, inherited by the workers */
	if ((e = systab_init()) < 0)
		die("cannot index the syscall table: %s", strerror(-e));
	landlock_abi();
	if (load_policy_dir(s) < 0)
		return EXIT_SYSWARD_FAILED;

	/* signals arrive on a descriptor; workers set their own back to the defaults */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sfd < 0)
		die("serve: signalfd: %s", strerror(errno));
	/* a worker or spare killed before its launch child and namespace init are gone (they
	 * die by PDEATHSIG): they come to the server, which reaps them (reap, final_cleanup),
	 * not to the machine's init */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	report_init(s);
	pool_init(s); /* forks the keeper: before any connection exists */
	spares_fill(s);
	if (listen_socket(s) < 0) {
		clean_exit = true;
		final_cleanup(s);
		return EXIT_SYSWARD_FAILED;
	}
	fprintf(stderr, "sysward: serving on %s (pid %d, max-parallel %d, %d policies%s)\n",
		s->sock_path, (int)s->pid, s->max_parallel, s->npnames,
		s->pool_ahead ? ", run cgroups made ahead" : "");
	loop(s);
	final_cleanup(s);
	clean_exit = true;
	return 0;
}
