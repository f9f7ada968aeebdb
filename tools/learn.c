/*
 * learn: `sysward learn` (see learn.h for the rules).  Three stages:
 *
 *   ingest   the trail, one line at a time (jsonl.h), into a table of distinct items: names
 *            with the accesses used, addresses, socket families, syscalls, redirects; each
 *            remembers its first user (pid, executable) and the processes that used it;
 *   classify every name: the run's own /proc entries, secrets of the default profile, the
 *            working directory, temporary names, then collapse directories;
 *   emit     the statements in a fixed order, sorted, check the text, write it.
 *
 * Library code (STYLE habit 6): learn_trail returns 0/-errno with a message and only warns
 * (warnx_) about lines it skipped; learn_main, the command, reports and picks the status.
 */
#include "tools/learn.h"

#include <arpa/inet.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/systab.h"
#include "policy/glob.h"
#include "policy/ir.h"
#include "policy/policy.h"
#include "supervisor/run.h"
#include "supervisor/util.h"
#include "tools/jsonl.h"

#define NONE UINT32_MAX
#define MAX_PROCS_LISTED 256 /* distinct processes remembered per item; then "or more" */
#define COMMENT_COLUMN 48    /* where a rule's comment starts, when the rule is shorter */
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* ---- growable strings ---------------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The string, handed over (never NULL). */
static char *sb_take(struct sbuf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* ---- a string map: (kind, bytes) -> dense index, with a fixed-size value each --------- */

struct smap {
	char **key; /* NUL-terminated copies (a key may hold NULs: klen says) */
	uint32_t *klen;
	uint8_t *kind;
	unsigned char *val; /* vsize bytes per entry, zeroed when added */
	size_t vsize;
	uint32_t n, cap;
	uint32_t *slot; /* entry + 1; 0 = empty */
	uint32_t nslot; /* a power of two */
};

static uint64_t hash_key(uint8_t kind, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL ^ kind;

	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint32_t smap_find(const struct smap *m, uint8_t kind, const char *s, size_t n)
{
	if (!m->nslot)
		return NONE;
	for (uint32_t i = (uint32_t)hash_key(kind, s, n) & (m->nslot - 1);;
	     i = (i + 1) & (m->nslot - 1)) {
		uint32_t v = m->slot[i];
		if (!v)
			return NONE;
		v--;
		if (m->kind[v] == kind && m->klen[v] == n && memcmp(m->key[v], s, n) == 0)
			return v;
	}
}

static void smap_place(struct smap *m, uint32_t v)
{
	uint32_t i = (uint32_t)hash_key(m->kind[v], m->key[v], m->klen[v]) & (m->nslot - 1);

	while (m->slot[i])
		i = (i + 1) & (m->nslot - 1);
	m->slot[i] = v + 1;
}

/* Index of (kind, s), added (value zeroed, *added set) when new; NONE past the cap. */
static uint32_t smap_add(struct smap *m, uint8_t kind, const char *s, size_t n, bool *added)
{
	uint32_t v = smap_find(m, kind, s, n);

	*added = false;
	if (v != NONE)
		return v;
	if (m->n >= LEARN_MAX_NAMES || n > UINT32_MAX - 1)
		return NONE;
	if ((m->n + 1) * 2 > m->nslot) {
		uint32_t ns = m->nslot ? m->nslot * 2 : 64;
		free(m->slot);
		m->slot = xcalloc(ns, sizeof(*m->slot));
		m->nslot = ns;
		for (uint32_t i = 0; i < m->n; i++)
			smap_place(m, i);
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->key = xrealloc(m->key, m->cap * sizeof(*m->key));
		m->klen = xrealloc(m->klen, m->cap * sizeof(*m->klen));
		m->kind = xrealloc(m->kind, m->cap);
		m->val = xrealloc(m->val, m->cap * m->vsize);
	}
	v = m->n++;
	m->key[v] = xmalloc(n + 1);
	memcpy(m->key[v], s, n);
	m->key[v][n] = '\0';
	m->klen[v] = (uint32_t)n;
	m->kind[v] = kind;
	memset(m->val + (size_t)v * m->vsize, 0, m->vsize);
	smap_place(m, v);
	*added = true;
	return v;
}

static void *smap_val(const struct smap *m, uint32_t v)
{
	return m->val + (size_t)v * m->vsize;
}

static void smap_free(struct smap *m)
{
	for (uint32_t i = 0; i < m->n; i++)
		free(m->key[i]);
	free(m->key);
	free(m->klen);
	free(m->kind);
	free(m->val);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* ---- the learner's state ---------------------------------------------------------------- */

/* A use of an item: which process, running what, when (the record's number). */
struct use {
	uint64_t seq; /* 0: none yet */
	uint32_t proc;
	const char *exe; /* at the time; NULL before the process's first exec */
};

enum item_kind {
	IT_PATH = 1, /* a resolved name; acc says how it was used */
	IT_CONNECT,  /* policy address text (`loopback`, `inet:...`) */
	IT_BIND,
	IT_SOCKET,   /* socket class name (`netlink`, `raw`) */
	IT_SYSCALL,  /* syscall name */
	IT_REDIRECT, /* "FROM\0TO" */
	IT_NOTE,     /* a comment about what could not be learned */
};

enum { IF_CREATED = 1, IF_REMOVED = 2, IF_DIR = 4, IF_DENIED = 8, IF_INTERP = 16 };

struct item {
	uint8_t acc;   /* IT_PATH: pol_access bits used */
	uint8_t flags; /* IF_* */
	struct use first;
	uint32_t *procs; /* distinct processes, at most MAX_PROCS_LISTED */
	uint32_t nprocs, capprocs;
	bool more; /* more processes than listed */
};

struct proc {
	int32_t pid;
	const char *exe;       /* now */
	const char *first_exe; /* the first one it exec'd */
};

struct learn {
	struct smap items; /* struct item */
	struct smap procs; /* key: pid (4 bytes); struct proc */
	struct smap rows;  /* key: syscall name; const struct sc_row * (NULL: none) */
	char **strs;	   /* executable names, owned */
	size_t nstrs, capstrs;

	bool have_start, have_end;
	bool enforced; /* start.mode is enforce: refused calls failed in that run */
	char *cwd;     /* start.cwd, NULL when missing */
	bool cwd_ok;   /* the working directory may be granted as a whole */
	char *program; /* start.program */
	char *argv;    /* start.argv joined, cut */
	uint64_t seq;
	uint64_t lines, invalid, too_long, builtin, overflow;
	uint64_t first_invalid;
	char invalid_msg[128];

	struct policy *profile; /* the `default` profile: what is a secret */
};

/* ---- strings from the trail --------------------------------------------------------------- */

static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}


/*
 * The bytes a trail string stands for, malloc'd and NUL-terminated, length in *len.
 * INTERFACE.md: valid UTF-8 is kept exactly; in a string that is not, each invalid byte is
 * written as `\xNN` and a backslash is doubled.  Undoing that on a string that was valid
 * UTF-8 always gives valid UTF-8 (it only turns ASCII into ASCII), and undoing it on an
 * escaped one never does (it brings back an invalid byte): so a string is taken as escaped
 * exactly when undoing works and gives invalid UTF-8.
 */
static char *trail_bytes(const struct jv *v, size_t *len)
{
	char *out = xmalloc((size_t)v->len + 1);
	size_t o = 0, i = 0;
	bool escaped = true;

	while (i < v->len) {
		if (v->s[i] != '\\') {
			out[o++] = v->s[i++];
			continue;
		}
		if (i + 1 < v->len && v->s[i + 1] == '\\') {
			out[o++] = '\\';
			i += 2;
		} else if (i + 3 < v->len && v->s[i + 1] == 'x' && hex_digit(v->s[i + 2]) >= 0 &&
			   hex_digit(v->s[i + 3]) >= 0) {
			out[o++] = (char)(hex_digit(v->s[i + 2]) * 16 + hex_digit(v->s[i + 3]));
			i += 4;
		} else {
			escaped = false;
			break;
		}
	}
	if (!escaped || utf8_valid((const unsigned char *)out, o)) {
		memcpy(out, v->s, v->len);
		o = v->len;
	}
	out[o] = '\0';
	*len = o;
	return out;
}

/* ---- policy text -------------------------------------------------------------------------- */

/* Bytes as pattern text matching exactly them (glob.h), with every byte that is not valid
 * UTF-8 as \xNN so that the policy stays text. */
static void put_literal(struct sbuf *b, const char *s, size_t n)
{
	bool valid = utf8_valid((const unsigned char *)s, n);
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		char tmp[4 * 256 + 8];
		int w;

		if (!valid && ((unsigned char)s[i] & 0x80)) {
			sb_printf(b, "\\x%02x", (unsigned char)s[i]);
			i++;
			continue;
		}
		while (j < n && j - i < 256 && (valid || !((unsigned char)s[j] & 0x80)))
			j++;
		w = pol_glob_escape(s + i, j - i, tmp, sizeof(tmp));
		if (w > 0)
			sb_putn(b, tmp, (size_t)w);
		i = j;
	}
}

/* Text for a comment: one line, no control bytes, no invalid UTF-8. */
static void put_comment_text(struct sbuf *b, const char *s, size_t n)
{
	bool valid = utf8_valid((const unsigned char *)s, n);

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (!valid && c >= 0x80))
			sb_printf(b, "\\x%02x", c);
		else
			sb_putn(b, (const char *)&c, 1);
	}
}

