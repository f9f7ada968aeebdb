/*
 * parse: policy text -> IR.  One parse function per statement, its grammar rule above it;
 * every diagnostic is "FILE:LINE: message" (LINE 0: the file as a whole could not be read).
 * Everything is parsed into a temporary IR that is committed only when the whole load,
 * includes and all, succeeded.
 *
 *   policy    = { line } ;
 *   line      = [ statement ] [ "#" comment ] newline ;
 *   statement = default | include | rule | redirect | limit | backtrace | mode ;
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/ir.h"
#include "policy/lex.h"
#include "supervisor/util.h"

#define POL_INCLUDE_MAX 16        /* include nesting depth */
#define POL_FILE_MAX (1u << 20)   /* largest policy file */

struct file_id {
	dev_t dev;
	ino_t ino;
};

struct parser {
	struct policy *ir;      /* the temporary IR being built */
	struct pol_error *err;
	const char *file;       /* interned name of the file being parsed */
	int line;
	int depth;              /* include nesting of the current file */
	struct file_id stack[POL_INCLUDE_MAX + 1]; /* files being loaded, for cycles */
	int nstack;
};

static int parse_text(struct parser *ps, const char *name, char *text, size_t len);

static int PRINTF_LIKE(2, 3) perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(ps->err->msg, sizeof(ps->err->msg), "%s:%d: ", ps->file, ps->line);
	if (n < 0 || (size_t)n >= sizeof(ps->err->msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg + n, sizeof(ps->err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int perr_nomem(struct parser *ps)
{
	perr(ps, "out of memory");
	return -ENOMEM;
}

/* Everything after word n is trailing garbage. */
static int want_end(struct parser *ps, const struct pol_line *ln, int n)
{
	if (ln->ntok > n)
		return perr(ps, "trailing garbage '%s'", ln->tok[n].s);
	return 0;
}

/* Read a whole regular file of at most POL_FILE_MAX bytes, NUL-terminated.  0 or -errno:
 * -EINVAL not a regular file, -EFBIG too large. */
static int read_file(const char *path, char **text, size_t *len, struct file_id *id)
{
	size_t cap, n = 0;
	char *buf = NULL, *nb;
	struct stat st;
	ssize_t got;
	int fd, r;

	/* O_NONBLOCK: a FIFO must not hang the load; it is refused below anyway. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	r = -EINVAL;
	if (!S_ISREG(st.st_mode))
		goto out;
	r = -EFBIG;
	if ((uintmax_t)st.st_size > POL_FILE_MAX)
		goto out;
	cap = (size_t)st.st_size + 1 > 4096 ? (size_t)st.st_size + 1 : 4096;
	r = -ENOMEM;
	buf = malloc(cap);
	if (!buf)
		goto out;
	for (;;) {
		if (n + 1 == cap) {
			r = -EFBIG;
			if (cap > POL_FILE_MAX)
				goto out;
			r = -ENOMEM;
			nb = realloc(buf, 2 * cap);
			if (!nb)
				goto out;
			buf = nb;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

/* Why read_file failed, for a message. */
static const char *read_error(int r)
{
	switch (r) {
	case -EINVAL:
		return "not a regular file";
	case -EFBIG:
		return "file too large (at most 1 MiB)";
	default:
		return strerror(-r);
	}
}

/* default = "default" ( "allow" | "deny" ) ; */
static int parse_default(struct parser *ps, const struct pol_line *ln)
{
	const char *a = ln->ntok > 1 ? ln->tok[1].s : NULL;

	if (!a)
		return perr(ps, "default: missing action (allow or deny)");
	if (strcmp(a, "allow") != 0 && strcmp(a, "deny") != 0)
		return perr(ps, "default: expected allow or deny, not '%s'", a);
	if (want_end(ps, ln, 2) < 0)
		return -EINVAL;
	ps->ir->def = a[0] == 'a' ? POL_ALLOW : POL_DENY;
	ps->ir->def_src = (struct pol_src){ ps->file, ps->line };
	return 0;
}

/* mode = "mode" ( "enforce" | "audit" ) ; */
static int parse_mode(struct parser *ps, const struct pol_line *ln)
{
	const char *m = ln->ntok > 1 ? ln->tok[1].s : NULL;

	if (!m)
		return perr(ps, "mode: missing mode (enforce or audit)");
	if (strcmp(m, "enforce") != 0 && strcmp(m, "audit") != 0)
		return perr(ps, "mode: expected enforce or audit, not '%s'", m);
	if (want_end(ps, ln, 2) < 0)
		return -EINVAL;
	ps->ir->settings.mode = m[0] == 'a' ? MODE_AUDIT : MODE_ENFORCE;
	ps->ir->mode_src = (struct pol_src){ ps->file, ps->line };
	return 0;
}

/* limit = "limit" LIMIT-NAME VALUE ;
 * LIMIT-NAME = "cpu-time" | "wall-time" | "memory" | "pids" | "cpus" | "fsize" | "nofile"
 *            | "scratch" ; */
static int parse_limit(struct parser *ps, const struct pol_line *ln)
{
	char names[256];
	const char *why;
	size_t n = 0;
	int k;

	if (ln->ntok < 2)
		return perr(ps, "limit: missing limit name");
	k = limit_from_name(ln->tok[1].s);
	if (k < 0) {
		for (k = 0; k < LIM__COUNT; k++)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
					      k == 0 ? "" : k == LIM__COUNT - 1 ? " or " : ", ",
					      limit_name(k));
		return perr(ps, "limit: unknown limit '%s' (expected %s)", ln->tok[1].s, names);
	}
	if (ln->ntok < 3)
		return perr(ps, "limit %s: missing value", ln->tok[1].s);
	if (want_end(ps, ln, 3) < 0)
		return -EINVAL;
	if (settings_set_limit(&ps->ir->settings, k, ln->tok[2].s, &why) < 0)
		return perr(ps, "limit %s: bad value '%s': %s", ln->tok[1].s, ln->tok[2].s, why);
	ps->ir->lim_src[k] = (struct pol_src){ ps->file, ps->line };
	return 0;
}

/* backtrace = "backtrace" bt-item { "," bt-item } ;  bt-item = "denied" | SYSCALL-NAME ; */
static int parse_backtrace(struct parser *ps, const struct pol_line *ln)
{
	char item[64];
	const char *p, *e, *why;
	size_t len;

	if (ln->ntok < 2)
		return perr(ps, "backtrace: missing syscall list (or 'denied')");
	if (want_end(ps, ln, 2) < 0)
		return -EINVAL;
	for (p = ln->tok[1].s;; p = e + 1) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			return perr(ps, "backtrace: empty item in '%s'", ln->tok[1].s);
		if (len >= sizeof(item))
			return perr(ps, "backtrace: unknown syscall '%.*s'", (int)len, p);
		memcpy(item, p, len);
		item[len] = '\0';
		if (strcmp(item, "denied") != 0 && !settings_syscall_known(item))
			return perr(ps, "backtrace: unknown syscall '%s'", item);
		if (settings_set_backtrace(&ps->ir->settings, item, &why) < 0)
			return perr(ps, "backtrace: %s", why);
		if (!e)
			break;
	}
	ps->ir->bt_src = (struct pol_src){ ps->file, ps->line };
	return 0;
}

/* include = "include" FILE ;   FILE relative to the directory of the including file */
static int parse_include(struct parser *ps, const struct pol_line *ln)
{
	char name[PATH_MAX], path[PATH_MAX];
	const char *slash;
	struct file_id id;
	char *text = NULL;
	size_t len;
	int i, r, n;

	if (ln->ntok < 2)
		return perr(ps, "include: missing file name");
	if (want_end(ps, ln, 2) < 0)
		return -EINVAL;
	if (pol_lex_unescape(ln->tok[1].s, name, sizeof(name)) <= 0)
		return perr(ps, "include: bad file name '%s'", ln->tok[1].s);
	slash = strrchr(ps->file, '/');
	if (name[0] == '/' || !slash)
		n = snprintf(path, sizeof(path), "%s", name);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - ps->file), ps->file,
			     name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return perr(ps, "include: file name too long");
	if (ps->depth >= POL_INCLUDE_MAX)
		return perr(ps, "include: nested too deeply (at most %d levels)", POL_INCLUDE_MAX);
	r = read_file(path, &text, &len, &id);
	if (r == -ENOMEM)
		return perr_nomem(ps);
	if (r < 0)
		return perr(ps, "include: cannot read '%s': %s", path, read_error(r));
	for (i = 0; i < ps->nstack; i++) {
		if (ps->stack[i].dev == id.dev && ps->stack[i].ino == id.ino) {
			r = perr(ps, "include: cycle: '%s' is already being loaded", path);
			goto out;
		}
	}
	ps->stack[ps->nstack++] = id;
	ps->depth++;
	r = parse_text(ps, path, text, len);
	ps->depth--;
	ps->nstack--;
out:
	free(text);
	return r;
}

/* Join the items of a comma list; NULL on ENOMEM. */
static char *join_names(const char *const *names, size_t n)
{
	size_t i, len = 1;
	char *s, *p;

	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", names[i]);
	*p = '\0';
	return s;
}

/* path-target = PATTERN ;   an absolute glob (see glob.h) */
static int parse_path_target(struct parser *ps, struct pol_rule *r, const char *tok,
			     char **text)
{
	const char *why;
	int e;

	e = pol_glob_compile(tok, POL_GLOB_PATH, &r->path.glob, &why);
	if (e == -ENOMEM)
		return perr_nomem(ps);
	if (e < 0)
		return perr(ps, "bad pattern '%s': %s", tok, why);
	*text = strdup(pol_glob_text(r->path.glob));
	return *text ? 0 : perr_nomem(ps);
}

/* net-target = ADDR ;   see netaddr.h */
static int parse_net_target(struct parser *ps, struct pol_rule *r, const char *tok, char **text)
{
	const char *why;
	int e;

	e = pol_net_parse(tok, &r->net.addr, &why);
	if (e == -ENOMEM)
		return perr_nomem(ps);
	if (e < 0)
		return perr(ps, "bad address '%s': %s", tok, why);
	*text = strdup(r->net.addr.text);
	return *text ? 0 : perr_nomem(ps);
}

/* socket-target = family { "," family } ;  family = "any" | "raw" | "ping" | "netlink" | ... */
static int parse_socket_target(struct parser *ps, struct pol_rule *r, const char *tok,
			       char **text)
{
	const char *names[POL_SOCK__COUNT];
	char item[32];
	const char *p, *e;
	size_t len, n = 0;
	int cls;

	for (p = tok;; p = e + 1) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			return perr(ps, "empty item in '%s'", tok);
		if (len >= sizeof(item))
			return perr(ps, "unknown socket family '%.*s'", (int)len, p);
		memcpy(item, p, len);
		item[len] = '\0';
		cls = ir_sock_class(item);
		if (strcmp(item, "any") == 0)
			r->sock.any = true;
		else if (!strcmp(item, "inet") || !strcmp(item, "inet6") || !strcmp(item, "unix"))
			return perr(ps, "socket family '%s' is judged by connect and bind rules",
				    item);
		else if (cls < 0)
			return perr(ps, "unknown socket family '%s'", item);
		else
			r->sock.mask[cls / 8] |= (uint8_t)(1u << (cls % 8));
		if (!e)
			break;
	}
	if (r->sock.any) {
		*text = strdup("any");
		return *text ? 0 : perr_nomem(ps);
	}
	for (cls = 0; cls < POL_SOCK__COUNT; cls++)
		if (r->sock.mask[cls / 8] & (1u << (cls % 8)))
			names[n++] = ir_sock_class_name(cls);
	*text = join_names(names, n);
	return *text ? 0 : perr_nomem(ps);
}

