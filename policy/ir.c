/*
 * ir: the policy object (rules, settings, interned file names), all-or-nothing commit of a
 * load, and the canonical text of the effective policy (policy_dump, policy_sha256).
 */
#include "policy/ir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/sha256.h"
#include "supervisor/util.h"

static const struct sock_class {
	const char *name;
	int cls;
} sock_classes[] = {
	{ "raw", POL_SOCK_RAW },
	{ "ping", POL_SOCK_PING },
	{ "netlink", AF_NETLINK },
	{ "packet", AF_PACKET },
	{ "vsock", AF_VSOCK },
	{ "alg", AF_ALG },
	{ "bluetooth", AF_BLUETOOTH },
	{ "can", AF_CAN },
	{ "xdp", AF_XDP },
	{ "key", AF_KEY },
	{ "tipc", AF_TIPC },
	{ "rds", AF_RDS },
	{ "llc", AF_LLC },
	{ "x25", AF_X25 },
	{ "ax25", AF_AX25 },
	{ "appletalk", AF_APPLETALK },
	{ "ipx", AF_IPX },
	{ "netrom", AF_NETROM },
	{ "rose", AF_ROSE },
	{ "bridge", AF_BRIDGE },
	{ "atmpvc", AF_ATMPVC },
	{ "atmsvc", AF_ATMSVC },
	{ "decnet", AF_DECnet },
	{ "netbeui", AF_NETBEUI },
	{ "security", AF_SECURITY },
	{ "ash", AF_ASH },
	{ "econet", AF_ECONET },
	{ "sna", AF_SNA },
	{ "irda", AF_IRDA },
	{ "pppox", AF_PPPOX },
	{ "wanpipe", AF_WANPIPE },
	{ "ib", AF_IB },
	{ "mpls", AF_MPLS },
	{ "iucv", AF_IUCV },
	{ "rxrpc", AF_RXRPC },
	{ "isdn", AF_ISDN },
	{ "phonet", AF_PHONET },
	{ "ieee802154", AF_IEEE802154 },
	{ "caif", AF_CAIF },
	{ "nfc", AF_NFC },
	{ "kcm", AF_KCM },
	{ "qipcrtr", AF_QIPCRTR },
	{ "smc", AF_SMC },
	{ "mctp", AF_MCTP },
};

int ir_sock_class(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sock_classes); i++)
		if (strcmp(sock_classes[i].name, name) == 0)
			return sock_classes[i].cls;
	return -1;
}

const char *ir_sock_class_name(int cls)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sock_classes); i++)
		if (sock_classes[i].cls == cls)
			return sock_classes[i].name;
	return NULL;
}

struct policy *policy_new(void)
{
	struct policy *p = calloc(1, sizeof(*p));

	if (p)
		p->def = POL_DENY;
	return p;
}

void ir_rule_free(struct pol_rule *r)
{
	size_t i;

	switch (r->kind) {
	case RULE_PATH:
		pol_glob_free(r->path.glob);
		break;
	case RULE_NET:
		pol_net_free(&r->net.addr);
		break;
	case RULE_SOCKET:
		break;
	case RULE_SYSCALL:
		for (i = 0; i < r->sys.n; i++)
			free(r->sys.names[i]);
		free(r->sys.names);
		break;
	case RULE_REDIRECT:
		pol_glob_free(r->redir.from);
		pol_glob_free(r->redir.to);
		break;
	}
	free(r->text);
	memset(r, 0, sizeof(*r));
}

void ir_release(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nrules; i++)
		ir_rule_free(&p->rules[i]);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->rules);
	free(p->files);
	p->rules = NULL;
	p->files = NULL;
	p->nrules = p->cap = p->nfiles = 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	ir_release(p);
	free(p);
}

int ir_add_rule(struct policy *p, struct pol_rule *r)
{
	if (p->nrules == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct pol_rule *n = realloc(p->rules, cap * sizeof(*n));

		if (!n) {
			ir_rule_free(r);
			return -ENOMEM;
		}
		p->rules = n;
		p->cap = cap;
	}
	p->rules[p->nrules++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

const char *ir_intern(struct policy *p, const char *name)
{
	char **n, *s;
	size_t i;

	for (i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i], name) == 0)
			return p->files[i];
	s = strdup(name);
	n = s ? realloc(p->files, (p->nfiles + 1) * sizeof(*n)) : NULL;
	if (!n) {
		free(s);
		return NULL;
	}
	p->files = n;
	p->files[p->nfiles++] = s;
	return s;
}

void ir_begin(struct policy *tmp, const struct policy *p)
{
	memset(tmp, 0, sizeof(*tmp));
	tmp->def = p->def;
	tmp->def_src = p->def_src;
	tmp->settings = p->settings;
	memcpy(tmp->lim_src, p->lim_src, sizeof(tmp->lim_src));
	tmp->mode_src = p->mode_src;
	tmp->bt_src = p->bt_src;
}