static const char *acc_words(unsigned acc)
{
	if (acc & POL_WRITE)
		acc &= ~(unsigned)POL_READ; /* an allow write also allows read */
	switch (acc) {
	case POL_WRITE:
		return "write";
	case POL_EXEC:
		return "exec";
	case POL_READ | POL_EXEC:
		return "read,exec";
	case POL_WRITE | POL_EXEC:
		return "write,exec";
	default:
		return "read";
	}
}

/* ---- processes and items ------------------------------------------------------------------ */

static uint32_t proc_of(struct learn *l, long long pid)
{
	int32_t p = (int32_t)pid;
	bool added;
	uint32_t v;

	if (pid <= 0 || pid > INT32_MAX)
		return NONE;
	v = smap_add(&l->procs, 0, (const char *)&p, sizeof(p), &added);
	if (v != NONE && added)
		((struct proc *)smap_val(&l->procs, v))->pid = p;
	return v;
}

static struct proc *proc_at(const struct learn *l, uint32_t v)
{
	return smap_val(&l->procs, v);
}

static const char *keep_str(struct learn *l, char *s)
{
	if (l->nstrs == l->capstrs) {
		l->capstrs = l->capstrs ? l->capstrs * 2 : 64;
		l->strs = xrealloc(l->strs, l->capstrs * sizeof(*l->strs));
	}
	l->strs[l->nstrs++] = s;
	return s;
}

static void item_use(struct item *it, const struct use *u)
{
	if (!it->first.seq || u->seq < it->first.seq)
		it->first = *u;
	if (u->proc == NONE)
		return;
	for (uint32_t i = it->nprocs; i-- > 0;)
		if (it->procs[i] == u->proc)
			return;
	if (it->nprocs >= MAX_PROCS_LISTED) {
		it->more = true;
		return;
	}
	if (it->nprocs == it->capprocs) {
		it->capprocs = it->capprocs ? it->capprocs * 2 : 2;
		it->procs = xrealloc(it->procs, it->capprocs * sizeof(*it->procs));
	}
	it->procs[it->nprocs++] = u->proc;
}

/* Add (or update) an item; false when the table is full (counted). */
static struct item *item_add(struct learn *l, enum item_kind kind, const char *key, size_t n,
			     const struct use *u, bool denied)
{
	bool added;
	uint32_t v = smap_add(&l->items, (uint8_t)kind, key, n, &added);
	struct item *it;

	if (v == NONE) {
		l->overflow++;
		return NULL;
	}
	it = smap_val(&l->items, v);
	item_use(it, u);
	if (denied)
		it->flags |= IF_DENIED;
	return it;
}