/* syscall-target = SYSCALL-NAME { "," SYSCALL-NAME } ;  names as libseccomp spells them */
static int parse_syscall_target(struct parser *ps, struct pol_rule *r, const char *tok,
				char **text)
{
	const char *p, *e;
	size_t len, i, n = 1;
	char *name;

	for (p = tok; *p; p++)
		n += *p == ',';
	r->sys.names = calloc(n, sizeof(*r->sys.names));
	if (!r->sys.names)
		return perr_nomem(ps);
	for (p = tok;; p = e + 1) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			return perr(ps, "empty item in '%s'", tok);
		name = strndup(p, len);
		if (!name)
			return perr_nomem(ps);
		if (len > 63 || !settings_syscall_known(name)) {
			perr(ps, "unknown syscall '%s'", name);
			free(name);
			return -EINVAL;
		}
		for (i = 0; i < r->sys.n && strcmp(r->sys.names[i], name) != 0; i++)
			;
		if (i < r->sys.n)
			free(name);
		else
			r->sys.names[r->sys.n++] = name;
		if (!e)
			break;
	}
	*text = join_names((const char *const *)r->sys.names, r->sys.n);
	return *text ? 0 : perr_nomem(ps);
}

static const struct access_word {
	const char *name;
	enum pol_rule_kind kind;
	unsigned bit; /* pol_access or pol_net_verb */
} access_words[] = {
	{ "read", RULE_PATH, POL_READ },        { "write", RULE_PATH, POL_WRITE },
	{ "exec", RULE_PATH, POL_EXEC },        { "connect", RULE_NET, POL_NET_CONNECT },
	{ "bind", RULE_NET, POL_NET_BIND },     { "socket", RULE_SOCKET, 0 },
	{ "syscall", RULE_SYSCALL, 0 },
};

