/*
 * libsysward: the client side of `sysward serve` (docs/PROTOCOL.md).
 *
 * A request runs one program under a long-lived supervisor, exactly as `sysward run` would
 * (same policy language, limits, result record and exit status), without paying for a new
 * supervisor, policy parse and cgroups each time.
 *
 *     struct sw_client *c;
 *     struct sw_request req;
 *     struct sw_response resp;
 *     const char *argv[] = {"/bin/true", NULL};
 *
 *     if (sw_connect("/run/sysward.sock", &c) < 0) ...
 *     sw_request_init(&req);
 *     req.argv = argv;
 *     req.limits[SW_MEMORY] = "256M";
 *     req.stdio[1].fd = 1;                      (the program writes to our stdout)
 *     if (sw_run(c, &req, &resp) == 0) {
 *             printf("%d %s\n", resp.exit_status, resp.result ? resp.result : resp.error);
 *             sw_response_free(&resp);
 *     }
 *     sw_close(c);
 *
 * Link with the static library: cc prog.c -Iinclude build/lib/libsysward.a.  It exports only
 * the sw_ names below; it is not thread-safe per client (use one client per thread).
 * Functions return 0 or a negative errno value.
 */
#ifndef SYSWARD_H
#define SYSWARD_H

#ifdef __cplusplus
extern "C" {
#endif

#define SW_PROTOCOL 1

/* Limits, in the order of `sysward run`'s options (the values are its option syntax). */
enum sw_limit {
	SW_CPU_TIME,  /* "1.5": seconds of CPU of the whole tree */
	SW_WALL_TIME, /* "10": seconds of wall-clock time */
	SW_MEMORY,    /* "256M": memory of the whole tree, no swap */
	SW_PIDS,      /* "64": processes and threads alive at once */
	SW_CPUS,      /* "0-1": CPUs the tree may run on */
	SW_FSIZE,     /* "1M": largest file written */
	SW_NOFILE,    /* "64": open files per process */
	SW_SCRATCH,   /* "64M": a private, size-limited working directory */
	SW_LIMIT_COUNT
};

/* Standard input, output or error of the program. */
struct sw_stdio {
	int fd;		  /* >= 0: this descriptor is passed to the server (the caller keeps it) */
	const char *path; /* fd < 0: an absolute path the server opens; NULL: /dev/null */
	int append;	  /* stdout/stderr given by path: append instead of truncating */
};

struct sw_request {
	const char *const *argv;   /* NULL-terminated; argv[0] is the program (PATH of env) */
	const char *const *env;	   /* NULL-terminated NAME=VALUE, the whole environment; NULL:
				      empty */
	const char *cwd;	   /* absolute working directory; NULL: the caller's */
	const char *profile;	   /* built-in profile; NULL: "default" unless policies given */
	const char *const *policy; /* NULL-terminated: absolute paths of policy files, or names
				      of files in the server's --policy-dir (parsed once) */
	const char *mode;	   /* "enforce", "audit" or NULL */
	const char *limits[SW_LIMIT_COUNT]; /* NULL: not set */
	const char *backtrace;		    /* "denied" or "openat,connect"; NULL */
	const char *net;		    /* "host", "loopback", "none" or NULL */
	int no_backstops;		    /* tracer checks only (no Landlock, namespaces) */
	int stats;		  /* per-syscall statistics in the record (and the run's stderr) */
	const char *audit;	  /* absolute path of the audit trail; "-": the run's stderr */
	struct sw_stdio stdio[3]; /* stdin, stdout, stderr */
	int umask;		  /* the program's file mode creation mask; -1: the server's */
	int inherit_rlimits;	  /* give the program this process's resource limits, as
				     `sysward run` would pass its own on; 0: the server's */
};

/* Empty request: no argv yet, stdio all /dev/null (fd -1, path NULL), umask and resource
 * limits the server's. */
void sw_request_init(struct sw_request *req);

struct sw_response {
	int exit_status; /* what `sysward run` would have exited with (0-255) */
	char *error;	 /* NULL, or why no run took place (exit_status is then 125) */
	int logged;	 /* the error was also written to the run's stderr */
	char *result;	 /* the result record: one JSON object (INTERFACE.md), or NULL */
	/* a few members of the record, for convenience */
	char verdict[32]; /* "ok", "nonzero-exit", "memory-limit", ... ("" with error) */
	int exit_code;	  /* -1: none */
	int signal;	  /* 0: none */
	double wall_time_s;
};

struct sw_client;

/*
 * Connect to a server.  The server must run as the caller's user or as root (checked with
 * SO_PEERCRED), else -EPERM.  -ENOENT / -ECONNREFUSED: no server listens there.  The
 * server's greeting is read with the first answer, so a refusal by the server (another uid,
 * too many connections) shows as sw_run() failing with -EPERM and sw_error() saying why.
 */
int sw_connect(const char *socket_path, struct sw_client **out);
/*
 * Run one request and wait for its end.  0 with resp filled (a result or an error answer;
 * free it with sw_response_free), or: -EINVAL (a bad request, see sw_error), -ECONNRESET
 * (the server went away without answering: sw_error then holds its last words, if it left
 * any), -errno.  Requests on one client run one after the other.
 */
int sw_run(struct sw_client *c, const struct sw_request *req, struct sw_response *resp);
/* What the last failed call was about, or NULL.  After -ECONNRESET: the server's crash
 * report (read from the memfd it handed out at connect) when it wrote one. */
const char *sw_error(const struct sw_client *c);
/* The server's pid (from its greeting; reads it if no request did yet), or -1. */
int sw_server_pid(struct sw_client *c);
void sw_response_free(struct sw_response *resp);
/* Disconnect.  A run still in progress on this client is killed by the server. */
void sw_close(struct sw_client *c);

#ifdef __cplusplus
}
#endif

#endif