static void note(struct learn *l, const struct use *u, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void note(struct learn *l, const struct use *u, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	item_add(l, IT_NOTE, buf, strlen(buf), u, false);
}

static void add_path(struct learn *l, const char *path, size_t n, unsigned acc, unsigned flags,
		     const struct use *u, bool denied)
{
	struct item *it;

	if (n == 0 || path[0] != '/' || memchr(path, '\0', n) || n >= POL_GLOB_MAX) {
		struct sbuf b = {0};
		put_comment_text(&b, path, n < 200 ? n : 200);
		note(l, u, "the name '%s' cannot be written in a rule", b.s ? b.s : "");
		free(b.s);
		return;
	}
	it = item_add(l, IT_PATH, path, n, u, denied);
	if (!it)
		return;
	it->acc |= (uint8_t)acc;
	it->flags |= (uint8_t)flags;
}

/* ---- ingest: one event at a time ---------------------------------------------------------- */

static const struct jv *member_type(const struct jsonl *p, const struct jv *obj, const char *key,
				    enum jv_type type)
{
	const struct jv *v;

	if (!obj || obj->type != JV_OBJECT)
		return NULL;
	v = jv_member(p, obj, key);
	return v && v->type == type ? v : NULL;
}

static bool member_int(const struct jsonl *p, const struct jv *obj, const char *key, long long *out)
{
	const struct jv *v = member_type(p, obj, key, JV_NUMBER);

	return v && jv_int(v, out) == 0;
}


static const struct sc_row *row_of(struct learn *l, const char *name, size_t n)
{
	bool added;
	uint32_t v = smap_add(&l->rows, 0, name, n, &added);
	const struct sc_row **slot;

	if (v == NONE)
		return systab_by_name(name);
	slot = smap_val(&l->rows, v);
	if (added)
		*slot = systab_by_name(name);
	return *slot;
}

static unsigned spec_access(uint8_t acc)
{
	return ((acc & ACC_R) ? POL_READ : 0) | ((acc & ACC_W) ? POL_WRITE : 0) |
	       ((acc & ACC_X) ? POL_EXEC : 0);
}

/* The k-th path argument of a row (0 or 1), or NULL. */
static const struct sc_argspec *path_spec(const struct sc_row *row, int k)
{
	for (int i = 0; i < row->nargs; i++)
		if (row->arg[i].kind == A_PATH && k-- == 0)
			return &row->arg[i];
	return NULL;
}

static unsigned path_access(const struct jsonl *p, const struct sc_row *row, const struct jv *args,
			    int k)
{
	const struct jv *a = k == 0 ? member_type(p, args, "access", JV_STRING) : NULL;
	const struct sc_argspec *spec = path_spec(row, k);
	unsigned acc = 0;

	if (a) {
		acc |= jv_word_in(a, "read", ',') ? POL_READ : 0;
		acc |= jv_word_in(a, "write", ',') ? POL_WRITE : 0;
		acc |= jv_word_in(a, "exec", ',') ? POL_EXEC : 0;
	} else if (row->cls == SC_EXEC) {
		acc = POL_EXEC;
	} else if (spec && !(spec->acc & ACC_OPEN)) {
		acc = spec_access(spec->acc);
	}
	return acc ? acc : POL_READ; /* the evaluator judges access 0 as a read */
}

/* Did this call create (IF_CREATED) or remove (IF_REMOVED) its k-th path? */
static unsigned path_change(const struct jsonl *p, const char *name, const struct jv *args, int k)
{
	const struct jv *flags = member_type(p, args, "flags", JV_STRING);

	if (!strcmp(name, "open") || !strcmp(name, "openat") || !strcmp(name, "openat2"))
		return jv_word_in(flags, "O_CREAT", '|') ? IF_CREATED : 0;
	if (!strcmp(name, "creat") || !strcmp(name, "mknod") || !strcmp(name, "mknodat") ||
	    !strcmp(name, "symlink") || !strcmp(name, "symlinkat"))
		return IF_CREATED;
	if (!strcmp(name, "mkdir") || !strcmp(name, "mkdirat"))
		return IF_CREATED | IF_DIR;
	if (!strcmp(name, "link") || !strcmp(name, "linkat"))
		return k == 1 ? IF_CREATED : 0;
	if (!strcmp(name, "rename") || !strcmp(name, "renameat") || !strcmp(name, "renameat2"))
		return k == 0 ? IF_REMOVED : IF_CREATED;
	if (!strcmp(name, "unlink"))
		return IF_REMOVED;
	if (!strcmp(name, "unlinkat"))
		return IF_REMOVED | (jv_word_in(flags, "AT_REMOVEDIR", '|') ? IF_DIR : 0);
	if (!strcmp(name, "rmdir"))
		return IF_REMOVED | IF_DIR;
	return 0;
}

static void learn_paths(struct learn *l, const struct jsonl *p, const char *name,
			const struct sc_row *row, const struct jv *args, bool rewrite,
			const struct use *u, bool denied)
{
	static const char *const res_key[2] = {"resolved", "resolved2"};
	static const char *const orig_key[2] = {"original", "original2"};
	const struct jv *interp = member_type(p, args, "interpreter", JV_STRING);
	bool seen[2] = {false, false};

	for (int k = 0; k < 2; k++) {
		const struct jv *res = member_type(p, args, res_key[k], JV_STRING);
		const struct jv *orig = member_type(p, args, orig_key[k], JV_STRING);
		char *path;
		size_t n;

		if (!res)
			continue;
		seen[k] = true;
		path = trail_bytes(res, &n);
		if (rewrite && orig) {
			size_t on;
			char *from = trail_bytes(orig, &on);
			struct sbuf key = {0};
			sb_putn(&key, from, on);
			sb_putn(&key, "", 1);
			sb_putn(&key, path, n);
			if (on && from[0] == '/' && !memchr(from, '\0', on))
				item_add(l, IT_REDIRECT, key.s, key.len, u, false);
			free(key.s);
			free(from);
		}
		add_path(l, path, n, path_access(p, row, args, k), path_change(p, name, args, k), u,
			 denied);
		free(path);
	}
	if (interp) {
		size_t n;
		char *path = trail_bytes(interp, &n);
		add_path(l, path, n, POL_EXEC, 0, u, denied);
		free(path);
	}
	/* judge.c stops at the first refused path argument, audit mode included: a second
	 * path after a refused first one is not in the trail */
	if (seen[0] && !seen[1] && denied && path_spec(row, 1)) {
		const struct jv *res = member_type(p, args, "resolved", JV_STRING);
		size_t n;
		char *path = trail_bytes(res, &n);
		struct sbuf b = {0};
		put_comment_text(&b, path, n);
		note(l, u,
		     "%s of %s: the run's policy refused it, so the trail does not record its "
		     "second path",
		     name, b.s);
		free(b.s);
		free(path);
	}
}

/* The class a `socket` rule names for socket(family, type, protocol), "" when no socket
 * rule judges it (inet, inet6 and unix other than raw/ping: connect/bind rules do), or NULL
 * when the family has no name in the language. */
static const char *socket_class(const struct jv *fam, const struct jv *type, long long proto,
				char *buf, size_t size)
{
	bool inet, raw = jv_word_in(type, "SOCK_RAW", '|') || jv_word_in(type, "SOCK_PACKET", '|');
	bool dgram = jv_word_in(type, "SOCK_DGRAM", '|');

	if (!fam || fam->len < 4 || strncmp(fam->s, "AF_", 3) != 0)
		return NULL;
	inet = jv_is(fam, "AF_INET") || jv_is(fam, "AF_INET6");
	if (jv_is(fam, "AF_UNIX") || jv_is(fam, "AF_LOCAL"))
		return "";
	if (inet) {
		if (raw)
			return "raw";
		if (dgram && ((jv_is(fam, "AF_INET") && proto == 1 /* IPPROTO_ICMP */) ||
			      (jv_is(fam, "AF_INET6") && proto == 58 /* IPPROTO_ICMPV6 */)))
			return "ping";
		return "";
	}
	if (fam->len - 3 >= size)
		return NULL;
	for (size_t i = 3; i < fam->len; i++)
		buf[i - 3] = (char)((fam->s[i] >= 'A' && fam->s[i] <= 'Z') ? fam->s[i] - 'A' + 'a'
									   : fam->s[i]);
	buf[fam->len - 3] = '\0';
	return ir_sock_class(buf) >= 0 ? buf : NULL;
}

/* The policy ADDR for an address as the trail writes it, or NULL (not judged by address). */
static char *addr_rule(const char *a, size_t n)
{
	struct sbuf b = {0};

	if (n == 12 && memcmp(a, "unix-unnamed", 12) == 0)
		return xstrdup("unix-abstract:"); /* autobind: judged as the empty name */
	if (n >= 14 && memcmp(a, "unix-abstract:", 14) == 0) {
		sb_puts(&b, "unix-abstract:");
		put_literal(&b, a + 14, n - 14);
		return sb_take(&b);
	}
	if (n > 5 && memcmp(a, "unix:", 5) == 0 && a[5] == '/') {
		sb_puts(&b, "unix:");
		put_literal(&b, a + 5, n - 5);
		return sb_take(&b);
	}
	if (memchr(a, '\0', n))
		return NULL;
	if (n > 5 && memcmp(a, "inet:", 5) == 0) {
		const char *colon = memrchr(a, ':', n);
		char ip[INET_ADDRSTRLEN + 1];
		struct in_addr in;
		size_t il = (size_t)(colon - (a + 5));
		long port;

		if (colon == a + 4 || il >= sizeof(ip))
			return NULL;
		memcpy(ip, a + 5, il);
		ip[il] = '\0';
		if (inet_pton(AF_INET, ip, &in) != 1 || parse_long(colon + 1, &port) < 0 ||
		    port > 65535)
			return NULL;
		if ((ntohl(in.s_addr) >> 24) == 127)
			return xstrdup("loopback");
		sb_printf(&b, "inet:%s:%ld", ip, port);
		return sb_take(&b);
	}
	if (n > 7 && memcmp(a, "inet6:[", 7) == 0) {
		const char *close = memchr(a, ']', n);
		char ip[INET6_ADDRSTRLEN + 64], canon[INET6_ADDRSTRLEN];
		struct in6_addr in6;
		size_t il;
		long port;
		char *pct;

		if (!close || close + 1 >= a + n || close[1] != ':')
			return NULL;
		il = (size_t)(close - (a + 7));
		if (il >= sizeof(ip))
			return NULL;
		memcpy(ip, a + 7, il);
		ip[il] = '\0';
		if ((pct = strchr(ip, '%')))
			*pct = '\0'; /* scope ids are not matched (sysward.policy(5)) */
		if (inet_pton(AF_INET6, ip, &in6) != 1 || parse_long(close + 2, &port) < 0 ||
		    port > 65535)
			return NULL;
		if (IN6_IS_ADDR_LOOPBACK(&in6))
			return xstrdup("loopback");
		inet_ntop(AF_INET6, &in6, canon, sizeof(canon));
		sb_printf(&b, "inet6:[%s]:%ld", canon, port);
		return sb_take(&b);
	}
	return NULL;
}

static void learn_net(struct learn *l, const struct jsonl *p, const char *name,
		      const struct jv *args, const struct use *u, bool denied)
{
	if (!strcmp(name, "socket")) {
		const struct jv *fam = member_type(p, args, "family", JV_STRING);
		const struct jv *type = member_type(p, args, "type", JV_STRING);
		long long proto = 0;
		char buf[64];
		const char *cls;

		member_int(p, args, "protocol", &proto);
		cls = socket_class(fam, type, proto, buf, sizeof(buf));
		if (cls && *cls) {
			item_add(l, IT_SOCKET, cls, strlen(cls), u, denied);
		} else if (!cls) {
			struct sbuf b = {0};
			if (fam)
				put_comment_text(&b, fam->s, fam->len);
			note(l, u, "sockets of family %s: the family has no name in socket rules",
			     b.s ? b.s : "?");
			free(b.s);
		}
		return;
	}
	{
		const struct jv *addr = member_type(p, args, "addr", JV_STRING);
		bool bind = !strcmp(name, "bind") || !strcmp(name, "listen");
		char *bytes, *rule;
		size_t n;

		if (!addr)
			return; /* no destination (the connected peer): nothing judged */
		bytes = trail_bytes(addr, &n);
		rule = addr_rule(bytes, n);
		if (rule)
			item_add(l, bind ? IT_BIND : IT_CONNECT, rule, strlen(rule), u, denied);
		free(rule);
		free(bytes);
	}
}

static struct use use_of(struct learn *l, uint32_t proc)
{
	struct use u = {.seq = ++l->seq, .proc = proc, .exe = NULL};

	if (proc != NONE)
		u.exe = proc_at(l, proc)->exe;
	return u;
}

/* /proc/N/fd/M or /proc/N/task/T/fd/M: how the tracer names an object without a path. */
static bool is_fd_link(const char *s)
{
	int n = 0;

	if (sscanf(s, "/proc/%*u/fd/%*u%n", &n) == 0 && n && !s[n])
		return true;
	n = 0;
	return sscanf(s, "/proc/%*u/task/%*u/fd/%*u%n", &n) == 0 && n && !s[n];
}

static void on_syscall(struct learn *l, const struct jsonl *p, const struct jv *ev, uint32_t proc)
{
	const struct jv *name = member_type(p, ev, "syscall", JV_STRING);
	const struct jv *rule = member_type(p, ev, "rule", JV_STRING);
	const struct jv *decision = member_type(p, ev, "decision", JV_STRING);
	const struct jv *action = member_type(p, ev, "action", JV_STRING);
	const struct jv *args = member_type(p, ev, "args", JV_OBJECT);
	const struct sc_row *row;
	struct use u;
	bool denied;

	if (!name || memchr(name->s, '\0', name->len))
		return;
	if (rule && jv_is(rule, "builtin")) {
		l->builtin++; /* built into the filter or the tracer: no rule changes it */
		return;
	}
	u = use_of(l, proc);
	denied = decision && !jv_is(decision, "allow");
	row = row_of(l, name->s, name->len);
	if (!row || row->cls == SC_PRIV || (row->cls == SC_PATH && !path_spec(row, 0))) {
		/* judged by syscall rules and the default only */
		if (settings_syscall_known(name->s))
			item_add(l, IT_SYSCALL, name->s, name->len, &u, denied);
		else {
			struct sbuf b = {0};
			put_comment_text(&b, name->s, name->len < 64 ? name->len : 64);
			note(l, &u, "the system call '%s' has no name a rule can use",
			     b.s ? b.s : "");
			free(b.s);
		}
		return;
	}
	switch (row->cls) {
	case SC_PATH:
	case SC_EXEC:
		learn_paths(l, p, name->s, row, args, action && jv_is(action, "rewrite"), &u,
			    denied);
		break;
	case SC_FDMETA: {
		/* a pipe, socket or deleted file keeps its /proc/PID/fd/N link as its name: such
		 * a call is judged by syscall rules only (judge_fdmeta_call) */
		const struct jv *res = member_type(p, args, "resolved", JV_STRING);
		if (res && !is_fd_link(res->s)) {
			size_t n;
			char *path = trail_bytes(res, &n);
			add_path(l, path, n, POL_WRITE, 0, &u, denied);
			free(path);
		}
		break;
	}
	case SC_NET:
	case SC_SENDTO:
		learn_net(l, p, name->s, args, &u, denied);
		break;
	default:
		break; /* judged by syscall rules only when one names it: none here */
	}
}

static void on_start(struct learn *l, const struct jsonl *p, const struct jv *ev)
{
	const struct jv *cwd = member_type(p, ev, "cwd", JV_STRING);
	const struct jv *prog = member_type(p, ev, "program", JV_STRING);
	const struct jv *argv = member_type(p, ev, "argv", JV_ARRAY);
	size_t n;

	if (l->have_start)
		return;
	l->have_start = true;
	l->enforced = jv_is(member_type(p, ev, "mode", JV_STRING), "enforce");
	if (cwd) {
		l->cwd = trail_bytes(cwd, &n);
		if (memchr(l->cwd, '\0', n) || l->cwd[0] != '/') {
			free(l->cwd);
			l->cwd = NULL;
		}
	}
	if (prog) {
		char *s = trail_bytes(prog, &n);
		struct sbuf b = {0};
		put_comment_text(&b, s, n);
		l->program = sb_take(&b);
		free(s);
	}
	if (argv) {
		struct sbuf b = {0};
		for (const struct jv *a = jv_first(argv); a && b.len < 200;
		     a = jv_after(p, argv, a)) {
			char *s;
			if (a->type != JV_STRING)
				continue;
			s = trail_bytes(a, &n);
			if (b.len)
				sb_puts(&b, " ");
			put_comment_text(&b, s, n);
			free(s);
		}
		if (b.len > 200) {
			b.len = 200;
			b.s[200] = '\0';
			sb_puts(&b, "...");
		}
		l->argv = sb_take(&b);
	}
}

/* One event.  0, or -EINVAL when it is not an event. */
static int on_event(struct learn *l, const struct jsonl *p, const struct jv *ev)
{
	const struct jv *kind = member_type(p, ev, "event", JV_STRING);
	long long pid = 0, tid = 0, child = 0;
	uint32_t proc;

	if (!kind)
		return -EINVAL;
	if (jv_is(kind, "start")) {
		on_start(l, p, ev);
		return 0;
	}
	if (jv_is(kind, "end")) {
		l->have_end = true;
		return 0;
	}
	member_int(p, ev, "pid", &pid);
	proc = proc_of(l, pid);
	if (member_int(p, ev, "tid", &tid) && tid != pid)
		proc_of(l, tid); /* a thread: /proc/TID is the run's own too */
	if (jv_is(kind, "syscall")) {
		on_syscall(l, p, ev, proc);
	} else if (jv_is(kind, "spawn") && member_int(p, ev, "child", &child)) {
		const struct jv *thread = jv_member(p, ev, "thread");
		uint32_t c = proc_of(l, child);
		/* a new process runs what its parent ran until it execs */
		if (c != NONE && proc != NONE && c != proc && !(thread && thread->type == JV_TRUE))
			proc_at(l, c)->exe = proc_at(l, proc)->exe;
	} else if (jv_is(kind, "exec") && proc != NONE) {
		const struct jv *path = member_type(p, ev, "path", JV_STRING);
		struct proc *pr;
		size_t n;
		char *s;
		struct use u;

		if (!path)
			return 0;
		s = trail_bytes(path, &n);
		pr = proc_at(l, proc);
		pr->exe = keep_str(l, s);
		if (!pr->first_exe)
			pr->first_exe = pr->exe;
		/* what the kernel really runs: the tracer judges it again (exec, enforce mode) */
		u = use_of(l, proc);
		if (n > 10 && strcmp(s + n - 10, " (deleted)") == 0)
			return 0;
		add_path(l, s, n, POL_EXEC, 0, &u, false);
	}
	return 0;
}

/* ---- ELF interpreters -------------------------------------------------------------------- */

/* The PT_INTERP of an ELF file, resolved (malloc'd), or NULL. */
static char *elf_interp(const char *path)
{
	unsigned char eh[sizeof(Elf64_Ehdr)];
	char interp[PATH_MAX], real[PATH_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	bool is64;
	uint64_t phoff;
	unsigned phnum, phentsize;
	char *ret = NULL;
	struct stat st;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, eh, sizeof(eh), 0) < (ssize_t)sizeof(Elf32_Ehdr) ||
	    memcmp(eh, ELFMAG, SELFMAG) != 0)
		goto out;
	is64 = eh[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr h;
		memcpy(&h, eh, sizeof(h));
		phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
	} else {
		Elf32_Ehdr h;
		memcpy(&h, eh, sizeof(h));
		phoff = h.e_phoff, phnum = h.e_phnum, phentsize = h.e_phentsize;
	}
	if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) || phnum > 4096)
		goto out;
	for (unsigned i = 0; i < phnum; i++) {
		unsigned char ph[sizeof(Elf64_Phdr)];
		uint64_t off, size;
		uint32_t type;
		ssize_t n;

		if (pread(fd, ph, is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr),
			  (off_t)(phoff + (uint64_t)i * phentsize)) <= 0)
			goto out;
		if (is64) {
			Elf64_Phdr p;
			memcpy(&p, ph, sizeof(p));
			type = p.p_type, off = p.p_offset, size = p.p_filesz;
		} else {
			Elf32_Phdr p;
			memcpy(&p, ph, sizeof(p));
			type = p.p_type, off = p.p_offset, size = p.p_filesz;
		}
		if (type != PT_INTERP)
			continue;
		if (size < 2 || size > sizeof(interp))
			goto out;
		n = pread(fd, interp, (size_t)size, (off_t)off);
		if (n != (ssize_t)size || interp[size - 1] != '\0' || interp[0] != '/')
			goto out;
		if (realpath(interp, real))
			ret = xstrdup(real);
		goto out;
	}