/* access-list = path-access { "," path-access } | net-verb { "," net-verb } | "socket"
 *             | "syscall" ;
 * path-access = "read" | "write" | "exec" ;  net-verb = "connect" | "bind" ; */
static int parse_access(struct parser *ps, const char *tok, enum pol_rule_kind *kind,
			unsigned *bits, char *canon, size_t canonsz)
{
	const struct access_word *w, *first = NULL;
	const char *p, *e;
	size_t len, i, o = 0;

	*bits = 0;
	for (p = tok;; p = e + 1) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0)
			return perr(ps, "empty item in '%s'", tok);
		for (w = NULL, i = 0; i < ARRAY_SIZE(access_words); i++)
			if (strlen(access_words[i].name) == len &&
			    memcmp(access_words[i].name, p, len) == 0)
				w = &access_words[i];
		if (!w)
			return perr(ps, "unknown access '%.*s' (expected read, write, exec, "
					"connect, bind, socket or syscall)",
				    (int)len, p);
		if (first && (w->kind != first->kind || w->bit == 0))
			return perr(ps, "cannot combine '%s' and '%s' in one rule", first->name,
				    w->name);
		if (!first)
			first = w;
		*bits |= w->bit;
		if (!e)
			break;
		if (first->bit == 0)
			return perr(ps, "cannot combine '%s' with other accesses in one rule",
				    first->name);
	}
	*kind = first->kind;
	canon[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(access_words); i++) {
		w = &access_words[i];
		if (w->kind == *kind && (w->bit & *bits || w->bit == 0))
			o += (size_t)snprintf(canon + o, canonsz - o, "%s%s", o ? "," : "",
					      w->name);
	}
	return 0;
}

