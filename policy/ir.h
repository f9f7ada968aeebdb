/*
 * ir: the intermediate representation the parser builds and the evaluator reads.
 *
 * A policy is a flat list of rules in load order (includes expanded in place), plus the
 * `default`, `mode`, `limit` and `backtrace` settings with the FILE:LINE that set each.  The
 * evaluator scans the list backwards, so the last matching rule of a kind wins.
 * Loading builds a temporary struct policy and ir_commit() moves it into the real one, so a
 * failed load leaves the policy untouched.
 */
#ifndef SYSWARD_POLICY_IR_H
#define SYSWARD_POLICY_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/glob.h"
#include "policy/netaddr.h"
#include "policy/policy.h"

enum pol_rule_kind {
	RULE_PATH,     /* ACTION read|write|exec PATTERN */
	RULE_NET,      /* ACTION connect|bind ADDR */
	RULE_SOCKET,   /* ACTION socket FAMILY,... */
	RULE_SYSCALL,  /* ACTION syscall NAME,... */
	RULE_REDIRECT, /* redirect FROM TO */
};

enum pol_net_verb { POL_NET_CONNECT = 1u, POL_NET_BIND = 2u };

/* Socket classes of `socket` rules: an address family number below 64, or one of these. */
enum {
	POL_SOCK_RAW = 64,  /* SOCK_RAW of inet/inet6 (ping sockets too) */
	POL_SOCK_PING = 65, /* SOCK_DGRAM IPPROTO_ICMP / IPPROTO_ICMPV6 */
	POL_SOCK__COUNT = 128,
};

struct pol_rule {
	enum pol_rule_kind kind;
	enum pol_action action;
	int err;          /* errno= of a deny rule; 0: the default errno of the request kind */
	const char *file; /* interned in the owning policy */
	int line;
	char *text;       /* canonical statement, as policy_dump prints it */
	union {
		struct {
			unsigned access; /* pol_access bits */
			struct pol_glob *glob;
		} path;
		struct {
			unsigned verbs; /* pol_net_verb bits */
			struct pol_net addr;
		} net;
		struct {
			bool any;
			uint8_t mask[POL_SOCK__COUNT / 8]; /* socket classes */
		} sock;
		struct {
			char **names;
			size_t n;
		} sys;
		struct {
			struct pol_glob *from, *to; /* both LITERAL or both PREFIX */
		} redir;
	};
};

/* Where a setting was made; file NULL when never. */
struct pol_src {
	const char *file;
	int line;
};

struct policy {
	struct pol_rule *rules;
	size_t nrules, cap;
	char **files; /* interned file names, owned */
	size_t nfiles;
	enum pol_action def;
	struct pol_src def_src;
	struct settings settings;
	struct pol_src lim_src[LIM__COUNT], mode_src, bt_src;
};

/* Append a rule (ownership of its allocations moves into p).  0 or -ENOMEM (r then freed). */
int ir_add_rule(struct policy *p, struct pol_rule *r);
/* A stable copy of name owned by p.  NULL on ENOMEM. */
const char *ir_intern(struct policy *p, const char *name);
void ir_rule_free(struct pol_rule *r);
/* Start tmp as an empty rule list with p's settings; move it into p.  0 or -ENOMEM, after
 * which p is unchanged; tmp is always left empty. */
void ir_begin(struct policy *tmp, const struct policy *p);
int ir_commit(struct policy *p, struct policy *tmp);
void ir_release(struct policy *p);

/* Socket class names (`netlink`, `raw`, ...): class number, or -1. */
int ir_sock_class(const char *name);
const char *ir_sock_class_name(int cls);

#endif