out:
	close(fd);
	return ret;
}

/*
 * The kernel loads an executable's ELF interpreter (ld.so) without a system call, so the
 * trail never shows it.  The policy language asks only `read` of it (sysward.policy(5)), but
 * the Landlock backstop, built from the policy, lets the kernel open it for execution only
 * with `exec` (open_exec of PT_INTERP needs LANDLOCK_ACCESS_FS_EXECUTE): grant exec on the
 * interpreter of every executable the run ran, read from the file as it is now.
 */
static void add_interpreters(struct learn *l)
{
	uint32_t n = l->items.n;

	for (uint32_t i = 0; i < n; i++) {
		struct item it;
		char *interp;

		if (l->items.kind[i] != IT_PATH)
			continue;
		it = *(struct item *)smap_val(&l->items, i);
		if (!(it.acc & POL_EXEC) || !(interp = elf_interp(l->items.key[i])))
			continue;
		{
			bool added;
			uint32_t v = smap_add(&l->items, IT_PATH, interp, strlen(interp), &added);
			struct item *ii;

			if (v == NONE) {
				l->overflow++;
			} else {
				ii = smap_val(&l->items, v);
				item_use(ii, &it.first);
				ii->acc |= POL_EXEC;
				ii->flags |= IF_INTERP;
			}
		}
		free(interp);
	}
}

/* ---- secrets: what the default profile denies by a rule of its own ------------------------ */

/* Does one component pattern (canonical text, fnmatch syntax but for \xNN) match s? */
static bool comp_match(const char *pat, size_t pl, const char *s, size_t sl)
{
	char p[NAME_MAX * 4 + 1], t[NAME_MAX * 4 + 1];

	if (pl >= sizeof(p) || sl >= sizeof(t) || memmem(pat, pl, "\\x", 2))
		return true; /* cannot tell: assume it may match */
	memcpy(p, pat, pl);
	p[pl] = '\0';
	memcpy(t, s, sl);
	t[sl] = '\0';
	return fnmatch(p, t, 0) == 0;
}

/* Could pattern g match dir itself or anything under it? */
static bool could_match_below(const char *g, const char *dir)
{
	const char *gp = g, *dp = dir;

	for (;;) {
		const char *ge, *de;

		while (*dp == '/')
			dp++;
		while (*gp == '/')
			gp++;
		if (!*dp)
			return true; /* all of dir matched */
		if (!*gp)
			return false; /* the pattern names something above dir */
		ge = strchrnul(gp, '/');
		de = strchrnul(dp, '/');
		if (ge - gp == 2 && gp[0] == '*' && gp[1] == '*')
			return true;
		if (!comp_match(gp, (size_t)(ge - gp), dp, (size_t)(de - dp)))
			return false;
		gp = ge;
		dp = de;
	}
}

static bool is_secret_rule(const struct pol_rule *r)
{
	return r->kind == RULE_PATH && r->action != POL_ALLOW && (r->path.access & POL_READ);
}