/* errno = "errno=" ERRNO-NAME ;   deny rules only */
static int parse_errno(struct parser *ps, struct pol_rule *r, const char *tok)
{
	const char *name = tok + strlen("errno=");
	int e;

	if (strncmp(tok, "errno=", 6) != 0)
		return perr(ps, "trailing garbage '%s'", tok);
	if (!*name)
		return perr(ps, "missing errno name after 'errno='");
	e = errno_from_name(name);
	if (e < 0)
		return perr(ps, "unknown errno '%s'", name);
	if (r->action != POL_DENY)
		return perr(ps, "errno= is only valid on deny rules");
	r->err = e;
	return 0;
}

/*
 * rule   = action access-list target [ errno ] ;
 * action = "allow" | "deny" | "kill" ;
 * target = PATTERN | ADDR | socket-target | syscall-target ;   (as the access-list says)
 */
static int parse_rule(struct parser *ps, const struct pol_line *ln)
{
	static const char *const missing[] = {
		[RULE_PATH] = "pattern",
		[RULE_NET] = "address",
		[RULE_SOCKET] = "socket family",
		[RULE_SYSCALL] = "syscall name",
	};
	const char *act = ln->tok[0].s;
	struct pol_rule r = { .file = ps->file, .line = ps->line };
	char access[32], *target = NULL;
	unsigned bits;
	int e;

	r.action = act[0] == 'a' ? POL_ALLOW : act[0] == 'd' ? POL_DENY : POL_KILL;
	if (ln->ntok < 2)
		return perr(ps, "%s: missing access (read, write, exec, connect, bind, socket or "
				"syscall)", act);
	e = parse_access(ps, ln->tok[1].s, &r.kind, &bits, access, sizeof(access));
	if (e < 0)
		return e;
	if (ln->ntok < 3)
		return perr(ps, "%s %s: missing %s", act, access, missing[r.kind]);
	switch (r.kind) {
	case RULE_PATH:
		r.path.access = bits;
		e = parse_path_target(ps, &r, ln->tok[2].s, &target);
		break;
	case RULE_NET:
		r.net.verbs = bits;
		e = parse_net_target(ps, &r, ln->tok[2].s, &target);
		break;
	case RULE_SOCKET:
		e = parse_socket_target(ps, &r, ln->tok[2].s, &target);
		break;
	default:
		e = parse_syscall_target(ps, &r, ln->tok[2].s, &target);
		break;
	}
	if (e < 0)
		goto out;
	if (ln->ntok > 3) {
		e = parse_errno(ps, &r, ln->tok[3].s);
		if (e == 0)
			e = want_end(ps, ln, 4);
		if (e < 0)
			goto out;
	}
	if (asprintf(&r.text, "%s %s %s%s%s", act, access, target, r.err ? " errno=" : "",
		     r.err ? errno_name(r.err) : "") < 0) {
		r.text = NULL;
		e = perr_nomem(ps);
		goto out;
	}
	e = ir_add_rule(ps->ir, &r);
	if (e < 0)
		perr_nomem(ps);
out:
	free(target);
	ir_rule_free(&r);
	return e;
}

