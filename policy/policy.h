/*
 * policy: the language (lexer -> parser -> IR) and the evaluator the tracer asks.
 *
 * Library code: every function returns 0 or -errno (or a bool/enum as documented); errors
 * for the user are written into struct pol_error as "FILE:LINE: message".  Loading is all
 * or nothing: on error the policy is left exactly as it was before the call.
 */
#ifndef SYSWARD_POLICY_H
#define SYSWARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "policy/settings.h"

enum pol_action { POL_ALLOW = 0, POL_DENY, POL_KILL };

/* Access a path request needs; a request may need several (O_RDWR = READ|WRITE). */
enum pol_access { POL_READ = 1u, POL_WRITE = 2u, POL_EXEC = 4u };

enum pol_req_kind {
	POL_REQ_PATH,    /* path + access */
	POL_REQ_CONNECT, /* addr: where a connect/sendto/sendmsg goes */
	POL_REQ_BIND,    /* addr: what bind/listen exposes */
	POL_REQ_SOCKET,  /* socket(family, type, protocol) of a family other than inet/inet6/unix */
	POL_REQ_SYSCALL, /* only the syscall rules apply */
};

/* A decoded socket address.  IPv4-mapped/-compatible IPv6 is normalised to AF_INET by the
 * decoder before the policy sees it. */
struct pol_addr {
	int family;        /* AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC */
	uint8_t ip[16];    /* AF_INET: ip[0..3] in network order; AF_INET6: all 16 */
	uint16_t port;     /* host order */
	uint32_t scope_id; /* AF_INET6 */
	bool abstract;     /* AF_UNIX: abstract namespace name (no leading NUL in path) */
	bool unnamed;      /* AF_UNIX: autobind / unnamed */
	size_t path_len;   /* AF_UNIX: bytes in path (abstract names may contain NULs) */
	char path[4096];   /* AF_UNIX: resolved absolute path, or the abstract name */
};

struct pol_request {
	enum pol_req_kind kind;
	const char *syscall;         /* kernel name as libseccomp spells it; always set */
	unsigned access;             /* POL_REQ_PATH: pol_access bits */
	const char *path;            /* POL_REQ_PATH: resolved absolute path */
	const struct pol_addr *addr; /* POL_REQ_CONNECT / POL_REQ_BIND */
	int family, type, protocol;  /* POL_REQ_SOCKET */
};

struct pol_verdict {
	enum pol_action action;
	int err;          /* errno to fail with when action == POL_DENY */
	const char *file; /* file of the deciding rule; NULL when the default decided */
	int line;         /* its line; 0 for default */
};

#define POL_ERR_MAX 1024
struct pol_error {
	char msg[POL_ERR_MAX]; /* "FILE:LINE: message" */
};

struct policy;

struct policy *policy_new(void);
void policy_free(struct policy *p);

/* Load a policy file and what it includes; rules are appended after existing ones. */
int policy_load_file(struct policy *p, const char *path, struct pol_error *err);
/* Same, from a string; `name` is used as FILE in diagnostics and for relative includes. */
int policy_load_string(struct policy *p, const char *name, const char *text,
		       struct pol_error *err);
/* A built-in profile ("default", "audit") from the installed or in-tree profile directory. */
int policy_load_profile(struct policy *p, const char *name, struct pol_error *err);
/*
 * Added: append one rule `ACTION ACCESS DIR` + a final `**` component for a literal directory
 * (the tracer's working-directory rule, added after the profile so that it wins).  Wildcard
 * characters in dir are taken literally.  `origin` ("cwd") is the FILE of the rule; its LINE
 * is 1.  dir must be absolute, without `..`.  0 or -EINVAL/-ENOMEM with err set.
 */
int policy_add_dir_rule(struct policy *p, enum pol_action action, unsigned access,
			const char *dir, const char *origin, struct pol_error *err);

/*
 * The evaluator (also the simulate() entry point of tests: no kernel needed).
 * Syscall rules matching req->syscall are considered first: if the last one that matches
 * says deny or kill, it decides.  Otherwise PATH/CONNECT/BIND/SOCKET requests are judged by
 * the last matching rule of their kind; for PATH every access bit must be allowed (write
 * implies read); no match means the default action with the default errno of the kind
 * (EACCES paths, ECONNREFUSED connect, EADDRNOTAVAIL bind, EAFNOSUPPORT socket, EPERM syscall).
 * Details (sysward.policy(5)): a PATH request with access 0 is judged as a read; paths are
 * normalised (`//`, `.`, trailing `/`) and one that is relative or keeps a `..` is denied
 * (EACCES; ENAMETOOLONG past 4095 bytes) whatever the policy says, as is a CONNECT/BIND
 * without addr.  SOCKET: inet/inet6 SOCK_RAW and ICMP ping sockets are judged by `socket
 * raw|ping` rules, so ask for them too; other inet/inet6 and unix sockets are allowed (file
 * NULL), connect/bind rules judge them.
 */
void policy_eval(const struct policy *p, const struct pol_request *req, struct pol_verdict *out);
#define policy_simulate policy_eval

/* The last `redirect` matching path: writes the target (prefix form keeps the rest) into out.
 * Returns 1 when redirected (and sets *file and *line), 0 when not, -ENAMETOOLONG. */
int policy_redirect(const struct policy *p, const char *path, char *out, size_t outsz,
		    const char **file, int *line);

/* The last syscall rule naming `syscall`: 1 and *out filled, or 0 when none names it.
 * Used by the filter builder to put register-only rules into BPF. */
int policy_syscall_rule(const struct policy *p, const char *syscall, struct pol_verdict *out);

/* Default action ("default allow|deny"); deny when never set. */
enum pol_action policy_default(const struct policy *p);

/* Settings from `limit`, `backtrace`, `mode` lines. */
const struct settings *policy_settings(const struct policy *p);

/* Print the effective rules, one per line, in evaluation order, as `check-policy` shows them
 * (each with its FILE:LINE).  The result record's policy_sha256 hashes exactly this text. */
int policy_dump(const struct policy *p, FILE *out);
/* SHA-256 of policy_dump's text, as 64 lowercase hex digits + NUL. */
int policy_sha256(const struct policy *p, char hex[65]);

/* errno names <-> numbers ("EACCES").  errno_from_name returns -1 for an unknown name. */
int errno_from_name(const char *name);
const char *errno_name(int err);

#endif