/* Could a secret lie in dir or under it? */
static bool secret_below(const struct learn *l, const char *dir)
{
	for (size_t i = 0; i < l->profile->nrules; i++) {
		const struct pol_rule *r = &l->profile->rules[i];
		if (is_secret_rule(r) && could_match_below(pol_glob_text(r->path.glob), dir))
			return true;
	}
	return false;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The working directory may be granted whole when no secret can lie under it, not
 * counting a whole-tree secret it lies in (all of /home, for a cwd in a home directory: the
 * tracer's own cwd rule wins over it too) -- and never when it is `/`. */
static bool cwd_grantable(const struct learn *l)
{
	if (!l->cwd || !strcmp(l->cwd, "/"))
		return false;
	for (size_t i = 0; i < l->profile->nrules; i++) {
		const struct pol_rule *r = &l->profile->rules[i];
		const char *lit;
		size_t len;

		if (!is_secret_rule(r))
			continue;
		if (pol_glob_shape(r->path.glob, &lit, &len) == POL_GLOB_PREFIX &&
		    under(l->cwd, len ? lit : "/"))
			continue;
		if (could_match_below(pol_glob_text(r->path.glob), l->cwd))
			return false;
	}
	return true;
}

/* Does the default profile refuse reading path by a rule of its own? */
static bool profile_secret(const struct learn *l, const char *path)
{
	struct pol_request req = {
	    .kind = POL_REQ_PATH,
	    .syscall = "openat",
	    .access = POL_READ,
	    .path = path,
	};
	struct pol_verdict v;

	policy_eval(l->profile, &req, &v);
	return v.action != POL_ALLOW && v.file != NULL;
}

/* ---- classify and emit -------------------------------------------------------------------- */

/* The processes behind one rule. */
struct agg {
	uint64_t names;
	unsigned acc;
	struct use first;
	uint32_t *procs;
	uint32_t n, cap;
	bool more, denied;
	uint32_t last; /* item last added + 1: a name counts once */
};

static void agg_add(struct agg *a, uint32_t idx, const struct item *it, unsigned acc)
{
	a->acc |= acc;
	if (a->last == idx + 1)
		return;
	a->last = idx + 1;
	a->names++;
	if (it->first.seq && (!a->first.seq || it->first.seq < a->first.seq))
		a->first = it->first;
	a->more |= it->more;
	a->denied |= (it->flags & IF_DENIED) != 0;
	if (!it->nprocs)
		return;
	if (a->n + it->nprocs > a->cap) {
		a->cap = (a->n + it->nprocs) * 2;
		a->procs = xrealloc(a->procs, a->cap * sizeof(*a->procs));
	}
	memcpy(a->procs + a->n, it->procs, it->nprocs * sizeof(*a->procs));
	a->n += it->nprocs;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* "pid N EXE (+K more processes)[; the run's policy denied it]" */
static void put_users(const struct learn *l, struct sbuf *b, struct agg *a)
{
	uint32_t distinct = 0;

	if (a->n)
		qsort(a->procs, a->n, sizeof(*a->procs), cmp_u32);
	for (uint32_t i = 0; i < a->n; i++)
		if (i == 0 || a->procs[i] != a->procs[i - 1])
			distinct++;
	if (a->first.proc == NONE || !a->first.seq) {
		sb_puts(b, "pid ?");
	} else {
		const struct proc *pr = proc_at(l, a->first.proc);
		const char *exe = a->first.exe ? a->first.exe : pr->first_exe;

		sb_printf(b, "pid %d ", (int)pr->pid);
		if (exe)
			put_comment_text(b, exe, strlen(exe));
		else
			sb_puts(b, "(never exec'd)");
	}
	if (distinct > 1 || a->more)
		sb_printf(b, " (+%u%s more process%s)", distinct ? distinct - 1 : 0,
			  a->more ? " or" : "", distinct == 2 && !a->more ? "" : "es");
	if (a->denied)
		sb_puts(b, "; the run's policy denied it");
}

enum section { S_REDIRECT, S_CWD, S_FILES, S_NET, S_SOCKET, S_SYSCALL, S__COUNT };

static const char *const section_title[S__COUNT] = {
    "redirects (applied before the rules)",
    "the working directory",
    "files",
    "network",
    "socket families",
    "system calls judged by syscall rules only",
};

struct rule {
	int sec;
	char *stmt;
	char *comment;
};

struct rules {
	struct rule *v;
	size_t n, cap;
};

static void rules_add(struct rules *rs, int sec, char *stmt, char *comment)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = (struct rule){sec, stmt, comment};
}

static int cmp_rule(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec - y->sec;
	return strcmp(x->stmt, y->stmt);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A rule made from several names: a collapsed directory, a temporary pattern, ... */
struct group {
	struct agg agg;
	const char *what; /* comment prefix */
};

static struct group *group_get(struct smap *groups, const char *pattern, const char *what)
{
	bool added;
	uint32_t v = smap_add(groups, 0, pattern, strlen(pattern), &added);
	struct group *g;

	if (v == NONE)
		return NULL;
	g = smap_val(groups, v);
	if (added)
		g->what = what;
	return g;
}

static void groups_emit(const struct learn *l, struct smap *groups, struct rules *rs, int sec)
{
	for (uint32_t i = 0; i < groups->n; i++) {
		struct group *g = smap_val(groups, i);
		struct sbuf st = {0}, c = {0};

		if (g->agg.names) {
			sb_printf(&st, "allow %s %s", acc_words(g->agg.acc), groups->key[i]);
			sb_printf(&c, "%s, %llu name%s; ", g->what,
				  (unsigned long long)g->agg.names, g->agg.names == 1 ? "" : "s");
			put_users(l, &c, &g->agg);
			rules_add(rs, sec, sb_take(&st), sb_take(&c));
		}
		free(g->agg.procs);
	}
}

/* Parent directory of an absolute path ("/" for "/x"); malloc'd. */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash && slash > path ? (size_t)(slash - path) : 1;
	char *d = xmalloc(n + 1);

	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

/* Pattern text for everything under dir: "DIR/" + tail (no double slash for the root). */
static char *pattern_under(const char *dir, const char *tail_literal, const char *tail_glob)
{
	struct sbuf b = {0};

	if (strcmp(dir, "/") != 0)
		put_literal(&b, dir, strlen(dir));
	sb_puts(&b, tail_glob);
	if (tail_literal)
		put_literal(&b, tail_literal, strlen(tail_literal));
	return sb_take(&b);
}

/* ".s" of "cciJzMdJ.s": an extension of 1 to 8 letters and digits, at least one letter
 * and at most two digits (".tmp4711" looks random), else "". */
static const char *extension(const char *name)
{
	const char *dot = strrchr(name, '.');
	unsigned letters = 0, digits = 0;
	size_t n;

	if (!dot || dot == name)
		return "";
	n = strlen(dot + 1);
	if (n < 1 || n > 8)
		return "";
	for (const char *c = dot + 1; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))
			letters++;
		else if (*c >= '0' && *c <= '9')
			digits++;
		else
			return "";
	}
	return letters && digits <= 2 ? dot : "";
}

/* A /proc/PID[/...] of one of the run's processes: what follows the pid, else NULL. */
static const char *own_proc_rest(const struct learn *l, const char *path)
{
	const char *s = path + 6;
	long long pid = 0;
	int32_t p;

	if (strncmp(path, "/proc/", 6) != 0 || *s < '1' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9' && pid <= INT32_MAX)
		pid = pid * 10 + (*s++ - '0');
	if ((*s != '/' && *s) || pid > INT32_MAX)
		return NULL;
	p = (int32_t)pid;
	return smap_find(&l->procs, 0, (const char *)&p, sizeof(p)) == NONE ? NULL : s;
}

/* "/proc/" STAR REST, with task/TID turned into task/STAR too. */
static char *own_proc_pattern(const char *rest)
{
	struct sbuf b = {0};

	sb_puts(&b, "/proc/*");
	if (strncmp(rest, "/task/", 6) == 0 && rest[6] >= '1' && rest[6] <= '9') {
		const char *s = rest + 6;
		while (*s >= '0' && *s <= '9')
			s++;
		if (*s == '/' || !*s) {
			sb_puts(&b, "/task/*");
			rest = s;
		}
	}
	put_literal(&b, rest, strlen(rest));
	return sb_take(&b);
}

enum pclass { PC_NONE, PC_OWN_READ, PC_OWN, PC_SECRET, PC_CWD, PC_FILE };

struct dir {
	uint32_t cnt[3]; /* names directly inside used for read (or write), write, exec */
	uint8_t coll;	 /* pol_access bits collapsed */
	uint8_t secret;	 /* 0 unknown, 1 a secret may lie under it, 2 none can */
};

static const unsigned acc_bit[3] = {POL_READ, POL_WRITE, POL_EXEC};

struct emit {
	struct learn *l;
	uint32_t n;	  /* items */
	uint8_t *pclass;  /* enum pclass per item */
	uint32_t *tgroup; /* PC_FILE: the temporary item whose pattern covers it, or NONE */
	bool *has_desc;	  /* a temporary item with names under it: a directory */
	struct agg cwd;
	struct smap own, tmp, dirs, coll; /* struct group (dirs: struct dir) */
	struct rules rules;
	char **secrets; /* comment lines */
	size_t nsecrets, capsecrets;
	uint64_t own_reads;
};

static bool transient(const struct item *it)
{
	return (it->flags & (IF_CREATED | IF_REMOVED)) == (IF_CREATED | IF_REMOVED);
}

static void secret_note(struct emit *e, uint32_t i, const char *why)
{
	const struct learn *l = e->l;
	const struct item *it = smap_val(&l->items, i);
	struct sbuf b = {0};
	struct agg a = {0};

	agg_add(&a, i, it, it->acc);
	a.denied = false;
	sb_printf(&b, "# left denied: the run tried to %s ", acc_words(it->acc));
	put_comment_text(&b, l->items.key[i], l->items.klen[i]);
	sb_puts(&b, " (");
	put_users(l, &b, &a);
	sb_printf(&b, "): %s", why);
	free(a.procs);
	if (e->nsecrets == e->capsecrets) {
		e->capsecrets = e->capsecrets ? e->capsecrets * 2 : 32;
		e->secrets = xrealloc(e->secrets, e->capsecrets * sizeof(*e->secrets));
	}
	e->secrets[e->nsecrets++] = sb_take(&b);
}

/* Each name: the run's own /proc entry, a secret, in the working directory, or a file. */
static void classify(struct emit *e)
{
	struct learn *l = e->l;

	for (uint32_t i = 0; i < e->n; i++) {
		struct item *it = smap_val(&l->items, i);
		const char *path = l->items.key[i];
		const char *rest;

		if (l->items.kind[i] != IT_PATH)
			continue;
		if ((rest = own_proc_rest(l, path))) {
			char *pat;
			struct group *g;

			if (!(it->acc & ~(unsigned)POL_READ)) {
				e->pclass[i] = PC_OWN_READ; /* the tracer allows these itself */
				e->own_reads++;
				continue;
			}
			if (profile_secret(l, path)) {
				e->pclass[i] = PC_SECRET;
				secret_note(
				    e, i,
				    "a process's own environ, mem or fd, which a rule could "
				    "only grant for every process");
				continue;
			}
			e->pclass[i] = PC_OWN;
			pat = own_proc_pattern(rest);
			g = group_get(&e->own, pat,
				      "own /proc entries; pids change between runs, so this names "
				      "every process's");
			if (g)
				agg_add(&g->agg, i, it, it->acc);
			free(pat);
			continue;
		}
		if (l->cwd_ok && under(path, l->cwd)) {
			e->pclass[i] = PC_CWD;
			agg_add(&e->cwd, i, it, it->acc);
			continue;
		}
		if (profile_secret(l, path)) {
			e->pclass[i] = PC_SECRET;
			secret_note(e, i, "a secret the default profile protects");
			continue;
		}
		e->pclass[i] = PC_FILE;
	}
}

/* Temporary names: created and removed by the run, different in every run. */
static void temporaries(struct emit *e)
{
	struct learn *l = e->l;

	for (uint32_t i = 0; i < e->n; i++) {
		const char *path = l->items.key[i];

		e->tgroup[i] = NONE;
		if (e->pclass[i] != PC_FILE)
			continue;
		/* the topmost temporary name above it: a temporary directory */
		for (const char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
			uint32_t j = smap_find(&l->items, IT_PATH, path, (size_t)(s - path));
			if (j != NONE && e->pclass[j] == PC_FILE &&
			    transient(smap_val(&l->items, j))) {
				e->tgroup[i] = j;
				e->has_desc[j] = true;
				break;
			}
		}
	}
	for (uint32_t i = 0; i < e->n; i++)
		if (e->pclass[i] == PC_FILE && e->tgroup[i] == NONE &&
		    transient(smap_val(&l->items, i)))
			e->tgroup[i] = i;
	for (uint32_t i = 0; i < e->n; i++) {
		uint32_t t = e->tgroup[i];
		const struct item *ti, *it = smap_val(&l->items, i);
		char *parent, *pat;
		struct group *g;

		if (t == NONE)
			continue;
		ti = smap_val(&l->items, t);
		parent = parent_of(l->items.key[t]);
		if (secret_below(l, parent)) {
			e->tgroup[i] = NONE; /* a pattern there could reach a secret: exact names */
			free(parent);
			continue;
		}
		if ((ti->flags & IF_DIR) || e->has_desc[t])
			pat = pattern_under(parent, NULL, "/*/**");
		else
			pat = pattern_under(parent, extension(strrchr(l->items.key[t], '/') + 1),
					    "/*");
		g = group_get(&e->tmp, pat, "temporary: created and removed by the run");
		if (g)
			agg_add(&g->agg, i, it, it->acc);
		free(pat);
		free(parent);
	}
}

/* The directory entry for dir, or NULL. */
static struct dir *dir_find(struct smap *dirs, const char *dir, size_t n)
{
	uint32_t d = smap_find(dirs, 0, n ? dir : "/", n ? n : 1);

	return d == NONE ? NULL : smap_val(dirs, d);
}

/* DIR/STAR-STAR where LEARN_COLLAPSE_MIN names directly inside DIR were used alike, then
 * what is left by name. */
static void collapse(struct emit *e)
{
	struct learn *l = e->l;

	for (uint32_t i = 0; i < e->n; i++) {
		const struct item *it = smap_val(&l->items, i);
		char *parent;
		bool added;
		uint32_t d;

		if (e->pclass[i] != PC_FILE || e->tgroup[i] != NONE)
			continue;
		parent = parent_of(l->items.key[i]);
		d = smap_add(&e->dirs, 0, parent, strlen(parent), &added);
		free(parent);
		for (int b = 0; d != NONE && b < 3; b++) {
			unsigned want = b == 0 ? (POL_READ | POL_WRITE) : acc_bit[b];
			if (it->acc & want)
				((struct dir *)smap_val(&e->dirs, d))->cnt[b]++;
		}
	}
	for (uint32_t d = 0; d < e->dirs.n; d++) {
		struct dir *dr = smap_val(&e->dirs, d);

		for (int b = 0; b < 3; b++) {
			if (dr->cnt[b] < LEARN_COLLAPSE_MIN)
				continue;
			if (!dr->secret)
				dr->secret = secret_below(l, e->dirs.key[d]) ? 1 : 2;
			if (dr->secret == 2)
				dr->coll |= (uint8_t)acc_bit[b];
		}
	}
	/* each access of each name: the topmost collapsed directory that covers it (a
	 * directory's own pattern covers it too), or its own rule */
	for (uint32_t i = 0; i < e->n; i++) {
		struct item *it = smap_val(&l->items, i);
		const char *path = l->items.key[i];
		unsigned rem = it->acc;

		if (e->pclass[i] != PC_FILE || e->tgroup[i] != NONE)
			continue;
		for (const char *s = path;; s = strchr(s + 1, '/')) {
			size_t n = s ? (size_t)(s - path) : strlen(path);
			struct dir *dr = dir_find(&e->dirs, path, n);

			for (int b = 0; dr && dr->coll && b < 3; b++) {
				unsigned bit = acc_bit[b], by = 0;
				char *dir, *pat;
				struct group *g;

				if (!(rem & bit))
					continue;
				if (bit == POL_READ && (dr->coll & POL_WRITE))
					by = POL_WRITE; /* an allow write covers reading */
				else if (dr->coll & bit)
					by = bit;
				if (!by)
					continue;
				dir = xmalloc(n + 2);
				memcpy(dir, n ? path : "/", n ? n : 1);
				dir[n ? n : 1] = '\0';
				pat = pattern_under(dir, NULL, "/**");
				g = group_get(
				    &e->coll, pat,
				    "collapsed: at least " STRINGIFY(
					LEARN_COLLAPSE_MIN) " names directly in it used alike");
				if (g)
					agg_add(&g->agg, i, it, by);
				rem &= ~bit;
				if (by == POL_WRITE)
					rem &= ~(unsigned)POL_READ;
				free(pat);
				free(dir);
			}
			if (!s)
				break;
		}
		if (rem) {
			struct sbuf st = {0}, c = {0};
			struct agg a = {0};

			sb_printf(&st, "allow %s ", acc_words(rem));
			put_literal(&st, path, l->items.klen[i]);
			agg_add(&a, i, it, rem);
			if (it->flags & IF_INTERP)
				sb_puts(&c, "ELF interpreter, loaded by the kernel: the Landlock "
					    "backstop needs exec on it; ");
			put_users(l, &c, &a);
			free(a.procs);
			rules_add(&e->rules, S_FILES, sb_take(&st), sb_take(&c));
		}
	}
}

/* Network, socket, syscall and redirect items, and the notes, into rules. */
static void other_items(struct emit *e, char ***notes, size_t *nnotes)
{
	struct learn *l = e->l;
	size_t cap = 0;

	for (uint32_t i = 0; i < e->n; i++) {
		struct item *it = smap_val(&l->items, i);
		const char *key = l->items.key[i];
		struct sbuf st = {0}, c = {0};
		struct agg a = {0};
		int sec;

		switch (l->items.kind[i]) {
		case IT_CONNECT:
			sb_printf(&st, "allow connect %s", key);
			sec = S_NET;
			break;
		case IT_BIND:
			sb_printf(&st, "allow bind %s", key);
			sec = S_NET;
			break;
		case IT_SOCKET:
			sb_printf(&st, "allow socket %s", key);
			sec = S_SOCKET;
			break;
		case IT_SYSCALL:
			sb_printf(&st, "allow syscall %s", key);
			sec = S_SYSCALL;
			break;
		case IT_REDIRECT: {
			size_t fl = strlen(key);
			sb_puts(&st, "redirect ");
			put_literal(&st, key, fl);
			sb_puts(&st, " ");
			put_literal(&st, key + fl + 1, l->items.klen[i] - fl - 1);
			sec = S_REDIRECT;
			break;
		}
		case IT_NOTE:
			agg_add(&a, i, it, 0);
			sb_printf(&c, "# not granted: %s (", key);
			put_users(l, &c, &a);
			sb_puts(&c, ")");
			free(a.procs);
			if (*nnotes == cap) {
				cap = cap ? cap * 2 : 16;
				*notes = xrealloc(*notes, cap * sizeof(**notes));
			}
			(*notes)[(*nnotes)++] = sb_take(&c);
			continue;
		default:
			continue;
		}
		agg_add(&a, i, it, 0);
		put_users(l, &c, &a);
		free(a.procs);
		rules_add(&e->rules, sec, sb_take(&st), sb_take(&c));
	}
}

static void put_rule(struct sbuf *b, const char *stmt, const char *comment)
{
	size_t n = strlen(stmt);

	sb_puts(b, stmt);
	if (comment && *comment)
		sb_printf(b, "%*s# %s", n + 2 < COMMENT_COLUMN ? (int)(COMMENT_COLUMN - n) : 2, "",
			  comment);
	sb_puts(b, "\n");
}

/* The policy text.  Frees what it used of e. */
static char *emit_text(struct emit *e, struct learn_stats *st)
{
	struct learn *l = e->l;
	struct sbuf b = {0};
	char **notes = NULL;
	size_t nnotes = 0;
	int sec = -1;

	classify(e);
	temporaries(e);
	collapse(e);
	other_items(e, &notes, &nnotes);
	groups_emit(l, &e->own, &e->rules, S_FILES);
	groups_emit(l, &e->tmp, &e->rules, S_FILES);
	groups_emit(l, &e->coll, &e->rules, S_FILES);
	if (e->cwd.names) {
		struct sbuf s = {0}, c = {0};

		sb_printf(&s, "allow %s ", acc_words(e->cwd.acc));
		put_literal(&s, l->cwd, strlen(l->cwd));
		sb_puts(&s, "/**");
		sb_printf(&c, "working directory, %llu name%s; ", (unsigned long long)e->cwd.names,
			  e->cwd.names == 1 ? "" : "s");
		put_users(l, &c, &e->cwd);
		rules_add(&e->rules, S_CWD, sb_take(&s), sb_take(&c));
	}
	free(e->cwd.procs);
	if (e->rules.n)
		qsort(e->rules.v, e->rules.n, sizeof(*e->rules.v), cmp_rule);
	if (e->nsecrets)
		qsort(e->secrets, e->nsecrets, sizeof(*e->secrets), cmp_str);
	if (nnotes)
		qsort(notes, nnotes, sizeof(*notes), cmp_str);

	/* `default deny` first, then what this is */
	sb_puts(&b, "default deny\n");
	sb_puts(&b, "# Learned by `sysward learn`: the narrowest policy that lets the recorded run "
		    "succeed.\n");
	sb_printf(&b, "# program: %s\n", l->program ? l->program : "?");
	sb_printf(&b, "# argv: %s\n", l->argv ? l->argv : "?");
	if (l->cwd) {
		sb_puts(&b, "# working directory: ");
		put_comment_text(&b, l->cwd, strlen(l->cwd));
		sb_puts(&b,
			l->cwd_ok ? "\n" : " (not granted as a whole: a secret could lie in it)\n");
	}
	sb_puts(&b, "# Names are exact, or DIR/** where at least " STRINGIFY(
			LEARN_COLLAPSE_MIN) " names directly in DIR were used alike,\n"
					    "# or DIR/*.EXT for temporary names.  Each comment "
					    "names the first process "
					    "(pid and\n# executable) that needed the rule.\n");
	if (!l->have_end)
		sb_puts(&b, "# The trail has no `end`: sysward was killed; this covers only what "
			    "the trail records.\n");
	if (l->enforced)
		sb_puts(&b,
			"# The trail was recorded in enforce mode: what its policy refused failed "
			"then, so the\n# program may need more than this; learn from an audit-mode "
			"run (--mode audit).\n");
	if (e->own_reads)
		sb_printf(&b,
			  "# %llu of the run's own /proc entries were read: the tracer allows "
			  "that in every run.\n",
			  (unsigned long long)e->own_reads);
	st->rules = 1;
	for (size_t i = 0; i < e->rules.n; i++) {
		struct rule *r = &e->rules.v[i];

		if (r->sec != sec) {
			sec = r->sec;
			sb_printf(&b, "\n# ---- %s ----\n", section_title[sec]);
		}
		put_rule(&b, r->stmt, r->comment);
		st->rules++;
		free(r->stmt);
		free(r->comment);
	}
	if (e->nsecrets || nnotes)
		sb_puts(&b, "\n# ---- left denied ----\n");
	for (size_t i = 0; i < e->nsecrets; i++) {
		if (i < LEARN_MAX_NOTES)
			sb_printf(&b, "%s\n", e->secrets[i]);
		free(e->secrets[i]);
	}
	if (e->nsecrets > LEARN_MAX_NOTES)
		sb_printf(&b, "# left denied: %zu more names the default profile protects\n",
			  e->nsecrets - LEARN_MAX_NOTES);
	for (size_t i = 0; i < nnotes; i++) {
		if (i < LEARN_MAX_NOTES)
			sb_printf(&b, "%s\n", notes[i]);
		free(notes[i]);
	}
	if (nnotes > LEARN_MAX_NOTES)
		sb_printf(&b, "# not granted: %zu more (not listed)\n", nnotes - LEARN_MAX_NOTES);
	st->secrets = (unsigned)e->nsecrets;
	st->notes = (unsigned)nnotes;
	free(notes);
	free(e->secrets);
	free(e->rules.v);
	return sb_take(&b);
}

/* The learned text must load, allow every name it was learned from, and deny the secrets. */
static int self_check(const struct emit *e, const char *text, char *err, size_t errsz)
{
	const struct learn *l = e->l;
	struct policy *p = policy_new();
	struct pol_error perr;
	int ret = 0;

	if (policy_load_string(p, "<learned>", text, &perr) < 0) {
		snprintf(err, errsz, "the learned policy does not load: %s", perr.msg);
		policy_free(p);
		return -EPROTO;
	}
	for (uint32_t i = 0; i < e->n && !ret; i++) {
		const struct item *it = smap_val(&l->items, i);
		struct pol_request req = {
		    .kind = POL_REQ_PATH,
		    .syscall = "openat",
		    .path = l->items.key[i],
		};
		struct pol_verdict v;
		bool want;

		if (e->pclass[i] == PC_SECRET) {
			req.access = POL_READ;
			want = false;
		} else if (e->pclass[i] == PC_CWD || e->pclass[i] == PC_FILE ||
			   e->pclass[i] == PC_OWN) {
			req.access = it->acc;
			want = true;
		} else {
			continue;
		}
		policy_eval(p, &req, &v);
		if ((v.action == POL_ALLOW) != want) {
			snprintf(err, errsz, "the learned policy %s %s %s",
				 want ? "does not allow" : "allows", acc_words(it->acc),
				 l->items.key[i]);
			ret = -EPROTO;
		}
	}
	policy_free(p);
	return ret;
}

static void learn_free(struct learn *l)
{
	for (uint32_t i = 0; i < l->items.n; i++)
		free(((struct item *)smap_val(&l->items, i))->procs);
	smap_free(&l->items);
	smap_free(&l->procs);
	smap_free(&l->rows);
	for (size_t i = 0; i < l->nstrs; i++)
		free(l->strs[i]);
	free(l->strs);
	free(l->cwd);
	free(l->program);
	free(l->argv);
	policy_free(l->profile);
}

/* Read every line of the trail into l.  0 or -errno with err. */
static int ingest(struct learn *l, int fd, const char *name, char *err, size_t errsz)
{
	struct jsonl p;
	struct jsonl_reader rd;
	int ret = 0;

	if (jsonl_init(&p, LEARN_MAX_LINE, LEARN_MAX_DEPTH, LEARN_MAX_VALUES) < 0 ||
	    jsonl_reader_init(&rd, fd, LEARN_MAX_LINE) < 0) {
		jsonl_free(&p);
		snprintf(err, errsz, "out of memory");
		return -ENOMEM;
	}
	for (;;) {
		const struct jv *root;
		const char *line;
		size_t len;
		int rc = jsonl_read(&rd, &line, &len);

		if (rc == 0)
			break;
		if (rc == -E2BIG) {
			l->too_long++;
			continue;
		}
		if (rc < 0) {
			snprintf(err, errsz, "%s: %s", name, strerror(-rc));
			ret = -EIO;
			break;
		}
		l->lines++;
		rc = jsonl_parse(&p, line, len, &root);
		if (rc == -ENODATA)
			continue;
		if (rc == -ENOMEM) {
			snprintf(err, errsz, "out of memory");
			ret = -ENOMEM;
			break;
		}
		if (rc < 0 || root->type != JV_OBJECT || on_event(l, &p, root) < 0) {
			if (!l->invalid++) {
				l->first_invalid = rd.lineno;
				snprintf(l->invalid_msg, sizeof(l->invalid_msg), "%s",
					 rc < 0 ? jsonl_error(&p) : "not an event");
			}
		}
	}
	jsonl_reader_free(&rd);
	jsonl_free(&p);
	if (!ret && !l->have_start) {
		snprintf(err, errsz, "%s: not an audit trail of sysward (no `start` event)", name);
		ret = -EINVAL;
	}
	if (!ret && l->overflow) {
		snprintf(err, errsz, "%s: more than %u distinct names: too many to learn a policy",
			 name, LEARN_MAX_NAMES);
		ret = -E2BIG;
	}
	if (!ret && l->invalid)
		warnx_("learn: %s: skipped %llu invalid line%s (first: line %llu: %s)", name,
		       (unsigned long long)l->invalid, l->invalid == 1 ? "" : "s",
		       (unsigned long long)l->first_invalid, l->invalid_msg);
	if (!ret && l->enforced)
		warnx_("learn: %s was recorded in enforce mode: refused calls failed in that run, "
		       "so the policy may miss what the program does when they succeed",
		       name);
	if (!ret && l->too_long)
		warnx_("learn: %s: skipped %llu line%s longer than %u bytes: the policy may lack "
		       "what they recorded",
		       name, (unsigned long long)l->too_long, l->too_long == 1 ? "" : "s",
		       LEARN_MAX_LINE);
	return ret;
}

int learn_trail(int fd, const char *name, FILE *out, struct learn_stats *stats, char *err,
		size_t errsz)
{
	struct learn l;
	struct emit e;
	struct pol_error perr;
	struct learn_stats dummy;
	char *text = NULL;
	int ret;

	memset(&l, 0, sizeof(l));
	memset(&e, 0, sizeof(e));
	err[0] = '\0';
	if (!stats)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	l.items.vsize = sizeof(struct item);
	l.procs.vsize = sizeof(struct proc);
	l.rows.vsize = sizeof(const struct sc_row *);
	l.profile = policy_new();
	if (policy_load_profile(l.profile, "default", &perr) < 0) {
		snprintf(err, errsz,
			 "the default profile, which says what is secret, cannot be "
			 "loaded: %s",
			 perr.msg);
		ret = -ENOENT;
		goto out;
	}
	if ((ret = ingest(&l, fd, name, err, errsz)) < 0)
		goto out;
	add_interpreters(&l);
	l.cwd_ok = cwd_grantable(&l);

	e.l = &l;
	e.n = l.items.n;
	e.pclass = xcalloc(e.n + 1, sizeof(*e.pclass));
	e.tgroup = xcalloc(e.n + 1, sizeof(*e.tgroup));
	e.has_desc = xcalloc(e.n + 1, sizeof(*e.has_desc));
	e.own.vsize = e.tmp.vsize = e.coll.vsize = sizeof(struct group);
	e.dirs.vsize = sizeof(struct dir);
	text = emit_text(&e, stats);
	if ((ret = self_check(&e, text, err, errsz)) < 0)
		goto out;
	if (fputs(text, out) == EOF || fflush(out) == EOF) {
		snprintf(err, errsz, "writing the policy: %s", strerror(errno));
		ret = -EIO;
	}
out:
	free(text);
	free(e.pclass);
	free(e.tgroup);
	free(e.has_desc);
	smap_free(&e.own);
	smap_free(&e.tmp);
	smap_free(&e.dirs);
	smap_free(&e.coll);
	learn_free(&l);
	return ret;
}

/* ---- the command ---------------------------------------------------------------------------- */

static bool run_options_given(const struct options *o)
{
	struct settings none;

	memset(&none, 0, sizeof(none));
	return o->n_policy || o->profile || o->audit_path || o->result_path || o->chdir ||
	       o->n_env || o->clear_env || o->no_backstops || o->net != NET_UNSET ||
	       memcmp(&o->cli, &none, sizeof(none)) != 0;
}

int learn_form(const struct options *o, enum learn_form *form, char *err, size_t errsz)
{
	/* cli.c leaves argv just past the options: a `--` that ended them is right before,
	 * unless that word was the value of -o (`-o --`) */
	const char *before = o->argc > 0 ? o->argv[-1] : NULL;
	bool dashdash = before && strcmp(before, "--") == 0 && before != o->learn_out;
	size_t n;

	err[0] = '\0';
	if (o->argc < 1) {
		snprintf(err, errsz,
			 "learn: nothing to learn from (usage: sysward learn -o POLICY "
			 "[OPTIONS] -- PROGRAM [ARGS...], or sysward learn -o POLICY AUDIT.jsonl)");
		return -EINVAL;
	}
	if (dashdash) {
		*form = LEARN_FROM_RUN;
		return 0;
	}
	n = strlen(o->argv[0]);
	if (o->argc != 1 || n < 7 || strcmp(o->argv[0] + n - 6, ".jsonl") != 0) {
		snprintf(err, errsz,
			 "learn: '%s' is not an audit trail (AUDIT.jsonl); to learn "
			 "from a run, put -- before the program: sysward learn -o POLICY [OPTIONS] "
			 "-- PROGRAM [ARGS...]",
			 o->argv[0]);
		return -EINVAL;
	}
	if (run_options_given(o)) {
		snprintf(err, errsz,
			 "learn: run options apply only when learning from a run "
			 "(sysward learn -o POLICY [OPTIONS] -- PROGRAM ...), not from %s",
			 o->argv[0]);
		return -EINVAL;
	}
	*form = LEARN_FROM_TRAIL;
	return 0;
}

/* An unnamed file for the trail, which the program cannot reach by any name. */
static int unnamed_trail(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd < 0 ? -errno : fd;
	snprintf(path, sizeof(path), "%s/sysward-learn.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

/* Learn from fd and write the policy to o->learn_out (atomically; `-` for stdout). */
static int write_policy(const struct options *o, int fd, const char *name)
{
	struct learn_stats st;
	char err[1024], tmp[PATH_MAX];
	FILE *out;
	int tfd, e;

	if (strcmp(o->learn_out, "-") == 0) {
		if (learn_trail(fd, name, stdout, &st, err, sizeof(err)) < 0) {
			warnx_("learn: %s", err);
			return -1;
		}
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", o->learn_out) >= (int)sizeof(tmp)) {
		warnx_("learn: -o %s: name too long", o->learn_out);
		return -1;
	}
	tfd = mkostemp(tmp, O_CLOEXEC);
	if (tfd < 0) {
		warnx_("learn: -o %s: %s", o->learn_out, strerror(errno));
		return -1;
	}
	{
		mode_t mask = umask(0);
		umask(mask);
		fchmod(tfd, 0666 & ~mask); /* as a plain creat() would; mkostemp gives 0600 */
	}
	out = fdopen(tfd, "w");
	if (!out) {
		warnx_("learn: -o %s: %s", o->learn_out, strerror(errno));
		close(tfd);
		unlink(tmp);
		return -1;
	}
	e = learn_trail(fd, name, out, &st, err, sizeof(err));
	if (fclose(out) != 0 && e == 0) {
		snprintf(err, sizeof(err), "-o %s: %s", o->learn_out, strerror(errno));
		e = -EIO;
	}
	if (e == 0 && rename(tmp, o->learn_out) < 0) {
		snprintf(err, sizeof(err), "-o %s: %s", o->learn_out, strerror(errno));
		e = -errno;
	}
	if (e < 0) {
		unlink(tmp);
		warnx_("learn: %s", err);
		return -1;
	}
	fprintf(stderr, "sysward: learn: wrote %s: %u statements; %u secret%s left denied%s\n",
		o->learn_out, st.rules, st.secrets, st.secrets == 1 ? "" : "s",
		st.notes ? "; see its `not granted` comments" : "");
	return 0;
}

int learn_main(const struct options *o)
{
	enum learn_form form;
	char err[1024];
	int fd, status;

	if (learn_form(o, &form, err, sizeof(err)) < 0) {
		warnx_("%s", err);
		return EXIT_SYSWARD_FAILED;
	}
	if (form == LEARN_FROM_TRAIL) {
		fd = open(o->argv[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			warnx_("learn: %s: %s", o->argv[0], strerror(errno));
			return EXIT_SYSWARD_FAILED;
		}
		status = write_policy(o, fd, o->argv[0]) < 0 ? EXIT_SYSWARD_FAILED : 0;
		close(fd);
		return status;
	}

	{
		struct options ro = *o;
		char path[64];

		if (o->audit_path && strcmp(o->audit_path, "-") == 0) {
			warnx_("learn: -a -: the trail must go to a file to be learned from");
			return EXIT_SYSWARD_FAILED;
		}
		ro.cmd = CMD_RUN;
		ro.cli.mode = MODE_AUDIT; /* log every decision, deny nothing */
		if (!ro.profile && ro.n_policy == 0)
			ro.profile = "default";
		fd = -1;
		if (!o->audit_path) {
			fd = unnamed_trail();
			if (fd < 0) {
				warnx_("learn: cannot create a temporary file for the trail: %s",
				       strerror(-fd));
				return EXIT_SYSWARD_FAILED;
			}
			/* the tracer's own fd: the program's /proc/self is its own */
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			ro.audit_path = path;
		}
		status = run_main(&ro);
		if (status == EXIT_SYSWARD_FAILED) {
			warnx_("learn: the run failed (status 125): no policy written");
			if (fd >= 0)
				close(fd);
			return EXIT_SYSWARD_FAILED;
		}
		if (fd < 0)
			fd = open(o->audit_path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		else if (lseek(fd, 0, SEEK_SET) < 0) {
			close(fd);
			fd = -1;
		}
		if (fd < 0) {
			warnx_("learn: cannot read the trail back: %s", strerror(errno));
			return EXIT_SYSWARD_FAILED;
		}
		if (write_policy(o, fd, o->audit_path ? o->audit_path : "the run's trail") < 0)
			status = EXIT_SYSWARD_FAILED;
		close(fd);
		return status;
	}
}