/* redirect = "redirect" PATH PATH ;
 * both exact paths, or both a literal directory followed by a final "**" component */
static int parse_redirect(struct parser *ps, const struct pol_line *ln)
{
	struct pol_rule r = { .kind = RULE_REDIRECT, .file = ps->file, .line = ps->line };
	enum pol_glob_shape sf, st;
	struct pol_glob **g;
	const char *why;
	int e, i;

	if (ln->ntok < 2)
		return perr(ps, "redirect: missing source path");
	if (ln->ntok < 3)
		return perr(ps, "redirect: missing target path");
	if (want_end(ps, ln, 3) < 0)
		return -EINVAL;
	for (i = 1; i <= 2; i++) {
		g = i == 1 ? &r.redir.from : &r.redir.to;
		e = pol_glob_compile(ln->tok[i].s, POL_GLOB_PATH, g, &why);
		if (e == -ENOMEM) {
			e = perr_nomem(ps);
			goto out;
		}
		if (e < 0) {
			e = perr(ps, "bad pattern '%s': %s", ln->tok[i].s, why);
			goto out;
		}
		if (pol_glob_shape(*g, NULL, NULL) == POL_GLOB_OTHER) {
			e = perr(ps, "redirect: '%s' has wildcards (only a final '**' component is "
				     "allowed)", ln->tok[i].s);
			goto out;
		}
	}
	sf = pol_glob_shape(r.redir.from, NULL, NULL);
	st = pol_glob_shape(r.redir.to, NULL, NULL);
	if (sf != st) {
		e = perr(ps,
			 "redirect: '%s' and '%s' must both be exact paths or both end in '/**'",
			 ln->tok[1].s, ln->tok[2].s);
		goto out;
	}
	if (asprintf(&r.text, "redirect %s %s", pol_glob_text(r.redir.from),
		     pol_glob_text(r.redir.to)) < 0) {
		r.text = NULL;
		e = perr_nomem(ps);
		goto out;
	}
	e = ir_add_rule(ps->ir, &r);
	if (e < 0)
		perr_nomem(ps);
out:
	ir_rule_free(&r);
	return e;
}

