/*
 * eval: what the tracer asks.  No filesystem access, no allocation: rules are scanned from
 * the last to the first, so the first match found is the last in load order.
 *
 * Requests the tracer should never send (no path, a relative path, a `..` left in it, no
 * address) are denied whatever the policy says: fail closed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/ir.h"

static int default_errno(enum pol_req_kind kind)
{
	switch (kind) {
	case POL_REQ_PATH:
		return EACCES;
	case POL_REQ_CONNECT:
		return ECONNREFUSED;
	case POL_REQ_BIND:
		return EADDRNOTAVAIL;
	case POL_REQ_SOCKET:
		return EAFNOSUPPORT;
	default:
		return EPERM;
	}
}

static void verdict_rule(const struct pol_rule *r, enum pol_req_kind kind, struct pol_verdict *out)
{
	out->action = r->action;
	out->err = r->action == POL_DENY ? (r->err ? r->err : default_errno(kind)) : 0;
	out->file = r->file;
	out->line = r->line;
}

static void verdict_default(const struct policy *p, enum pol_req_kind kind,
			    struct pol_verdict *out)
{
	out->action = p->def;
	out->err = p->def == POL_DENY ? default_errno(kind) : 0;
	out->file = NULL;
	out->line = 0;
}

static void verdict_fixed(enum pol_action action, int err, struct pol_verdict *out)
{
	out->action = action;
	out->err = err;
	out->file = NULL;
	out->line = 0;
}

static bool names_syscall(const struct pol_rule *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->sys.n; i++)
		if (strcmp(r->sys.names[i], name) == 0)
			return true;
	return false;
}

static const struct pol_rule *last_syscall_rule(const struct policy *p, const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = p->nrules; i-- > 0;)
		if (p->rules[i].kind == RULE_SYSCALL && names_syscall(&p->rules[i], name))
			return &p->rules[i];
	return NULL;
}

/*
 * Each requested access bit is decided by the last rule that covers it (an `allow write`
 * covers read too; deny and kill rules cover only the bits they name).  Then: a kill of any
 * bit kills; else a denied bit denies, with the latest denying rule (a rule before the
 * default); else allowed, reported with the latest allowing rule.
 */
static void eval_path(const struct policy *p, const struct pol_request *req,
		      struct pol_verdict *out)
{
	const struct pol_rule *dec[3] = { NULL, NULL, NULL };
	const struct pol_rule *kill = NULL, *deny = NULL, *allow = NULL;
	unsigned want = req->access & (POL_READ | POL_WRITE | POL_EXEC), open, covers, b;
	bool default_deny = false;
	char path[POL_GLOB_MAX];
	size_t i;
	int n;

	if (!want)
		want = POL_READ; /* a request for nothing is judged as a read */
	n = req->path ? pol_path_normalise(req->path, strlen(req->path), path, sizeof(path)) : -1;
	if (n < 0) {
		verdict_fixed(POL_DENY, n == -ENAMETOOLONG ? ENAMETOOLONG : EACCES, out);
		return;
	}
	open = want;
	for (i = p->nrules; open && i-- > 0;) {
		const struct pol_rule *r = &p->rules[i];

		if (r->kind != RULE_PATH)
			continue;
		covers = r->path.access;
		if (r->action == POL_ALLOW && (covers & POL_WRITE))
			covers |= POL_READ;
		covers &= open;
		if (!covers || !pol_glob_match(r->path.glob, path, (size_t)n))
			continue;
		for (b = 0; b < 3; b++)
			if (covers & (1u << b))
				dec[b] = r;
		open &= ~covers;
	}
	for (b = 0; b < 3; b++) {
		const struct pol_rule *r = dec[b];

		if (!(want & (1u << b)))
			continue;
		if (!r) {
			default_deny |= p->def != POL_ALLOW;
			continue;
		}
		if (r->action == POL_KILL && (!kill || r > kill))
			kill = r;
		else if (r->action == POL_DENY && (!deny || r > deny))
			deny = r;
		else if (r->action == POL_ALLOW && (!allow || r > allow))
			allow = r;
	}
	if (kill)
		verdict_rule(kill, POL_REQ_PATH, out);
	else if (deny)
		verdict_rule(deny, POL_REQ_PATH, out);
	else if (default_deny || !allow)
		verdict_default(p, POL_REQ_PATH, out);
	else
		verdict_rule(allow, POL_REQ_PATH, out);
}

static void eval_net(const struct policy *p, const struct pol_request *req,
		     struct pol_verdict *out)
{
	unsigned verb = req->kind == POL_REQ_CONNECT ? POL_NET_CONNECT : POL_NET_BIND;
	size_t i;

	if (!req->addr) {
		verdict_fixed(POL_DENY, default_errno(req->kind), out);
		return;
	}
	for (i = p->nrules; i-- > 0;) {
		const struct pol_rule *r = &p->rules[i];

		if (r->kind == RULE_NET && (r->net.verbs & verb) &&
		    pol_net_match(&r->net.addr, req->addr)) {
			verdict_rule(r, req->kind, out);
			return;
		}
	}
	verdict_default(p, req->kind, out);
}