int ir_commit(struct policy *p, struct policy *tmp)
{
	struct pol_rule *rules = p->rules;
	char **files = p->files;

	if (p->nrules + tmp->nrules > p->cap) {
		rules = realloc(p->rules, (p->nrules + tmp->nrules) * sizeof(*rules));
		if (!rules)
			goto nomem;
		p->rules = rules;
		p->cap = p->nrules + tmp->nrules;
	}
	if (tmp->nfiles) {
		files = realloc(p->files, (p->nfiles + tmp->nfiles) * sizeof(*files));
		if (!files)
			goto nomem;
		p->files = files;
	}
	if (tmp->nrules)
		memcpy(p->rules + p->nrules, tmp->rules, tmp->nrules * sizeof(*rules));
	if (tmp->nfiles)
		memcpy(p->files + p->nfiles, tmp->files, tmp->nfiles * sizeof(*files));
	p->nrules += tmp->nrules;
	p->nfiles += tmp->nfiles;
	p->def = tmp->def;
	p->def_src = tmp->def_src;
	p->settings = tmp->settings;
	memcpy(p->lim_src, tmp->lim_src, sizeof(p->lim_src));
	p->mode_src = tmp->mode_src;
	p->bt_src = tmp->bt_src;
	free(tmp->rules);
	free(tmp->files);
	memset(tmp, 0, sizeof(*tmp));
	return 0;
nomem:
	ir_release(tmp);
	return -ENOMEM;
}

enum pol_action policy_default(const struct policy *p)
{
	return p->def;
}

const struct settings *policy_settings(const struct policy *p)
{
	return &p->settings;
}

#define DUMP_WIDTH 46

/* One dump line: the statement, at least two blanks, then `# FILE:LINE` (or `# built-in`). */
static void dump_line(FILE *out, const char *text, const struct pol_src *src)
{
	if (src->file)
		fprintf(out, "%-*s  # %s:%d\n", DUMP_WIDTH, text, src->file, src->line);
	else
		fprintf(out, "%-*s  # built-in\n", DUMP_WIDTH, text);
}

static void dump_rules(const struct policy *p, FILE *out, bool (*want)(enum pol_rule_kind))
{
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[i];

		if (want(r->kind))
			dump_line(out, r->text, &(struct pol_src){ r->file, r->line });
	}
}

static bool is_redirect(enum pol_rule_kind k)
{
	return k == RULE_REDIRECT;
}

static bool is_syscall(enum pol_rule_kind k)
{
	return k == RULE_SYSCALL;
}

static bool is_access(enum pol_rule_kind k)
{
	return k == RULE_PATH || k == RULE_NET || k == RULE_SOCKET;
}

/*
 * The dump is itself a policy that loads back to the same rules:
 *   # sysward policy: ...                         (one header comment line)
 *   default allow|deny                            # FILE:LINE, or # built-in
 *   mode enforce|audit                            (when set)
 *   limit NAME VALUE                              (each limit set, in settings.h order)
 *   backtrace denied,NAME,...                     (when set)
 *   redirect ...                                  (applied to the path first, load order)
 *   ACTION syscall ...                            (checked before the other rules, load order)
 *   ACTION read|write|exec|connect|bind|socket .. (load order; the last match wins)
 */
int policy_dump(const struct policy *p, FILE *out)
{
	char buf[512];
	int k, i, n;

	fputs("# sysward policy: redirects first, then syscall rules, then the rest; "
	      "the last matching rule wins\n",
	      out);
	dump_line(out, p->def == POL_ALLOW ? "default allow" : "default deny", &p->def_src);
	if (p->settings.mode != MODE_UNSET)
		dump_line(out, p->settings.mode == MODE_AUDIT ? "mode audit" : "mode enforce",
			  &p->mode_src);
	for (k = 0; k < LIM__COUNT; k++) {
		char val[160];

		if (settings_format_limit(&p->settings, k, val, sizeof(val)) < 0)
			continue;
		snprintf(buf, sizeof(buf), "limit %s %s", limit_name(k), val);
		dump_line(out, buf, &p->lim_src[k]);
	}
	if (p->settings.bt_denied || p->settings.n_bt) {
		n = snprintf(buf, sizeof(buf), "backtrace%s",
			     p->settings.bt_denied ? " denied" : "");
		for (i = 0; i < p->settings.n_bt && n >= 0 && (size_t)n < sizeof(buf); i++)
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s",
				      i || p->settings.bt_denied ? "," : " ", p->settings.bt[i]);
		dump_line(out, buf, &p->bt_src);
	}
	dump_rules(p, out, is_redirect);
	dump_rules(p, out, is_syscall);
	dump_rules(p, out, is_access);
	return ferror(out) ? -EIO : 0;
}

int policy_sha256(const struct policy *p, char hex[65])
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return -ENOMEM;
	r = policy_dump(p, f);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		pol_sha256_hex(text, len, hex);
	free(text);
	return r;
}