static const struct statement {
	const char *keyword;
	int (*parse)(struct parser *ps, const struct pol_line *ln);
} statements[] = {
	{ "default", parse_default }, { "include", parse_include },
	{ "allow", parse_rule },      { "deny", parse_rule },
	{ "kill", parse_rule },       { "redirect", parse_redirect },
	{ "limit", parse_limit },     { "backtrace", parse_backtrace },
	{ "mode", parse_mode },
};

/* statement = default | include | rule | redirect | limit | backtrace | mode ;
 * (chosen by the first word) */
static int parse_statement(struct parser *ps, const struct pol_line *ln)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(statements); i++)
		if (strcmp(ln->tok[0].s, statements[i].keyword) == 0)
			return statements[i].parse(ps, ln);
	return perr(ps, "unknown keyword '%s'", ln->tok[0].s);
}

/* policy = { line } ;   line = [ statement ] [ comment ] newline ;   (see lex.h)
 * Parse text[0..len) (writable, NUL-terminated) as the file `name`. */
static int parse_text(struct parser *ps, const char *name, char *text, size_t len)
{
	const char *saved_file = ps->file;
	int saved_line = ps->line, r;
	struct pol_lexer lx;
	struct pol_line ln;

	ps->file = ir_intern(ps->ir, name);
	ps->line = 0;
	if (!ps->file) {
		ps->file = name;
		r = perr_nomem(ps);
		goto out;
	}
	pol_lex_init(&lx, text, len);
	while ((r = pol_lex_next(&lx, &ln)) > 0) {
		ps->line = ln.lineno;
		r = parse_statement(ps, &ln);
		if (r < 0)
			goto out;
	}
	if (r == -EILSEQ) {
		ps->line = ln.lineno;
		r = perr(ps, "NUL byte in line");
	}
out:
	ps->file = saved_file;
	ps->line = saved_line;
	return r;
}

/* Parse into a temporary IR, then commit: all or nothing. */
static int load_text(struct policy *p, const char *name, char *text, size_t len,
		     const struct file_id *id, struct pol_error *err)
{
	struct parser ps = { .err = err };
	struct policy tmp;
	int r;

	ir_begin(&tmp, p);
	ps.ir = &tmp;
	if (id)
		ps.stack[ps.nstack++] = *id;
	r = parse_text(&ps, name, text, len);
	if (r < 0) {
		ir_release(&tmp);
		return r;
	}
	r = ir_commit(p, &tmp);
	if (r < 0)
		snprintf(err->msg, sizeof(err->msg), "%s:0: out of memory", name);
	return r;
}

int policy_load_string(struct policy *p, const char *name, const char *text,
		       struct pol_error *err)
{
	struct pol_error dummy;
	size_t len = strlen(text);
	char *copy = malloc(len + 1);
	int r;

	if (!err)
		err = &dummy;
	if (!name)
		name = "<string>";
	if (!copy) {
		snprintf(err->msg, sizeof(err->msg), "%s:0: out of memory", name);
		return -ENOMEM;
	}
	memcpy(copy, text, len + 1);
	r = load_text(p, name, copy, len, NULL, err);
	free(copy);
	return r;
}

