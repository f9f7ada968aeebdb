/*
 * proto: the wire protocol of `sysward serve` (docs/PROTOCOL.md): frames of a 4-byte
 * big-endian length and one JSON object, requests decoded strictly (every member known, of
 * its type, bounded), responses encoded.  No I/O policy here beyond reading and writing one
 * frame on a descriptor: serve.c owns the sockets, lib/sysward.c the client side.
 *
 * Library code (STYLE habit 6): functions return 0 or -errno and say what was wrong in a
 * caller's buffer; nothing here exits or prints.
 */
#ifndef SYSWARD_PROTO_H
#define SYSWARD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/settings.h"
#include "supervisor/json.h"
#include "tools/jsonl.h"

#define PROTO_VERSION 1
#define PROTO_MAX_FRAME (1u << 20) /* bytes of JSON in one frame, either direction */
#define PROTO_MAX_FDS 3		   /* descriptors passed with one request */
#define PROTO_MAX_DEPTH 8	   /* nesting of a request */
#define PROTO_MAX_VALUES 200000	   /* JSON values in one frame */
#define PROTO_MAX_ARGS 100000	   /* argv / env / policy entries each */

/* "cpu-time", ... as `sysward run` spells the option; NULL for a bad key. */
const char *proto_limit_name(enum limit_key k);

/* One JSON parser sized for frames (jsonl_init with the limits above).  0 or -errno. */
int proto_parser_init(struct jsonl *p);

/* ---- framing ------------------------------------------------------------------------- */

static inline uint32_t proto_get_be32(const unsigned char b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static inline void proto_put_be32(unsigned char b[4], uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

/* Check a frame header: 0, or -EMSGSIZE (over PROTO_MAX_FRAME) / -ENODATA (length 0) with a
 * message in err. */
int proto_check_length(uint32_t len, char *err, size_t errsz);

/*
 * Send one frame (header + json) on a socket with sendmsg, blocking, with `nfds` descriptors
 * attached to its first byte (SCM_RIGHTS).  0 or -errno (-EPIPE: the peer is gone).
 */
int proto_send(int sock, const char *json, size_t len, const int *fds, int nfds);
/*
 * Receive one frame, blocking: *json (malloc'd, NUL-terminated) and *len; descriptors that
 * came with it (close-on-exec) into fds[0..*nfds) (at most max_fds; more are closed and
 * fail the call with -EBADMSG).  0, -ECONNRESET (end of file before a whole frame; *len = 0
 * when it came before the first byte), -EMSGSIZE, -ENODATA, or -errno.
 */
int proto_recv(int sock, char **json, size_t *len, int *fds, int max_fds, int *nfds);

/* ---- requests ------------------------------------------------------------------------ */

/* Resource limits a request may carry, by name ("stack" -> RLIMIT_STACK), in
 * proto_rlimit_names order. */
#define PROTO_RLIMITS 16
#define PROTO_RLIM_INFINITY UINT64_MAX
extern const char *const proto_rlimit_names[PROTO_RLIMITS];
extern const int proto_rlimit_resources[PROTO_RLIMITS];

enum proto_stdio_kind {
	PROTO_STDIO_NULL = 0, /* omitted or null: /dev/null */
	PROTO_STDIO_FD,	      /* {"fd": N}: the N-th descriptor passed with the request */
	PROTO_STDIO_PATH,     /* {"path": "/abs"[, "append": true]} */
};

struct proto_stdio {
	enum proto_stdio_kind kind;
	int fd_index;
	char *path;
	bool append;
};

/* A decoded request: every string is a copy owned by the request (proto_request_free). */
struct proto_request {
	char **argv; /* NULL-terminated, argc >= 1 */
	int argc;
	char **env; /* NULL-terminated NAME=VALUE: the program's whole environment */
	int nenv;
	char *cwd;     /* absolute */
	char *profile; /* NULL: none given */
	char **policy; /* NULL-terminated: absolute paths or names of --policy-dir files */
	int npolicy;
	char *mode;		  /* "enforce" | "audit" | NULL */
	char *limits[LIM__COUNT]; /* value text in command-line syntax, NULL: not set */
	char *backtrace;
	char *net; /* "host" | "loopback" | "none" | NULL */
	bool no_backstops, stats;
	char *audit; /* absolute path, "-" (the run's stderr) or NULL */
	struct proto_stdio stdio[3];
	int fds_needed; /* 1 + the highest fd index used, 0 when none */
	/* what `sysward run` would have inherited from its caller */
	int umask; /* -1: not given (the server's) */
	struct proto_rlimit {
		bool set;
		uint64_t cur, max; /* PROTO_RLIM_INFINITY: unlimited */
	} rlimits[PROTO_RLIMITS];
};

/*
 * Decode one request frame (json, len bytes) with parser p.  0 with *req filled, or -EINVAL
 * (-E2BIG for a limit of the parser) with err naming what is wrong ("argv: expected an array
 * of strings").  The decoder checks structure, types and bounds; what the values mean
 * (a limit's syntax, a policy's existence) is for the server to check.
 */
int proto_decode_request(struct jsonl *p, const char *json, size_t len, struct proto_request *req,
			 char *err, size_t errsz);
void proto_request_free(struct proto_request *req);

/* Encode a request (the client's side; the inverse of proto_decode_request). */
void proto_encode_request(struct jbuf *jb, const struct proto_request *req);

/* ---- responses ----------------------------------------------------------------------- */

/* {"exit_status": N, "error": MSG, "logged": B} */
void proto_encode_error(struct jbuf *jb, int exit_status, const char *msg, bool logged);
/* {"sysward": VERSION, "protocol": 1, "pid": PID, "max_parallel": N}: the greeting */
void proto_encode_greeting(struct jbuf *jb, const char *version, int pid, int max_parallel);

/* A decoded response (the client's side).  Strings are malloc'd (proto_response_free). */
struct proto_response {
	int exit_status;
	char *error;  /* NULL for a result */
	bool logged;  /* the error was already written to the run's stderr */
	char *result; /* the result record as compact JSON text, or NULL */
	/* a few members of the record */
	char verdict[32];
	int exit_code; /* -1: null */
	int signal;    /* 0: null */
	double wall_time_s;
};
/* Decode a result or error response.  0 or -EINVAL with err. */
int proto_decode_response(struct jsonl *p, const char *json, size_t len,
			  struct proto_response *resp, char *err, size_t errsz);
void proto_response_free(struct proto_response *resp);

/* Re-encode a parsed value (and everything inside it) compactly, member order kept; numbers
 * keep their text.  Used to hand the result record on exactly as the server wrote it. */
void proto_emit_value(struct jbuf *jb, const struct jsonl *p, const struct jv *v);

#endif