static bool sock_has(const struct pol_rule *r, int cls)
{
	return cls >= 0 && cls < POL_SOCK__COUNT && (r->sock.mask[cls / 8] & (1u << (cls % 8)));
}

/* The socket class of a request; -2 for sockets that connect/bind rules judge. */
static int sock_class(const struct pol_request *req)
{
	int type = req->type & 0xf; /* SOCK_TYPE_MASK: without SOCK_NONBLOCK, SOCK_CLOEXEC */

	if (req->family == AF_INET || req->family == AF_INET6) {
		if (type == SOCK_RAW)
			return POL_SOCK_RAW;
		if (type == SOCK_DGRAM &&
		    req->protocol == (req->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
			return POL_SOCK_PING;
		return -2;
	}
	if (req->family == AF_UNIX)
		return -2;
	return req->family >= 0 && req->family < 64 ? req->family : -1;
}

static void eval_socket(const struct policy *p, const struct pol_request *req,
			struct pol_verdict *out)
{
	int cls = sock_class(req);
	size_t i;

	if (cls == -2) {
		verdict_fixed(POL_ALLOW, 0, out);
		return;
	}
	for (i = p->nrules; i-- > 0;) {
		const struct pol_rule *r = &p->rules[i];

		if (r->kind != RULE_SOCKET)
			continue;
		if (r->sock.any || sock_has(r, cls) ||
		    (cls == POL_SOCK_PING && sock_has(r, POL_SOCK_RAW))) {
			verdict_rule(r, POL_REQ_SOCKET, out);
			return;
		}
	}
	verdict_default(p, POL_REQ_SOCKET, out);
}

void policy_eval(const struct policy *p, const struct pol_request *req, struct pol_verdict *out)
{
	const struct pol_rule *sys;

	sys = last_syscall_rule(p, req->syscall);
	if (req->kind == POL_REQ_SYSCALL) {
		if (sys)
			verdict_rule(sys, POL_REQ_SYSCALL, out);
		else
			verdict_default(p, POL_REQ_SYSCALL, out);
		return;
	}
	if (sys && sys->action != POL_ALLOW) {
		verdict_rule(sys, POL_REQ_SYSCALL, out);
		return;
	}
	switch (req->kind) {
	case POL_REQ_PATH:
		eval_path(p, req, out);
		break;
	case POL_REQ_CONNECT:
	case POL_REQ_BIND:
		eval_net(p, req, out);
		break;
	case POL_REQ_SOCKET:
		eval_socket(p, req, out);
		break;
	default:
		verdict_fixed(POL_DENY, EPERM, out);
		break;
	}
}

int policy_syscall_rule(const struct policy *p, const char *syscall, struct pol_verdict *out)
{
	const struct pol_rule *r = last_syscall_rule(p, syscall);

	if (!r)
		return 0;
	verdict_rule(r, POL_REQ_SYSCALL, out);
	return 1;
}

/* FROM matched path[0..n): write TO (with the rest of the path for the prefix form). */
static int redirect_target(const struct pol_rule *r, const char *path, size_t n, char *out,
			   size_t outsz)
{
	const char *from, *to, *rest;
	size_t flen, tlen, rlen;

	if (pol_glob_shape(r->redir.from, &from, &flen) == POL_GLOB_LITERAL) {
		if (n != flen || memcmp(path, from, n) != 0)
			return 0;
		pol_glob_shape(r->redir.to, &to, &tlen);
		rest = "";
	} else {
		if (flen && (n < flen || memcmp(path, from, flen) != 0 ||
			     (n > flen && path[flen] != '/')))
			return 0;
		pol_glob_shape(r->redir.to, &to, &tlen);
		rest = flen ? path + flen : (n == 1 ? "" : path); /* "/" itself has no rest */
	}
	rlen = strlen(rest);
	if (tlen == 0 && rlen == 0) {
		to = "/"; /* the prefix form onto `/` + `**`, with nothing left over */
		tlen = 1;
	}
	if (tlen + rlen + 1 > outsz)
		return -ENAMETOOLONG;
	memcpy(out, to, tlen);
	memcpy(out + tlen, rest, rlen + 1);
	return 1;
}

int policy_redirect(const struct policy *p, const char *path, char *out, size_t outsz,
		    const char **file, int *line)
{
	char norm[POL_GLOB_MAX];
	size_t i;
	int n, r;

	n = path ? pol_path_normalise(path, strlen(path), norm, sizeof(norm)) : -1;
	if (n < 0)
		return n == -ENAMETOOLONG ? n : 0; /* and policy_eval denies it */
	for (i = p->nrules; i-- > 0;) {
		if (p->rules[i].kind != RULE_REDIRECT)
			continue;
		r = redirect_target(&p->rules[i], norm, (size_t)n, out, outsz);
		if (r == 0)
			continue;
		if (r > 0) {
			if (file)
				*file = p->rules[i].file;
			if (line)
				*line = p->rules[i].line;
		}
		return r;
	}
	return 0;
}