int policy_load_file(struct policy *p, const char *path, struct pol_error *err)
{
	struct pol_error dummy;
	struct file_id id;
	char *text;
	size_t len;
	int r;

	if (!err)
		err = &dummy;
	r = read_file(path, &text, &len, &id);
	if (r < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s:0: cannot read: %s", path, read_error(r));
		return r;
	}
	r = load_text(p, path, text, len, &id, err);
	free(text);
	return r;
}

/* A profile name is a file name without a directory: [A-Za-z0-9._-], not starting with `.`. */
static bool profile_name_ok(const char *name)
{
	const char *c;

	if (!*name || *name == '.' || strlen(name) > 64)
		return false;
	for (c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
			return false;
	return true;
}

int policy_load_profile(struct policy *p, const char *name, struct pol_error *err)
{
	const char *dirs[2] = { NULL, NULL }, *env = getenv("SYSWARD_PROFILEDIR");
	char path[PATH_MAX];
	struct pol_error dummy;
	size_t i, ndirs = 0;
	struct stat st;

	if (!err)
		err = &dummy;
	if (!name || !profile_name_ok(name)) {
		snprintf(err->msg, sizeof(err->msg), "unknown profile '%s'", name ? name : "");
		return -ENOENT;
	}
	if (env && *env) {
		dirs[ndirs++] = env;
	} else {
#ifdef SYSWARD_PROFILEDIR
		dirs[ndirs++] = SYSWARD_PROFILEDIR;
#endif
#ifdef SYSWARD_SRC_PROFILEDIR
		dirs[ndirs++] = SYSWARD_SRC_PROFILEDIR;
#endif
	}
	for (i = 0; i < ndirs; i++) {
		int n = snprintf(path, sizeof(path), "%s/%s.policy", dirs[i], name);

		if (n < 0 || (size_t)n >= sizeof(path))
			continue;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return policy_load_file(p, path, err);
	}
	snprintf(err->msg, sizeof(err->msg), "unknown profile '%s' (no %s.policy in %s%s%s)", name,
		 name, ndirs ? dirs[0] : "(no profile directory)", ndirs > 1 ? " or " : "",
		 ndirs > 1 ? dirs[1] : "");
	return -ENOENT;
}

int policy_add_dir_rule(struct policy *p, enum pol_action action, unsigned access,
			const char *dir, const char *origin, struct pol_error *err)
{
	static const char *const actions[] = { "allow", "deny", "kill" };
	char norm[POL_GLOB_MAX], pat[POL_GLOB_TEXT_MAX], *text = NULL;
	struct pol_error dummy;
	int n, r;

	if (!err)
		err = &dummy;
	if (!origin)
		origin = "<rule>";
	n = dir ? pol_path_normalise(dir, strlen(dir), norm, sizeof(norm)) : -EINVAL;
	if (n < 0 || (unsigned)action > POL_KILL || !access ||
	    (access & ~(unsigned)(POL_READ | POL_WRITE | POL_EXEC))) {
		snprintf(err->msg, sizeof(err->msg),
			 "%s:0: bad directory rule for '%s' (absolute path without '..' and an "
			 "access needed)", origin, dir ? dir : "");
		return -EINVAL;
	}
	r = pol_glob_escape(norm, strcmp(norm, "/") == 0 ? 0 : (size_t)n, pat, sizeof(pat));
	if (r < 0 ||
	    asprintf(&text, "%s %s%s%s%s%s %s/**\n", actions[action],
		     access & POL_READ ? "read" : "",
		     (access & POL_READ) && (access & (POL_WRITE | POL_EXEC)) ? "," : "",
		     access & POL_WRITE ? "write" : "",
		     (access & POL_WRITE) && (access & POL_EXEC) ? "," : "",
		     access & POL_EXEC ? "exec" : "", pat) < 0) {
		snprintf(err->msg, sizeof(err->msg), "%s:0: directory rule too long", origin);
		return r < 0 ? r : -ENOMEM;
	}
	r = policy_load_string(p, origin, text, err);
	free(text);
	return r;
}
