/*
 * report: statistics, process tree and denials of an audit trail, as text, JSON or HTML,
 * and the difference between two trails (see report.h and INTERFACE.md).
 *
 * One pass over the trail fills a struct run: fixed-size counters, a few hash tables with
 * a cap on their entries, and a string pool with a byte budget.  Nothing grows with the
 * number of lines.  When a table is full, later distinct keys are counted through a set of
 * 64-bit fingerprints (itself capped; past it the count is a lower bound).
 */
#include "tools/report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/systab.h"
#include "supervisor/decode.h"
#include "supervisor/json.h"
#include "supervisor/util.h"
#include "tools/jsonl.h"

#define REPORT_START_ARGV 64	   /* arguments of the start event kept */
#define REPORT_ARGS_MAX 256	   /* bytes of an exec's abbreviated arguments */
#define REPORT_FIELDS 16	   /* scalar fields kept of a limit or end event */
#define REPORT_BUCKETS 120	   /* timeline resolution */
#define REPORT_FP_SLOTS (1u << 19) /* fingerprint set for what did not fit (4 MiB) */
#define POOL_CHUNK (1u << 20)

#define TEXT_ROWS 40	   /* rows per file or address table in text output */
#define TEXT_DENIALS 200   /* denials listed in text output */
#define HTML_ROWS 1000	   /* rows per table in HTML output */
#define HTML_BARS 25	   /* syscalls in the bar chart */
#define TREE_MAX_INDENT 40 /* deeper levels are printed at this depth, marked */
#define JSON_FLUSH (64 * 1024)

/* ---- strings: a pool with a byte budget -------------------------------------------- */

struct rstr {
	uint32_t len;
	bool cut; /* longer in the trail than what is kept */
	char s[]; /* len bytes, then a NUL */
};

struct pool_chunk {
	struct pool_chunk *next;
	size_t used, size;
	char data[];
};

struct pool {
	struct pool_chunk *head;
	size_t total;
};

/* Longest prefix of s[0..n) of at most max bytes that does not split a UTF-8 sequence. */
static size_t utf8_prefix(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* A copy of s[0..n) cut to REPORT_STR_MAX, or NULL when the budget is spent. */
static const struct rstr *pool_str(struct pool *p, const char *s, size_t n, bool cut)
{
	size_t keep = utf8_prefix(s, n, REPORT_STR_MAX);
	size_t need = (sizeof(struct rstr) + keep + 1 + 7) & ~(size_t)7;
	struct rstr *r;

	if (!p->head || p->head->size - p->head->used < need) {
		size_t size = need > POOL_CHUNK ? need : POOL_CHUNK;
		struct pool_chunk *c;

		if (p->total + size > REPORT_POOL_BUDGET)
			return NULL;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = p->head;
		c->used = 0;
		c->size = size;
		p->head = c;
		p->total += size;
	}
	r = (struct rstr *)(p->head->data + p->head->used);
	p->head->used += need;
	r->len = (uint32_t)keep;
	r->cut = cut || keep < n;
	memcpy(r->s, s, keep);
	r->s[keep] = '\0';
	return r;
}

static void pool_free(struct pool *p)
{
	while (p->head) {
		struct pool_chunk *c = p->head;

		p->head = c->next;
		free(c);
	}
	p->total = 0;
}

static bool rstr_eq(const struct rstr *a, const char *s, size_t n)
{
	if (!a)
		return !s;
	return s && a->len == n && memcmp(a->s, s, n) == 0;
}

static bool rstr_same(const struct rstr *a, const struct rstr *b)
{
	return b ? rstr_eq(a, b->s, b->len) : !a;
}

/* ---- hashing, tables and the fingerprint set ---------------------------------------- */

#define HASH_INIT 0xcbf29ce484222325ULL

/* FNV-1a over the bytes and their count (so that field boundaries count). */
static uint64_t hash_add(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	for (unsigned i = 0; i < 4; i++)
		h = (h ^ ((n >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	return h;
}

/* splitmix64 finaliser: every bit of h reaches the low bits the tables index with. */
static uint64_t hash_end(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Open addressing over entry numbers; sized at creation for twice the entry cap. */
struct index {
	uint32_t *slot; /* entry number + 1, 0 when empty */
	uint32_t mask;
};

typedef bool (*index_eq_fn)(const void *table, uint32_t entry, const void *key);

static void index_init(struct index *ix, uint32_t max_entries)
{
	uint32_t n = 16;

	while (n < 2 * max_entries)
		n <<= 1;
	ix->slot = xcalloc(n, sizeof(*ix->slot));
	ix->mask = n - 1;
}

/* The slot holding the entry equal to key, or the empty slot where it would go. */
static uint32_t *index_probe(const struct index *ix, uint64_t hash, index_eq_fn eq,
			     const void *table, const void *key)
{
	for (uint32_t i = (uint32_t)hash & ix->mask;; i = (i + 1) & ix->mask) {
		uint32_t s = ix->slot[i];

		if (!s || eq(table, s - 1, key))
			return &ix->slot[i];
	}
}

/* Distinct keys that did not fit in their table, by 64-bit fingerprint. */
struct fpset {
	uint64_t *slot;
	uint32_t mask, n;
};

/* 1 new, 0 seen before, -ENOSPC the set is full (the key may or may not be new). */
static int fpset_add(struct fpset *f, uint64_t fp)
{
	if (!f->slot) {
		f->slot = xcalloc(REPORT_FP_SLOTS, sizeof(*f->slot));
		f->mask = REPORT_FP_SLOTS - 1;
	}
	if (!fp)
		fp = 1;
	for (uint32_t i = (uint32_t)fp & f->mask;; i = (i + 1) & f->mask) {
		if (f->slot[i] == fp)
			return 0;
		if (!f->slot[i]) {
			if (f->n >= REPORT_FP_SLOTS / 2)
				return -ENOSPC;
			f->slot[i] = fp;
			f->n++;
			return 1;
		}
	}
}

/* What did not fit in a table. */
struct omitted {
	uint64_t distinct; /* distinct keys not kept */
	bool at_least;	   /* the fingerprint set was full: distinct is a lower bound */
};

static void omit(struct fpset *f, struct omitted *o, uint64_t fp)
{
	int r = fpset_add(f, fp);

	if (r > 0)
		o->distinct++;
	else if (r < 0)
		o->at_least = true;
}

/* ---- what one trail says ------------------------------------------------------------ */

enum tclass { TC_READ, TC_WRITE, TC_EXEC, TC_CONNECT, TC_BIND, TC__N };

static const char *const tclass_name[TC__N] = {
    [TC_READ] = "read",	      [TC_WRITE] = "write", [TC_EXEC] = "exec",
    [TC_CONNECT] = "connect", [TC_BIND] = "bind",
};

static const char *const tclass_title[TC__N] = {
    [TC_READ] = "Files read",	     [TC_WRITE] = "Files written",
    [TC_EXEC] = "Programs executed", [TC_CONNECT] = "Addresses connected to",
    [TC_BIND] = "Addresses bound",
};

static bool tclass_is_net(unsigned c)
{
	return c == TC_CONNECT || c == TC_BIND;
}

enum evkind { EV_START, EV_SYSCALL, EV_EXEC, EV_SPAWN, EV_EXIT, EV_LIMIT, EV_END, EV_OTHER, EV__N };

static const char *const ev_name[EV__N] = {
    "start", "syscall", "exec", "spawn", "exit", "limit", "end", "other",
};

enum decision { DEC_ALLOW, DEC_DENY, DEC_KILL, DEC_REWRITE, DEC_OTHER };

static const char *const dec_name[] = {"allow", "deny", "kill", "rewrite", NULL};

enum { PROC_RUNNING, PROC_EXITED, PROC_SIGNALED };

struct proc {
	int32_t pid;
	int32_t parent, first_child, last_child, prev, next; /* node numbers, -1 for none */
	bool spawned;	  /* created by a spawn event (else first seen in another event) */
	uint8_t state;	  /* PROC_* */
	int32_t status;	  /* exit code or signal number */
	uint32_t threads; /* threads spawned besides the first */
	uint32_t execs;
	double first_ts, exit_ts;
	uint64_t syscalls, denied;
	const struct rstr *exec; /* path of the last exec */
	const struct rstr *args; /* its argv[1..], abbreviated, shell-quoted */
};

struct sysc {
	uint64_t hash;
	const struct rstr *name;
	uint8_t classes[2]; /* 1 << TC_* of its first two path arguments, from the syscall table */
	bool open_flags;    /* the first one's classes come from the open flags */
	bool net;	    /* an addr argument is a destination (bind: a local address) */
	uint64_t count, deny, kill, rewrite;
};

struct target {
	uint64_t hash;
	uint8_t cls;
	const struct rstr *name;
	uint64_t count, denied;
};

struct denial {
	uint64_t hash;
	const struct rstr *syscall, *target, *rule, *err; /* NULL: not in the trail */
	uint8_t decision, action;
	int32_t pid;
	double first_ts;
	uint64_t count;
};

struct field {
	const struct rstr *key, *val; /* val: string contents or number text */
	uint8_t type;		      /* enum jv_type */
};

struct fields {
	struct field f[REPORT_FIELDS];
	unsigned n;
};

struct limit_ev {
	double ts;
	int32_t pid;
	struct fields fields;
};

struct timeline {
	double width; /* seconds per bucket, doubled whenever an event falls past the end */
	uint64_t all[REPORT_BUCKETS], denied[REPORT_BUCKETS];
};

struct run {
	const char *file;
	struct pool pool;
	struct fpset fp;

	uint64_t lines, blank, invalid, too_long;
	uint64_t first_invalid, first_too_long; /* line numbers */
	char invalid_msg[96];
	uint64_t events[EV__N];
	double last_ts;

	bool have_start;
	const struct rstr *argv[REPORT_START_ARGV];
	unsigned nargv;
	uint64_t argc;
	const struct rstr *cwd, *policy_sha256, *mode, *version;

	bool have_end;
	double end_ts;
	struct fields end;

	struct proc *procs;
	uint32_t nprocs, cap_procs;
	int32_t root_first, root_last;
	struct index proc_ix;
	struct omitted procs_omitted;
	uint64_t threads;

	struct sysc *sc;
	uint32_t nsc, cap_sc;
	struct index sc_ix;
	struct omitted sc_omitted;
	uint64_t syscalls, denied, killed, rewritten, audit_only;

	struct target *tg;
	uint32_t ntg, cap_tg, ntg_cls[TC__N];
	struct index tg_ix;
	struct omitted tg_omitted[TC__N];

	struct denial *dn;
	uint32_t ndn, cap_dn;
	struct index dn_ix;
	struct omitted dn_omitted;
	uint64_t denials_unlisted; /* denied calls whose key was not kept */

	struct limit_ev limits[REPORT_MAX_LIMITS];
	unsigned nlimits;
	uint64_t limits_omitted;

	struct timeline tl;
};

/* Fingerprint kinds, so that equal strings of different tables differ. */
enum { FP_PROC = 1, FP_SYSCALL, FP_TARGET, FP_DENIAL };

static void run_init(struct run *r, const char *file)
{
	memset(r, 0, sizeof(*r));
	r->file = file;
	r->root_first = r->root_last = -1;
	r->tl.width = 0.001;
	index_init(&r->proc_ix, REPORT_MAX_PROCS);
	index_init(&r->sc_ix, REPORT_MAX_SYSCALLS);
	index_init(&r->tg_ix, REPORT_MAX_TARGETS * TC__N);
	index_init(&r->dn_ix, REPORT_MAX_DENIALS);
}

static void run_free(struct run *r)
{
	pool_free(&r->pool);
	free(r->fp.slot);
	free(r->procs);
	free(r->proc_ix.slot);
	free(r->sc);
	free(r->sc_ix.slot);
	free(r->tg);
	free(r->tg_ix.slot);
	free(r->dn);
	free(r->dn_ix.slot);
	memset(r, 0, sizeof(*r));
}

/* Room for one more entry in a table capped at max: grows by doubling. */
static void *grow(void *arr, uint32_t n, uint32_t *cap, uint32_t max, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : 64;
	if (*cap > max)
		*cap = max;
	return xrealloc(arr, size * *cap);
}

/* ---- timeline ------------------------------------------------------------------------ */

static void timeline_add(struct timeline *t, double ts, bool denied)
{
	size_t i;

	if (!(ts >= 0))
		ts = 0;
	while (ts >= t->width * REPORT_BUCKETS && t->width < 1e9) {
		for (i = 0; i < REPORT_BUCKETS / 2; i++) {
			t->all[i] = t->all[2 * i] + t->all[2 * i + 1];
			t->denied[i] = t->denied[2 * i] + t->denied[2 * i + 1];
		}
		memset(t->all + i, 0, sizeof(t->all[0]) * (REPORT_BUCKETS - i));
		memset(t->denied + i, 0, sizeof(t->denied[0]) * (REPORT_BUCKETS - i));
		t->width *= 2;
	}
	i = (size_t)(ts / t->width);
	if (i >= REPORT_BUCKETS)
		i = REPORT_BUCKETS - 1;
	t->all[i]++;
	if (denied)
		t->denied[i]++;
}

/* Buckets up to the last one with an event. */
static unsigned timeline_used(const struct timeline *t)
{
	unsigned n = REPORT_BUCKETS;

	while (n > 0 && !t->all[n - 1])
		n--;
	return n;
}

/* ---- processes ----------------------------------------------------------------------- */

static bool proc_eq(const void *table, uint32_t e, const void *key)
{
	return ((const struct proc *)table)[e].pid == *(const int32_t *)key;
}

static uint64_t pid_hash(int32_t pid)
{
	return hash_end((uint64_t)(uint32_t)pid);
}

/* Latest node of pid, or -1. */
static int32_t proc_find(const struct run *r, int32_t pid)
{
	uint32_t *slot = index_probe(&r->proc_ix, pid_hash(pid), proc_eq, r->procs, &pid);

	return *slot ? (int32_t)(*slot - 1) : -1;
}

static void proc_link(struct run *r, int32_t n, int32_t parent)
{
	struct proc *p = &r->procs[n];
	int32_t *first = parent >= 0 ? &r->procs[parent].first_child : &r->root_first;
	int32_t *last = parent >= 0 ? &r->procs[parent].last_child : &r->root_last;

	p->parent = parent;
	p->prev = *last;
	p->next = -1;
	if (*last >= 0)
		r->procs[*last].next = n;
	else
		*first = n;
	*last = n;
}

static void proc_unlink(struct run *r, int32_t n)
{
	struct proc *p = &r->procs[n];
	int32_t *first = p->parent >= 0 ? &r->procs[p->parent].first_child : &r->root_first;
	int32_t *last = p->parent >= 0 ? &r->procs[p->parent].last_child : &r->root_last;

	if (p->prev >= 0)
		r->procs[p->prev].next = p->next;
	else
		*first = p->next;
	if (p->next >= 0)
		r->procs[p->next].prev = p->prev;
	else
		*last = p->prev;
	p->prev = p->next = -1;
}

/* A new node for pid under parent (-1: a root); it becomes the pid's latest.  -1 if full. */
static int32_t proc_new(struct run *r, int32_t pid, int32_t parent, double ts, bool spawned)
{
	uint32_t *slot;
	struct proc *p;
	int32_t n;

	if (r->nprocs >= REPORT_MAX_PROCS) {
		omit(&r->fp, &r->procs_omitted,
		     hash_end(((uint64_t)FP_PROC << 32) | (uint32_t)pid));
		return -1;
	}
	r->procs = grow(r->procs, r->nprocs, &r->cap_procs, REPORT_MAX_PROCS, sizeof(*r->procs));
	n = (int32_t)r->nprocs++;
	p = &r->procs[n];
	*p = (struct proc){
	    .pid = pid,
	    .parent = -1,
	    .first_child = -1,
	    .last_child = -1,
	    .prev = -1,
	    .next = -1,
	    .spawned = spawned,
	    .first_ts = ts,
	};
	proc_link(r, n, parent);
	slot = index_probe(&r->proc_ix, pid_hash(pid), proc_eq, r->procs, &pid);
	*slot = (uint32_t)n + 1;
	return n;
}

/* The node events of pid go to, created as a root when pid was not seen yet.  -1 if full. */
static int32_t proc_get(struct run *r, int32_t pid, double ts)
{
	int32_t n = proc_find(r, pid);

	return n >= 0 ? n : proc_new(r, pid, -1, ts, false);
}

static void proc_spawn(struct run *r, int32_t ppid, int32_t child, double ts)
{
	int32_t parent = proc_get(r, ppid, ts);
	int32_t c = proc_find(r, child);

	/*
	 * The child's own events may come before its parent's spawn event: then it is a root
	 * not yet spawned, with no children of its own (so adopting it cannot make a cycle).
	 */
	if (c >= 0 && c != parent && !r->procs[c].spawned && r->procs[c].parent < 0 &&
	    r->procs[c].first_child < 0 && r->procs[c].state == PROC_RUNNING) {
		r->procs[c].spawned = true;
		if (parent >= 0) {
			proc_unlink(r, c);
			proc_link(r, c, parent);
		}
		return;
	}
	proc_new(r, child, parent, ts, true);
}

/* ---- syscalls ------------------------------------------------------------------------ */

struct str_key {
	uint8_t cls;
	const char *s;
	size_t len;
};

static bool sysc_eq(const void *table, uint32_t e, const void *key)
{
	const struct str_key *k = key;

	return rstr_eq(((const struct sysc *)table)[e].name, k->s, k->len);
}

static uint64_t name_hash(unsigned kind, const char *s, size_t n)
{
	unsigned char k = (unsigned char)kind;

	return hash_end(hash_add(hash_add(HASH_INIT, &k, 1), s, n));
}

/* Classes of a syscall's path and address arguments, from the one syscall table. */
static void sysc_classify(struct sysc *sc)
{
	const struct sc_row *row;

	if (memchr(sc->name->s, '\0', sc->name->len))
		return;
	row = systab_by_name(sc->name->s);
	if (!row)
		return;
	if (row->cls == SC_NET || row->cls == SC_SENDTO)
		sc->net = true;
	/* the trail's path and resolved are the first path argument, path2 and resolved2 the
	 * second */
	for (unsigned i = 0, k = 0; i < row->nargs && i < ARRAY_SIZE(row->arg) && k < 2; i++) {
		unsigned acc = row->arg[i].acc;

		if (row->arg[i].kind != A_PATH)
			continue;
		if (acc & ACC_OPEN)
			sc->open_flags = k == 0;
		if (acc & ACC_R)
			sc->classes[k] |= 1u << TC_READ;
		if (acc & ACC_W)
			sc->classes[k] |= 1u << TC_WRITE;
		if (acc & ACC_X)
			sc->classes[k] |= 1u << TC_EXEC;
		k++;
	}
}

static struct sysc *sysc_find(const struct run *r, const char *s, size_t n, uint64_t hash)
{
	struct str_key k = {.s = s, .len = utf8_prefix(s, n, REPORT_STR_MAX)};
	uint32_t *slot = index_probe(&r->sc_ix, hash, sysc_eq, r->sc, &k);

	return *slot ? &r->sc[*slot - 1] : NULL;
}

static struct sysc *sysc_get(struct run *r, const struct jv *name)
{
	struct str_key k = {.s = name->s, .len = utf8_prefix(name->s, name->len, REPORT_STR_MAX)};
	uint64_t hash = name_hash(FP_SYSCALL, k.s, k.len);
	uint32_t *slot = index_probe(&r->sc_ix, hash, sysc_eq, r->sc, &k);
	const struct rstr *s;
	struct sysc *sc;

	if (*slot)
		return &r->sc[*slot - 1];
	if (r->nsc >= REPORT_MAX_SYSCALLS || !(s = pool_str(&r->pool, k.s, k.len, false))) {
		omit(&r->fp, &r->sc_omitted, hash);
		return NULL;
	}
	r->sc = grow(r->sc, r->nsc, &r->cap_sc, REPORT_MAX_SYSCALLS, sizeof(*r->sc));
	sc = &r->sc[r->nsc++];
	*sc = (struct sysc){.hash = hash, .name = s};
	sysc_classify(sc);
	*slot = r->nsc;
	return sc;
}

/* ---- files, programs and addresses --------------------------------------------------- */

static bool target_eq(const void *table, uint32_t e, const void *key)
{
	const struct target *t = &((const struct target *)table)[e];
	const struct str_key *k = key;

	return t->cls == k->cls && rstr_eq(t->name, k->s, k->len);
}

static uint64_t target_hash(unsigned cls, const char *s, size_t n)
{
	return name_hash(FP_TARGET + 16 * cls, s, n);
}

static const struct target *target_find(const struct run *r, unsigned cls, const struct rstr *s,
					uint64_t hash)
{
	struct str_key k = {.cls = (uint8_t)cls, .s = s->s, .len = s->len};
	uint32_t *slot = index_probe(&r->tg_ix, hash, target_eq, r->tg, &k);

	return *slot ? &r->tg[*slot - 1] : NULL;
}

static void target_add(struct run *r, unsigned cls, const struct jv *name, uint64_t count,
		       uint64_t denied)
{
	struct str_key k = {.cls = (uint8_t)cls,
			    .s = name->s,
			    .len = utf8_prefix(name->s, name->len, REPORT_STR_MAX)};
	uint64_t hash = target_hash(cls, k.s, k.len);
	uint32_t *slot = index_probe(&r->tg_ix, hash, target_eq, r->tg, &k);
	const struct rstr *s;
	struct target *t;

	if (!*slot) {
		if (r->ntg_cls[cls] >= REPORT_MAX_TARGETS ||
		    !(s = pool_str(&r->pool, k.s, k.len, name->len > k.len))) {
			omit(&r->fp, &r->tg_omitted[cls], hash);
			return;
		}
		r->tg = grow(r->tg, r->ntg, &r->cap_tg, REPORT_MAX_TARGETS * TC__N, sizeof(*r->tg));
		r->tg[r->ntg] = (struct target){.hash = hash, .cls = (uint8_t)cls, .name = s};
		*slot = ++r->ntg;
		r->ntg_cls[cls]++;
	}
	t = &r->tg[*slot - 1];
	t->count += count;
	t->denied += denied;
}

/* ---- denials ------------------------------------------------------------------------- */

struct denial_key {
	const struct rstr *syscall, *target, *rule, *err;   /* from the other run (diff) */
	const struct jv *jsyscall, *jtarget, *jrule, *jerr; /* from the line (while reading) */
};

static bool key_eq(const struct rstr *s, const struct rstr *rs, const struct jv *jv)
{
	if (rs || !jv)
		return rstr_same(s, rs);
	return rstr_eq(s, jv->s, utf8_prefix(jv->s, jv->len, REPORT_STR_MAX));
}

static bool denial_eq(const void *table, uint32_t e, const void *key)
{
	const struct denial *d = &((const struct denial *)table)[e];
	const struct denial_key *k = key;

	return key_eq(d->syscall, k->syscall, k->jsyscall) &&
	       key_eq(d->target, k->target, k->jtarget) && key_eq(d->rule, k->rule, k->jrule) &&
	       key_eq(d->err, k->err, k->jerr);
}

static uint64_t hash_field(uint64_t h, const char *s, size_t n, bool present)
{
	unsigned char tag = present;

	h = hash_add(h, &tag, 1);
	return present ? hash_add(h, s, utf8_prefix(s, n, REPORT_STR_MAX)) : h;
}

static uint64_t denial_hash(const struct jv *const v[4])
{
	unsigned char kind = FP_DENIAL;
	uint64_t h = hash_add(HASH_INIT, &kind, 1);

	for (int i = 0; i < 4; i++)
		h = hash_field(h, v[i] ? v[i]->s : NULL, v[i] ? v[i]->len : 0, v[i] != NULL);
	return hash_end(h);
}

static const struct denial *denial_find(const struct run *r, const struct denial *d)
{
	struct denial_key k = {
	    .syscall = d->syscall, .target = d->target, .rule = d->rule, .err = d->err};
	uint32_t *slot = index_probe(&r->dn_ix, d->hash, denial_eq, r->dn, &k);

	return *slot ? &r->dn[*slot - 1] : NULL;
}

static const struct rstr *pool_jv(struct pool *p, const struct jv *v, bool *ok)
{
	const struct rstr *s;

	if (!v)
		return NULL;
	s = pool_str(p, v->s, v->len, false);
	if (!s)
		*ok = false;
	return s;
}

static void denial_add(struct run *r, const struct jv *const v[4], unsigned decision,
		       unsigned action, int32_t pid, double ts)
{
	struct denial_key k = {.jsyscall = v[0], .jtarget = v[1], .jrule = v[2], .jerr = v[3]};
	uint64_t hash = denial_hash(v);
	uint32_t *slot = index_probe(&r->dn_ix, hash, denial_eq, r->dn, &k);
	struct denial d = {.hash = hash,
			   .decision = (uint8_t)decision,
			   .action = (uint8_t)action,
			   .pid = pid,
			   .first_ts = ts};
	bool ok = true;

	if (*slot) {
		r->dn[*slot - 1].count++;
		return;
	}
	if (r->ndn < REPORT_MAX_DENIALS) {
		d.syscall = pool_jv(&r->pool, v[0], &ok);
		d.target = pool_jv(&r->pool, v[1], &ok);
		d.rule = pool_jv(&r->pool, v[2], &ok);
		d.err = pool_jv(&r->pool, v[3], &ok);
	}
	if (r->ndn >= REPORT_MAX_DENIALS || !ok) {
		omit(&r->fp, &r->dn_omitted, hash);
		r->denials_unlisted++;
		return;
	}
	d.count = 1;
	r->dn = grow(r->dn, r->ndn, &r->cap_dn, REPORT_MAX_DENIALS, sizeof(*r->dn));
	r->dn[r->ndn] = d;
	*slot = ++r->ndn;
}

/* ---- reading one event --------------------------------------------------------------- */

/* The members of an event the report looks at; the rest are ignored. */
struct ev {
	const struct jv *ts, *pid, *tid, *event, *syscall, *decision, *action, *err, *rule;
	const struct jv *args, *child, *thread, *path, *argv, *exit_code, *signal;
	const struct jv *cwd, *policy_sha256, *mode, *version;
	/* in args */
	const struct jv *a_path, *a_resolved, *a_path2, *a_resolved2, *a_flags, *a_access, *a_addr;
};

#define EVKEY(name, member, t)                                                                     \
	{                                                                                          \
		name, sizeof(name) - 1, offsetof(struct ev, member), t                             \
	}

struct ev_key {
	const char *name;
	size_t len;
	size_t off;
	int type; /* required enum jv_type, -1 any */
};

static const struct ev_key ev_keys[] = {
    EVKEY("ts", ts, JV_NUMBER),
    EVKEY("pid", pid, JV_NUMBER),
    EVKEY("tid", tid, JV_NUMBER),
    EVKEY("event", event, JV_STRING),
    EVKEY("syscall", syscall, JV_STRING),
    EVKEY("decision", decision, JV_STRING),
    EVKEY("action", action, JV_STRING),
    EVKEY("errno", err, -1), /* a name, or a number the supervisor has no name for */
    EVKEY("rule", rule, JV_STRING),
    EVKEY("args", args, JV_OBJECT),
    EVKEY("child", child, JV_NUMBER),
    EVKEY("thread", thread, -1),
    EVKEY("path", path, JV_STRING),
    EVKEY("argv", argv, JV_ARRAY),
    EVKEY("exit_code", exit_code, JV_NUMBER),
    EVKEY("signal", signal, JV_NUMBER),
    EVKEY("cwd", cwd, JV_STRING),
    EVKEY("policy_sha256", policy_sha256, JV_STRING),
    EVKEY("mode", mode, JV_STRING),
    EVKEY("version", version, JV_STRING),
};

static const struct ev_key arg_keys[] = {
    EVKEY("path", a_path, JV_STRING),	EVKEY("resolved", a_resolved, JV_STRING),
    EVKEY("path2", a_path2, JV_STRING), EVKEY("resolved2", a_resolved2, JV_STRING),
    EVKEY("flags", a_flags, -1),	EVKEY("access", a_access, JV_STRING),
    EVKEY("addr", a_addr, JV_STRING),
};

/* Fill ev from the members of obj that keys name and that have the expected type. */
static void ev_pick(const struct jsonl *p, const struct jv *obj, const struct ev_key *keys,
		    size_t nkeys, struct ev *ev)
{
	for (const struct jv *k = jv_first(obj); k; k = jv_after(p, obj, k + 1)) {
		for (size_t i = 0; i < nkeys; i++) {
			if (k->len != keys[i].len || memcmp(k->s, keys[i].name, k->len) != 0)
				continue;
			if (keys[i].type < 0 || k[1].type == keys[i].type)
				*(const struct jv **)((char *)ev + keys[i].off) = k + 1;
			break;
		}
	}
}

static bool jv_pid(const struct jv *v, int32_t *out)
{
	long long x;

	if (jv_int(v, &x) < 0 || x <= 0 || x > INT32_MAX)
		return false;
	*out = (int32_t)x;
	return true;
}

static unsigned decision_of(const struct jv *v)
{
	for (unsigned i = 0; dec_name[i]; i++)
		if (jv_is(v, dec_name[i]))
			return i;
	return DEC_OTHER;
}

/* Keep the scalar members of an event other than the common keys (limit, end). */
static void fields_pick(struct run *r, const struct jsonl *p, const struct jv *obj,
			struct fields *f)
{
	static const char *const common[] = {"ts", "pid", "tid", "event"};

	f->n = 0;
	for (const struct jv *k = jv_first(obj); k && f->n < REPORT_FIELDS;
	     k = jv_after(p, obj, k + 1)) {
		const struct jv *v = k + 1;
		/* a cut number would not be a number any more */
		bool skip = v->type == JV_ARRAY || v->type == JV_OBJECT ||
			    memchr(k->s, 0, k->len) ||
			    (v->type == JV_NUMBER && v->len > REPORT_STR_MAX);
		struct field *fl = &f->f[f->n];

		for (size_t i = 0; i < ARRAY_SIZE(common) && !skip; i++)
			skip = jv_is(k, common[i]);
		if (skip)
			continue;
		fl->key = pool_str(&r->pool, k->s, k->len, false);
		fl->type = v->type;
		fl->val = v->type == JV_STRING || v->type == JV_NUMBER
			      ? pool_str(&r->pool, v->s, v->len, false)
			      : NULL;
		if (fl->key && (fl->val || (v->type != JV_STRING && v->type != JV_NUMBER)))
			f->n++;
	}
}

/* Does a list of names (a string with names separated by sep, or an array) hold name? */
static bool list_has(const struct jsonl *p, const struct jv *flags, char sep, const char *flag)
{
	if (flags->type == JV_ARRAY) {
		for (const struct jv *e = jv_first(flags); e; e = jv_after(p, flags, e))
			if (jv_is(e, flag))
				return true;
		return false;
	}
	return jv_word_in(flags, flag, sep);
}

static bool flags_have(const struct jsonl *p, const struct jv *flags, const char *flag)
{
	return list_has(p, flags, '|', flag);
}

/*
 * Classes of an open: the access the supervisor judged ("read", "write", "read,write"),
 * else from the flags: O_WRONLY writes, O_RDWR reads and writes, creating or truncating
 * writes, anything else reads.
 */
static unsigned open_classes(const struct jsonl *p, const struct jv *access, const struct jv *flags)
{
	unsigned c = 0;

	if (access) {
		if (list_has(p, access, ',', "read"))
			c |= 1u << TC_READ;
		if (list_has(p, access, ',', "write"))
			c |= 1u << TC_WRITE;
		if (c)
			return c;
	}
	if (!flags)
		return 1u << TC_READ;
	if (flags_have(p, flags, "O_WRONLY"))
		c = 1u << TC_WRITE;
	else if (flags_have(p, flags, "O_RDWR"))
		c = (1u << TC_READ) | (1u << TC_WRITE);
	else
		c = 1u << TC_READ;
	if (flags_have(p, flags, "O_CREAT") || flags_have(p, flags, "O_TRUNC") ||
	    flags_have(p, flags, "O_TMPFILE"))
		c |= 1u << TC_WRITE;
	return c;
}

/* Count a path argument under each of its classes. */
static void path_add(struct run *r, const struct jv *path, unsigned classes, bool denied)
{
	if (!path)
		return;
	if (classes & (1u << TC_READ))
		target_add(r, TC_READ, path, 1, denied);
	if (classes & (1u << TC_WRITE))
		target_add(r, TC_WRITE, path, 1, denied);
	/* executions are counted by exec events; a refused one only here */
	if ((classes & (1u << TC_EXEC)) && denied)
		target_add(r, TC_EXEC, path, 0, 1);
}

static void on_syscall(struct run *r, const struct jsonl *p, struct ev *ev, int32_t pid, double ts)
{
	unsigned decision = decision_of(ev->decision), action = decision_of(ev->action);
	bool denied = decision == DEC_DENY || decision == DEC_KILL;
	const struct jv *path, *path2, *target, *err;
	struct sysc *sc = ev->syscall ? sysc_get(r, ev->syscall) : NULL;
	int32_t n = pid ? proc_get(r, pid, ts) : -1;

	if (ev->args)
		ev_pick(p, ev->args, arg_keys, ARRAY_SIZE(arg_keys), ev);
	path = ev->a_resolved ? ev->a_resolved : ev->a_path;
	path2 = ev->a_resolved2 ? ev->a_resolved2 : ev->a_path2;
	target = path ? path : ev->a_addr;
	err =
	    ev->err && (ev->err->type == JV_STRING || ev->err->type == JV_NUMBER) ? ev->err : NULL;

	r->syscalls++;
	r->denied += denied;
	r->killed += decision == DEC_KILL;
	r->rewritten += action == DEC_REWRITE;
	r->audit_only += denied && (action == DEC_ALLOW || action == DEC_REWRITE);
	if (n >= 0) {
		r->procs[n].syscalls++;
		r->procs[n].denied += denied;
	}
	if (sc) {
		sc->count++;
		sc->deny += decision == DEC_DENY;
		sc->kill += decision == DEC_KILL;
		sc->rewrite += action == DEC_REWRITE;
		path_add(r, path,
			 sc->open_flags ? open_classes(p, ev->a_access, ev->a_flags)
					: sc->classes[0],
			 denied);
		path_add(r, path2, sc->classes[1], denied);
		if (sc->net && ev->a_addr)
			target_add(r, jv_is(ev->syscall, "bind") ? TC_BIND : TC_CONNECT, ev->a_addr,
				   1, denied);
	}
	if (denied) {
		const struct jv *key[4] = {ev->syscall, target, ev->rule, err};

		denial_add(r, key, decision, action, pid, ts);
	}
}

/* A line of at most REPORT_ARGS_MAX bytes; what does not fit is cut. */
struct line_buf {
	char b[REPORT_ARGS_MAX];
	size_t n;
	bool cut;
};

static void lb_put(struct line_buf *lb, const char *s, size_t n)
{
	if (lb->cut)
		return;
	if (n > sizeof(lb->b) - lb->n) {
		n = sizeof(lb->b) - lb->n;
		lb->cut = true;
	}
	memcpy(lb->b + lb->n, s, n);
	lb->n += n;
}

/* Length of the UTF-8 sequence a lead byte starts (the text is valid UTF-8). */
static size_t lead_len(unsigned char c)
{
	return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Can s[0..n) be shown as a shell word without quotes? */
static bool shell_plain(const char *s, size_t n)
{
	static const char plain_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789_@%+=:,./-";

	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(plain_chars, s[i]))
			return false;
	return n > 0;
}

/* s[0..n) as one shell word: plain, or in single quotes with ' written as '\''. */
static void lb_put_word(struct line_buf *lb, const char *s, size_t n)
{
	size_t from = 0;

	if (shell_plain(s, n)) {
		lb_put(lb, s, n);
		return;
	}
	lb_put(lb, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\'')
			continue;
		lb_put(lb, s + from, i - from);
		lb_put(lb, "'\\''", 4);
		from = i + 1;
	}
	lb_put(lb, s + from, n - from);
	lb_put(lb, "'", 1);
}

/* argv[1..] as one shell-quoted line, cut at REPORT_ARGS_MAX bytes. */
static const struct rstr *args_line(struct run *r, const struct jsonl *p, const struct jv *argv)
{
	struct line_buf lb = {.n = 0};
	const struct jv *a = jv_first(argv);
	size_t keep = 0;

	for (a = a ? jv_after(p, argv, a) : NULL; a && !lb.cut; a = jv_after(p, argv, a)) {
		if (a->type != JV_STRING)
			continue;
		if (lb.n)
			lb_put(&lb, " ", 1);
		lb_put_word(&lb, a->s, a->len);
	}
	/* a cut may split the last character: keep whole ones */
	while (keep < lb.n && keep + lead_len((unsigned char)lb.b[keep]) <= lb.n)
		keep += lead_len((unsigned char)lb.b[keep]);
	return pool_str(&r->pool, lb.b, keep, lb.cut);
}

static void on_exec(struct run *r, const struct jsonl *p, const struct ev *ev, int32_t pid,
		    double ts)
{
	int32_t n = pid ? proc_get(r, pid, ts) : -1;

	if (ev->path)
		target_add(r, TC_EXEC, ev->path, 1, 0);
	if (n < 0)
		return;
	r->procs[n].execs++;
	if (ev->path)
		r->procs[n].exec = pool_str(&r->pool, ev->path->s, ev->path->len, false);
	r->procs[n].args = ev->argv ? args_line(r, p, ev->argv) : NULL;
}

static void on_start(struct run *r, const struct jsonl *p, const struct ev *ev)
{
	r->have_start = true;
	r->nargv = 0;
	r->argc = 0;
	if (ev->argv) {
		for (const struct jv *a = jv_first(ev->argv); a; a = jv_after(p, ev->argv, a)) {
			r->argc++;
			if (a->type == JV_STRING && r->nargv < REPORT_START_ARGV) {
				const struct rstr *s = pool_str(&r->pool, a->s, a->len, false);

				if (s)
					r->argv[r->nargv++] = s;
			}
		}
	}
	if (ev->cwd)
		r->cwd = pool_str(&r->pool, ev->cwd->s, ev->cwd->len, false);
	if (ev->policy_sha256)
		r->policy_sha256 =
		    pool_str(&r->pool, ev->policy_sha256->s, ev->policy_sha256->len, false);
	if (ev->mode)
		r->mode = pool_str(&r->pool, ev->mode->s, ev->mode->len, false);
	if (ev->version)
		r->version = pool_str(&r->pool, ev->version->s, ev->version->len, false);
}

static enum evkind evkind_of(const struct jv *v)
{
	for (unsigned i = 0; i < EV_OTHER; i++)
		if (jv_is(v, ev_name[i]))
			return i;
	return EV_OTHER;
}

/* One parsed line.  0, or -EINVAL when it is not an event (not an object, no "event"). */
static int run_event(struct run *r, const struct jsonl *p, const struct jv *root)
{
	struct ev ev = {0};
	enum evkind kind;
	int32_t pid = 0, tid = 0, child;
	double ts = 0;
	bool denied = false;

	if (root->type != JV_OBJECT)
		return -EINVAL;
	ev_pick(p, root, ev_keys, ARRAY_SIZE(ev_keys), &ev);
	if (!ev.event)
		return -EINVAL;
	kind = evkind_of(ev.event);
	r->events[kind]++;
	if (ev.ts && jv_double(ev.ts, &ts) == 0 && ts > r->last_ts)
		r->last_ts = ts;
	if (!(ts >= 0))
		ts = 0;
	if (ev.pid)
		jv_pid(ev.pid, &pid);
	if (ev.tid)
		jv_pid(ev.tid, &tid);

	switch (kind) {
	case EV_START:
		on_start(r, p, &ev);
		break;
	case EV_SYSCALL:
		on_syscall(r, p, &ev, pid, ts);
		denied =
		    decision_of(ev.decision) == DEC_DENY || decision_of(ev.decision) == DEC_KILL;
		break;
	case EV_EXEC:
		on_exec(r, p, &ev, pid, ts);
		break;
	case EV_SPAWN:
		if (!pid || !ev.child || !jv_pid(ev.child, &child))
			break;
		if (ev.thread && ev.thread->type == JV_TRUE) {
			int32_t n = proc_get(r, pid, ts);

			r->threads++;
			if (n >= 0)
				r->procs[n].threads++;
		} else {
			proc_spawn(r, pid, child, ts);
		}
		break;
	case EV_EXIT: {
		long long v;
		int32_t n = -1;

		/* a thread's exit is not the process's */
		if (pid && (!tid || tid == pid) && !(ev.thread && ev.thread->type == JV_TRUE))
			n = proc_get(r, pid, ts);
		if (n < 0)
			break;
		if (ev.signal && jv_int(ev.signal, &v) == 0 && v >= 0 && v <= INT32_MAX) {
			r->procs[n].state = PROC_SIGNALED;
			r->procs[n].status = (int32_t)v;
		} else if (ev.exit_code && jv_int(ev.exit_code, &v) == 0 && v >= INT32_MIN &&
			   v <= INT32_MAX) {
			r->procs[n].state = PROC_EXITED;
			r->procs[n].status = (int32_t)v;
		}
		r->procs[n].exit_ts = ts;
		break;
	}
	case EV_LIMIT:
		if (r->nlimits >= REPORT_MAX_LIMITS) {
			r->limits_omitted++;
			break;
		}
		r->limits[r->nlimits].ts = ts;
		r->limits[r->nlimits].pid = pid;
		fields_pick(r, p, root, &r->limits[r->nlimits].fields);
		r->nlimits++;
		break;
	case EV_END:
		r->have_end = true;
		r->end_ts = ts;
		fields_pick(r, p, root, &r->end);
		break;
	default:
		break;
	}
	timeline_add(&r->tl, ts, denied);
	return 0;
}

static uint64_t run_events(const struct run *r)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < EV__N; i++)
		n += r->events[i];
	return n;
}

static double run_duration(const struct run *r)
{
	return r->have_end ? r->end_ts : r->last_ts;
}

static void note_invalid(struct run *r, uint64_t lineno, const char *msg)
{
	if (!r->invalid++) {
		r->first_invalid = lineno;
		snprintf(r->invalid_msg, sizeof(r->invalid_msg), "%s", msg);
	}
}

/* Read the whole trail.  0, or -errno when it cannot be opened or read. */
static int run_load(struct run *r, struct jsonl *p)
{
	struct jsonl_reader rd;
	bool own = strcmp(r->file, "-") != 0;
	int fd = own ? open(r->file, O_RDONLY | O_CLOEXEC | O_NOCTTY) : STDIN_FILENO;
	int ret = 0;

	if (fd < 0) {
		ret = -errno;
		warnx_("report: %s: %s", r->file, strerror(-ret));
		return ret;
	}
	if (jsonl_reader_init(&rd, fd, REPORT_MAX_LINE) < 0)
		die("out of memory");
	for (;;) {
		const struct jv *root;
		const char *line;
		size_t len;
		int rc = jsonl_read(&rd, &line, &len);

		if (rc == 0)
			break;
		if (rc == -E2BIG) {
			if (!r->too_long++)
				r->first_too_long = rd.lineno;
			continue;
		}
		if (rc < 0) {
			ret = rc;
			warnx_("report: %s: %s", r->file, strerror(-rc));
			break;
		}
		r->lines++;
		rc = jsonl_parse(p, line, len, &root);
		if (rc == -ENODATA)
			r->blank++;
		else if (rc == -ENOMEM)
			die("out of memory");
		else if (rc < 0)
			note_invalid(r, rd.lineno, jsonl_error(p));
		else if (run_event(r, p, root) < 0)
			note_invalid(r, rd.lineno, "not an event (an object with \"event\")");
	}
	r->lines += r->too_long;
	jsonl_reader_free(&rd);
	if (own)
		close(fd);
	if (r->invalid)
		warnx_("report: %s: skipped %" PRIu64 " invalid line%s (first: line %" PRIu64
		       ": %s)",
		       r->file, r->invalid, r->invalid == 1 ? "" : "s", r->first_invalid,
		       r->invalid_msg);
	if (r->too_long)
		warnx_("report: %s: skipped %" PRIu64
		       " line%s longer than %u bytes (first: line %" PRIu64 ")",
		       r->file, r->too_long, r->too_long == 1 ? "" : "s", REPORT_MAX_LINE,
		       r->first_too_long);
	if (!ret && !run_events(r)) {
		warnx_("report: %s: no events in the trail", r->file);
		ret = -ENODATA;
	}
	return ret;
}

/* ---- sorted views --------------------------------------------------------------------- */

struct view {
	uint32_t *sc;	     /* syscalls by count */
	uint32_t *tg[TC__N]; /* targets of each class by count */
	uint32_t ntg[TC__N];
	struct tree_row {
		int32_t node;
		uint32_t depth;
	} * tree; /* processes, depth first */
	uint32_t ntree;
};

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_rstr(const struct rstr *a, const struct rstr *b)
{
	int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);

	return c ? c : a->len < b->len ? -1 : a->len > b->len;
}

static int cmp_sysc(const void *x, const void *y, void *arg)
{
	const struct sysc *a = &((const struct sysc *)arg)[*(const uint32_t *)x];
	const struct sysc *b = &((const struct sysc *)arg)[*(const uint32_t *)y];
	int c = cmp_u64_desc(a->count, b->count);

	return c ? c : cmp_rstr(a->name, b->name);
}

/* Calls on a target; for a program, executions and refused attempts. */
static uint64_t target_weight(const struct target *t)
{
	return t->cls == TC_EXEC ? t->count + t->denied : t->count;
}

static int cmp_target_ent(const struct target *a, const struct target *b)
{
	int c = cmp_u64_desc(target_weight(a), target_weight(b));

	if (!c)
		c = cmp_u64_desc(a->denied, b->denied);
	return c ? c : cmp_rstr(a->name, b->name);
}

static int cmp_target(const void *x, const void *y, void *arg)
{
	return cmp_target_ent(&((const struct target *)arg)[*(const uint32_t *)x],
			      &((const struct target *)arg)[*(const uint32_t *)y]);
}

static void view_build(struct view *v, const struct run *r)
{
	uint32_t n = 0;

	memset(v, 0, sizeof(*v));
	v->sc = xmalloc(sizeof(*v->sc) * (r->nsc + 1));
	for (uint32_t i = 0; i < r->nsc; i++)
		v->sc[i] = i;
	qsort_r(v->sc, r->nsc, sizeof(*v->sc), cmp_sysc, r->sc);

	for (unsigned c = 0; c < TC__N; c++)
		v->tg[c] = xmalloc(sizeof(*v->tg[c]) * (r->ntg_cls[c] + 1));
	for (uint32_t i = 0; i < r->ntg; i++) {
		unsigned c = r->tg[i].cls;

		v->tg[c][v->ntg[c]++] = i;
	}
	for (unsigned c = 0; c < TC__N; c++)
		qsort_r(v->tg[c], v->ntg[c], sizeof(*v->tg[c]), cmp_target, r->tg);

	/* depth first, children in spawn order, without recursion */
	v->tree = xmalloc(sizeof(*v->tree) * (r->nprocs + 1));
	for (int32_t root = r->root_first; root >= 0; root = r->procs[root].next) {
		int32_t node = root;
		uint32_t depth = 0;

		for (;;) {
			v->tree[n++] = (struct tree_row){node, depth};
			if (r->procs[node].first_child >= 0) {
				node = r->procs[node].first_child;
				depth++;
				continue;
			}
			while (depth > 0 && r->procs[node].next < 0) {
				node = r->procs[node].parent;
				depth--;
			}
			if (depth == 0)
				break;
			node = r->procs[node].next;
		}
	}
	v->ntree = n;
}

static void view_free(struct view *v)
{
	free(v->sc);
	for (unsigned c = 0; c < TC__N; c++)
		free(v->tg[c]);
	free(v->tree);
}

/* ---- the difference between two runs ------------------------------------------------- */

struct sc_delta {
	const struct rstr *name;
	uint64_t base, now;
};

struct diff {
	const struct run *base, *now;
	struct sc_delta *sc;
	uint32_t nsc;
	const struct target **only[TC__N][2]; /* [0] only in base, [1] only in now */
	uint32_t nonly[TC__N][2];
	const struct denial **dn[2]; /* [0] gone, [1] new */
	uint32_t ndn[2];
	bool incomplete; /* a table of either run was full */
};

static bool run_incomplete(const struct run *r)
{
	bool inc = r->procs_omitted.distinct || r->procs_omitted.at_least ||
		   r->sc_omitted.distinct || r->sc_omitted.at_least || r->dn_omitted.distinct ||
		   r->dn_omitted.at_least;

	for (unsigned c = 0; c < TC__N; c++)
		inc = inc || r->tg_omitted[c].distinct || r->tg_omitted[c].at_least;
	return inc;
}

static int cmp_delta(const void *x, const void *y)
{
	const struct sc_delta *a = x, *b = y;
	uint64_t da = a->base > a->now ? a->base - a->now : a->now - a->base;
	uint64_t db = b->base > b->now ? b->base - b->now : b->now - b->base;
	int c = cmp_u64_desc(da, db);

	return c ? c : cmp_rstr(a->name, b->name);
}

static int cmp_target_ptr(const void *x, const void *y)
{
	return cmp_target_ent(*(const struct target *const *)x, *(const struct target *const *)y);
}

static void diff_build(struct diff *d, const struct run *base, const struct run *now)
{
	const struct run *runs[2] = {base, now};

	memset(d, 0, sizeof(*d));
	d->base = base;
	d->now = now;
	d->incomplete = run_incomplete(base) || run_incomplete(now);

	d->sc = xmalloc(sizeof(*d->sc) * (base->nsc + now->nsc + 1));
	for (uint32_t i = 0; i < now->nsc; i++) {
		const struct sysc *s = &now->sc[i];
		const struct sysc *o = sysc_find(base, s->name->s, s->name->len, s->hash);

		if (!o || o->count != s->count)
			d->sc[d->nsc++] = (struct sc_delta){s->name, o ? o->count : 0, s->count};
	}
	for (uint32_t i = 0; i < base->nsc; i++) {
		const struct sysc *s = &base->sc[i];

		if (!sysc_find(now, s->name->s, s->name->len, s->hash))
			d->sc[d->nsc++] = (struct sc_delta){s->name, s->count, 0};
	}
	qsort(d->sc, d->nsc, sizeof(*d->sc), cmp_delta);

	for (int side = 0; side < 2; side++) {
		const struct run *r = runs[side], *other = runs[!side];

		for (unsigned c = 0; c < TC__N; c++)
			d->only[c][side] = xmalloc(sizeof(struct target *) * (r->ntg_cls[c] + 1));
		for (uint32_t i = 0; i < r->ntg; i++) {
			const struct target *t = &r->tg[i];

			if (!target_find(other, t->cls, t->name, t->hash))
				d->only[t->cls][side][d->nonly[t->cls][side]++] = t;
		}
		for (unsigned c = 0; c < TC__N; c++)
			qsort(d->only[c][side], d->nonly[c][side], sizeof(struct target *),
			      cmp_target_ptr);

		d->dn[side] = xmalloc(sizeof(struct denial *) * (r->ndn + 1));
		for (uint32_t i = 0; i < r->ndn; i++)
			if (!denial_find(other, &r->dn[i]))
				d->dn[side][d->ndn[side]++] = &r->dn[i];
	}
}

static void diff_free(struct diff *d)
{
	free(d->sc);
	for (unsigned c = 0; c < TC__N; c++)
		for (int side = 0; side < 2; side++)
			free(d->only[c][side]);
	free(d->dn[0]);
	free(d->dn[1]);
}

/* ---- text output ----------------------------------------------------------------------- */

/*
 * Write s[0..n) for a terminal or a page: control characters (C0, DEL, C1), and the
 * invisible bidirectional controls a file name could use to disguise itself, are shown as
 * escapes; in HTML the markup characters are escaped too.  Returns the columns written
 * (approximately: one per character).
 */
static size_t put_safe(FILE *f, const char *s, size_t n, bool html)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t cols = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned c = b[i];

		if (c < 0x20 || c == 0x7f) {
			const char *e = c == '\n'   ? "\\n"
					: c == '\t' ? "\\t"
					: c == '\r' ? "\\r"
						    : NULL;

			cols += e ? (size_t)fprintf(f, "%s", e) : (size_t)fprintf(f, "\\x%02x", c);
		} else if (c == 0xc2 && i + 1 < n && b[i + 1] >= 0x80 && b[i + 1] <= 0x9f) {
			cols += (size_t)fprintf(f, "\\u%04x", b[i + 1]);
			i++;
		} else if (c == 0xe2 && i + 2 < n &&
			   ((b[i + 1] == 0x80 && (b[i + 2] == 0x8e || b[i + 2] == 0x8f ||
						  (b[i + 2] >= 0xaa && b[i + 2] <= 0xae))) ||
			    (b[i + 1] == 0x81 && b[i + 2] >= 0xa6 && b[i + 2] <= 0xa9))) {
			cols += (size_t)fprintf(
			    f, "\\u%04x", 0x2000 + ((b[i + 1] & 0x3f) << 6) + (b[i + 2] & 0x3f));
			i += 2;
		} else if (html && strchr("&<>\"'", (int)c)) {
			static const char *const ent[] = {"&amp;", "&lt;", "&gt;", "&quot;",
							  "&#39;"};

			fputs(ent[strchr("&<>\"'", (int)c) - "&<>\"'"], f);
			cols++;
		} else {
			fputc((int)c, f);
			cols += (c & 0xc0) != 0x80;
		}
	}
	return cols;
}

static size_t put_rstr(FILE *f, const struct rstr *s, bool html)
{
	size_t cols;

	if (!s)
		return (size_t)fprintf(f, "-");
	cols = put_safe(f, s->s, s->len, html);
	if (s->cut)
		cols += (size_t)fprintf(f, "...");
	return cols;
}

/* A string in a column of width w (left aligned, at least one space after it). */
static void put_col(FILE *f, const struct rstr *s, size_t w)
{
	size_t cols = put_rstr(f, s, false);

	do
		fputc(' ', f);
	while (++cols < w);
}

static void put_fields(FILE *f, const struct fields *fl, bool html)
{
	for (unsigned i = 0; i < fl->n; i++) {
		const struct field *x = &fl->f[i];

		if (i)
			fputc(' ', f);
		put_rstr(f, x->key, html);
		fputc('=', f);
		if (x->type == JV_STRING && (!x->val->len || memchr(x->val->s, ' ', x->val->len))) {
			fputs(html ? "&quot;" : "\"", f);
			put_rstr(f, x->val, html);
			fputs(html ? "&quot;" : "\"", f);
		} else if (x->val) {
			put_rstr(f, x->val, html);
		} else
			fputs(x->type == JV_TRUE    ? "true"
			      : x->type == JV_FALSE ? "false"
						    : "null",
			      f);
	}
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void text_more(FILE *f, uint32_t n, uint32_t shown)
{
	if (n > shown)
		fprintf(f, "  ... %" PRIu32 " more (--json or --html lists them all)\n", n - shown);
}

static void put_omitted(FILE *f, const struct omitted *o, const char *what)
{
	if (o->distinct || o->at_least)
		fprintf(f, "  ... %s%" PRIu64 " more distinct %s not kept (table full)\n",
			o->at_least ? "at least " : "", o->distinct, what);
}

/* "exit 0", "signal SIGKILL", "running" */
static void put_status(FILE *f, const struct proc *p)
{
	char sig[32];

	if (p->state == PROC_EXITED) {
		fprintf(f, "exit %d", p->status);
	} else if (p->state == PROC_SIGNALED) {
		decode_signal(p->status, sig, sizeof(sig));
		fprintf(f, "signal %s", sig);
	} else {
		fputs("no exit seen", f);
	}
}

static void put_program(FILE *f, const struct run *r, bool html)
{
	for (unsigned i = 0; i < r->nargv; i++) {
		const struct rstr *a = r->argv[i];
		size_t from = 0;

		if (i)
			fputc(' ', f);
		if (shell_plain(a->s, a->len)) {
			put_rstr(f, a, html);
			continue;
		}
		fputs(html ? "&#39;" : "'", f);
		for (size_t k = 0; k < a->len; k++) {
			if (a->s[k] != '\'')
				continue;
			put_safe(f, a->s + from, k - from, html);
			fputs(html ? "&#39;\\&#39;&#39;" : "'\\''", f);
			from = k + 1;
		}
		put_safe(f, a->s + from, a->len - from, html);
		fputs(html ? "&#39;" : "'", f);
		if (a->cut)
			fputs("...", f);
	}
	if (r->argc > r->nargv)
		fprintf(f, " ... (%" PRIu64 " arguments)", r->argc);
}

static void text_header(FILE *f, const struct run *r)
{
	fprintf(f, "sysward report of ");
	put_safe(f, r->file, strlen(r->file), false);
	fputc('\n', f);
	if (r->have_start && r->nargv) {
		fprintf(f, "  program    ");
		put_program(f, r, false);
		fputc('\n', f);
	}
	if (r->cwd) {
		fprintf(f, "  cwd        ");
		put_rstr(f, r->cwd, false);
		fputc('\n', f);
	}
	if (r->mode) {
		fprintf(f, "  mode       ");
		put_rstr(f, r->mode, false);
		fputc('\n', f);
	}
	if (r->policy_sha256) {
		fprintf(f, "  policy     sha256 ");
		put_rstr(f, r->policy_sha256, false);
		fputc('\n', f);
	}
	if (r->version) {
		fprintf(f, "  sysward    ");
		put_rstr(f, r->version, false);
		fputc('\n', f);
	}
	fprintf(f, "  duration   %.6f s", run_duration(r));
	if (r->have_end) {
		if (r->end.n) {
			fputs(" (", f);
			put_fields(f, &r->end, false);
			fputc(')', f);
		}
	} else {
		fputs(" (no end event: the trail was cut short, sysward did not finish it)", f);
	}
	fputc('\n', f);
	fprintf(f, "  events     %" PRIu64 " (", run_events(r));
	for (unsigned i = 0; i < EV__N; i++)
		if (i != EV_OTHER || r->events[i])
			fprintf(f, "%s%s %" PRIu64, i ? ", " : "", ev_name[i], r->events[i]);
	fputs(")\n", f);
	fprintf(f, "  processes  %" PRIu32 "%s", r->nprocs,
		r->procs_omitted.distinct || r->procs_omitted.at_least ? "+" : "");
	fprintf(f, ", plus %" PRIu64 " %s\n", r->threads, plural(r->threads, "thread", "threads"));
	fprintf(f,
		"  syscalls   %" PRIu64 " trapped, %" PRIu64 " denied (%" PRIu64 " kill), %" PRIu64
		" rewritten\n",
		r->syscalls, r->denied, r->killed, r->rewritten);
	if (r->audit_only)
		fprintf(f,
			"             audit mode: %" PRIu64 " calls the policy denies were allowed;"
			" DENY and KILL below say what the policy decided\n",
			r->audit_only);
	if (r->invalid || r->too_long)
		fprintf(f, "  skipped    %" PRIu64 " invalid %s, %" PRIu64 " %s too long\n",
			r->invalid, plural(r->invalid, "line", "lines"), r->too_long,
			plural(r->too_long, "line", "lines"));
}

static void text_tree(FILE *f, const struct run *r, const struct view *v)
{
	fprintf(f, "\nProcess tree\n");
	for (uint32_t i = 0; i < v->ntree; i++) {
		const struct proc *p = &r->procs[v->tree[i].node];
		uint32_t depth = v->tree[i].depth;

		fprintf(f, "  %*s", 2 * (depth < TREE_MAX_INDENT ? depth : TREE_MAX_INDENT), "");
		if (depth > TREE_MAX_INDENT)
			fprintf(f, "[depth %" PRIu32 "] ", depth);
		fprintf(f, "%d ", p->pid);
		if (p->exec) {
			put_rstr(f, p->exec, false);
			if (p->args && p->args->len) {
				fputc(' ', f);
				put_rstr(f, p->args, false);
			}
		} else {
			fputs("(no exec)", f);
		}
		if (p->execs > 1)
			fprintf(f, "  [%" PRIu32 " execs]", p->execs);
		if (p->threads)
			fprintf(f, "  [%" PRIu32 " %s]", p->threads,
				plural(p->threads, "thread", "threads"));
		if (p->denied)
			fprintf(f, "  [%" PRIu64 " denied]", p->denied);
		fputs("  ", f);
		put_status(f, p);
		fputc('\n', f);
	}
	put_omitted(f, &r->procs_omitted, "processes");
}

static void text_syscalls(FILE *f, const struct run *r, const struct view *v)
{
	fprintf(f, "\nSyscalls (%" PRIu32 " distinct)\n", r->nsc);
	if (r->nsc)
		fprintf(f, "  %-22s %10s %8s %8s %8s\n", "SYSCALL", "COUNT", "DENY", "KILL",
			"REWRITE");
	for (uint32_t i = 0; i < r->nsc; i++) {
		const struct sysc *s = &r->sc[v->sc[i]];

		fputs("  ", f);
		put_col(f, s->name, 22);
		fprintf(f, "%10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 "\n", s->count,
			s->deny, s->kill, s->rewrite);
	}
	put_omitted(f, &r->sc_omitted, "syscall names");
}

static void text_targets(FILE *f, const struct run *r, const struct view *v)
{
	for (unsigned c = 0; c < TC__N; c++) {
		uint32_t n = v->ntg[c];

		if (!n && !r->tg_omitted[c].distinct && !r->tg_omitted[c].at_least)
			continue;
		fprintf(f, "\n%s (%" PRIu32 " distinct)\n", tclass_title[c], n);
		fprintf(f, "  %10s %8s  %s\n", "COUNT", "DENIED",
			tclass_is_net(c) ? "ADDRESS" : "PATH");
		for (uint32_t i = 0; i < n && i < TEXT_ROWS; i++) {
			const struct target *t = &r->tg[v->tg[c][i]];

			fprintf(f, "  %10" PRIu64 " %8" PRIu64 "  ", t->count, t->denied);
			put_rstr(f, t->name, false);
			fputc('\n', f);
		}
		text_more(f, n, TEXT_ROWS);
		put_omitted(f, &r->tg_omitted[c], tclass_is_net(c) ? "addresses" : "paths");
	}
}

static void text_denial(FILE *f, const struct denial *d, const char *mark)
{
	fprintf(f, "%s%8" PRIu64 " %12.6f %8d  ", mark, d->count, d->first_ts, d->pid);
	put_col(f, d->syscall, 16);
	put_col(f, d->err, 8);
	put_rstr(f, d->target, false);
	fputs("  [", f);
	if (d->decision == DEC_KILL)
		fputs("kill, ", f);
	if (d->action == DEC_ALLOW || d->action == DEC_REWRITE)
		fputs("audit: allowed, ", f);
	fputs("rule ", f);
	put_rstr(f, d->rule, false);
	fputs("]\n", f);
}

static void text_denial_head(FILE *f, const char *mark)
{
	fprintf(f, "%s%8s %12s %8s  %-16s%-8s%s\n", mark, "COUNT", "FIRST-TS", "PID", "SYSCALL",
		"ERRNO", "TARGET [RULE]");
}

static void text_denials(FILE *f, const struct run *r)
{
	fprintf(f, "\nDenials (%" PRIu32 " distinct, %" PRIu64 " calls)\n", r->ndn, r->denied);
	if (r->ndn)
		text_denial_head(f, "  ");
	for (uint32_t i = 0; i < r->ndn && i < TEXT_DENIALS; i++)
		text_denial(f, &r->dn[i], "  ");
	text_more(f, r->ndn, TEXT_DENIALS);
	if (r->denials_unlisted)
		fprintf(f,
			"  ... %s%" PRIu64 " more distinct denials (%" PRIu64
			" calls) not kept (table full)\n",
			r->dn_omitted.at_least ? "at least " : "", r->dn_omitted.distinct,
			r->denials_unlisted);
}

static void text_limits(FILE *f, const struct run *r)
{
	if (!r->nlimits)
		return;
	fprintf(f, "\nLimits\n");
	for (unsigned i = 0; i < r->nlimits; i++) {
		fprintf(f, "  %12.6f  pid %d  ", r->limits[i].ts, r->limits[i].pid);
		put_fields(f, &r->limits[i].fields, false);
		fputc('\n', f);
	}
	if (r->limits_omitted)
		fprintf(f, "  ... %" PRIu64 " more limit events\n", r->limits_omitted);
}

static void text_report(FILE *f, const struct run *r, const struct view *v)
{
	text_header(f, r);
	text_tree(f, r, v);
	text_syscalls(f, r, v);
	text_targets(f, r, v);
	text_denials(f, r);
	text_limits(f, r);
}

static void text_delta_row(FILE *f, const char *what, double base, double now, bool fraction)
{
	if (fraction)
		fprintf(f, "  %-12s %14.6f %14.6f %+15.6f\n", what, base, now, now - base);
	else
		fprintf(f, "  %-12s %14.0f %14.0f %+15.0f\n", what, base, now, now - base);
}

static void text_diff(FILE *f, const struct diff *d)
{
	const struct run *a = d->base, *b = d->now;

	fprintf(f, "sysward report: differences from ");
	put_safe(f, a->file, strlen(a->file), false);
	fprintf(f, " (base) to ");
	put_safe(f, b->file, strlen(b->file), false);
	fprintf(f, " (new)\n");
	if (d->incomplete)
		fprintf(f,
			"  (a table of one trail was full: entries not kept are not compared)\n");
	fprintf(f, "  %-12s %14s %14s %15s\n", "", "BASE", "NEW", "DELTA");
	text_delta_row(f, "duration", run_duration(a), run_duration(b), true);
	text_delta_row(f, "events", (double)run_events(a), (double)run_events(b), false);
	text_delta_row(f, "processes", a->nprocs, b->nprocs, false);
	text_delta_row(f, "threads", (double)a->threads, (double)b->threads, false);
	text_delta_row(f, "syscalls", (double)a->syscalls, (double)b->syscalls, false);
	text_delta_row(f, "denied", (double)a->denied, (double)b->denied, false);

	fprintf(f, "\nSyscall counts that differ (%" PRIu32 ")\n", d->nsc);
	if (d->nsc)
		fprintf(f, "  %-22s %10s %10s %11s\n", "SYSCALL", "BASE", "NEW", "DELTA");
	for (uint32_t i = 0; i < d->nsc; i++) {
		fputs("  ", f);
		put_col(f, d->sc[i].name, 22);
		fprintf(f, "%10" PRIu64 " %10" PRIu64 " %+11.0f\n", d->sc[i].base, d->sc[i].now,
			(double)d->sc[i].now - (double)d->sc[i].base);
	}
	for (unsigned c = 0; c < TC__N; c++) {
		for (int side = 0; side < 2; side++) {
			uint32_t n = d->nonly[c][side];

			if (!n)
				continue;
			fprintf(f, "\n%s only in the %s trail (%" PRIu32 ")\n", tclass_title[c],
				side ? "new" : "base", n);
			for (uint32_t i = 0; i < n && i < TEXT_DENIALS; i++) {
				const struct target *t = d->only[c][side][i];

				fprintf(f, "  %c %8" PRIu64 "  ", side ? '+' : '-',
					target_weight(t));
				put_rstr(f, t->name, false);
				if (t->denied)
					fprintf(f, "  (%" PRIu64 " denied)", t->denied);
				fputc('\n', f);
			}
			text_more(f, n, TEXT_DENIALS);
		}
	}
	for (int side = 1; side >= 0; side--) {
		fprintf(f, "\nDenials %s (%" PRIu32 ")\n",
			side ? "new in the new trail" : "gone (only in the base trail)",
			d->ndn[side]);
		if (d->ndn[side])
			text_denial_head(f, "  ");
		for (uint32_t i = 0; i < d->ndn[side] && i < TEXT_DENIALS; i++)
			text_denial(f, d->dn[side][i], side ? "+ " : "- ");
		text_more(f, d->ndn[side], TEXT_DENIALS);
	}
}

/* ---- JSON output ------------------------------------------------------------------------- */

static void jflush(struct jbuf *jb, FILE *f, bool all)
{
	if (!all && jb->len < JSON_FLUSH)
		return;
	fwrite(jb->buf, 1, jb->len, f);
	jb->len = 0;
	if (jb->buf)
		jb->buf[0] = '\0';
}

static void jrstr(struct jbuf *jb, const struct rstr *s)
{
	if (s)
		jb_strn(jb, s->s, s->len);
	else
		jb_null(jb);
}

static void jkrstr(struct jbuf *jb, const char *key, const struct rstr *s)
{
	jb_key(jb, key);
	jrstr(jb, s);
}

static void jkuint(struct jbuf *jb, const char *key, uint64_t v)
{
	jb_key(jb, key);
	jb_uint(jb, v);
}

static void jomitted(struct jbuf *jb, const char *key, const struct omitted *o)
{
	jb_key(jb, key);
	jb_obj_begin(jb);
	jkuint(jb, "distinct", o->distinct);
	jb_kbool(jb, "at_least", o->at_least);
	jb_obj_end(jb);
}

static void jfields(struct jbuf *jb, const struct fields *fl)
{
	jb_obj_begin(jb);
	for (unsigned i = 0; i < fl->n; i++) {
		const struct field *x = &fl->f[i];

		jb_key(jb, x->key->s);
		if (x->type == JV_STRING)
			jrstr(jb, x->val);
		else if (x->type == JV_NUMBER)
			jb_raw(jb, x->val->s);
		else if (x->type == JV_NULL)
			jb_null(jb);
		else
			jb_bool(jb, x->type == JV_TRUE);
	}
	jb_obj_end(jb);
}

static void json_header(struct jbuf *jb, const struct run *r)
{
	jb_kstr(jb, "trail", r->file);
	jb_key(jb, "start");
	if (r->have_start) {
		jb_obj_begin(jb);
		jb_key(jb, "argv");
		jb_arr_begin(jb);
		for (unsigned i = 0; i < r->nargv; i++)
			jrstr(jb, r->argv[i]);
		jb_arr_end(jb);
		jkuint(jb, "argc", r->argc);
		jkrstr(jb, "cwd", r->cwd);
		jkrstr(jb, "mode", r->mode);
		jkrstr(jb, "policy_sha256", r->policy_sha256);
		jkrstr(jb, "version", r->version);
		jb_obj_end(jb);
	} else {
		jb_null(jb);
	}
	jb_key(jb, "end");
	if (r->have_end)
		jfields(jb, &r->end);
	else
		jb_null(jb);
	jb_kbool(jb, "complete", r->have_end);
	jb_kdouble(jb, "duration_s", run_duration(r), 6);
	jb_key(jb, "lines");
	jb_obj_begin(jb);
	jkuint(jb, "total", r->lines);
	jkuint(jb, "blank", r->blank);
	jkuint(jb, "invalid", r->invalid);
	jkuint(jb, "too_long", r->too_long);
	jb_obj_end(jb);
	jb_key(jb, "events");
	jb_obj_begin(jb);
	jkuint(jb, "total", run_events(r));
	for (unsigned i = 0; i < EV__N; i++)
		jkuint(jb, ev_name[i], r->events[i]);
	jb_obj_end(jb);
	jkuint(jb, "processes", r->nprocs);
	jkuint(jb, "threads", r->threads);
	jkuint(jb, "syscalls_total", r->syscalls);
	jkuint(jb, "denied_total", r->denied);
	jkuint(jb, "killed_total", r->killed);
	jkuint(jb, "rewritten_total", r->rewritten);
	jkuint(jb, "audit_only_total", r->audit_only);
}

static void json_tree(struct jbuf *jb, FILE *f, const struct run *r, const struct view *v)
{
	jb_key(jb, "tree");
	jb_arr_begin(jb);
	for (uint32_t i = 0; i < v->ntree; i++) {
		const struct proc *p = &r->procs[v->tree[i].node];

		jb_obj_begin(jb);
		jb_kint(jb, "pid", p->pid);
		jb_key(jb, "ppid");
		if (p->parent >= 0)
			jb_int(jb, r->procs[p->parent].pid);
		else
			jb_null(jb);
		jkuint(jb, "depth", v->tree[i].depth);
		jkrstr(jb, "exec", p->exec);
		jkrstr(jb, "args", p->args);
		jkuint(jb, "execs", p->execs);
		jkuint(jb, "threads", p->threads);
		jb_key(jb, "exit_code");
		if (p->state == PROC_EXITED)
			jb_int(jb, p->status);
		else
			jb_null(jb);
		jb_key(jb, "signal");
		if (p->state == PROC_SIGNALED)
			jb_int(jb, p->status);
		else
			jb_null(jb);
		jb_kdouble(jb, "first_ts", p->first_ts, 6);
		jb_key(jb, "exit_ts");
		if (p->state != PROC_RUNNING)
			jb_double(jb, p->exit_ts, 6);
		else
			jb_null(jb);
		jkuint(jb, "syscalls", p->syscalls);
		jkuint(jb, "denied", p->denied);
		jb_obj_end(jb);
		jflush(jb, f, false);
	}
	jb_arr_end(jb);
	jomitted(jb, "tree_omitted", &r->procs_omitted);
}

static void json_syscalls(struct jbuf *jb, const struct run *r, const struct view *v)
{
	jb_key(jb, "syscalls");
	jb_arr_begin(jb);
	for (uint32_t i = 0; i < r->nsc; i++) {
		const struct sysc *s = &r->sc[v->sc[i]];

		jb_obj_begin(jb);
		jkrstr(jb, "name", s->name);
		jkuint(jb, "count", s->count);
		jkuint(jb, "deny", s->deny);
		jkuint(jb, "kill", s->kill);
		jkuint(jb, "rewrite", s->rewrite);
		jb_obj_end(jb);
	}
	jb_arr_end(jb);
	jomitted(jb, "syscalls_omitted", &r->sc_omitted);
}

static void json_target(struct jbuf *jb, const struct target *t)
{
	jb_obj_begin(jb);
	jkrstr(jb, tclass_is_net(t->cls) ? "addr" : "path", t->name);
	jkuint(jb, "count", t->count);
	jkuint(jb, "denied", t->denied);
	jb_obj_end(jb);
}

static void json_targets(struct jbuf *jb, FILE *f, const struct run *r, const struct view *v,
			 bool net)
{
	jb_key(jb, net ? "network" : "files");
	jb_obj_begin(jb);
	for (unsigned c = 0; c < TC__N; c++) {
		if (tclass_is_net(c) != net)
			continue;
		jb_key(jb, tclass_name[c]);
		jb_arr_begin(jb);
		for (uint32_t i = 0; i < v->ntg[c]; i++) {
			json_target(jb, &r->tg[v->tg[c][i]]);
			jflush(jb, f, false);
		}
		jb_arr_end(jb);
	}
	jb_obj_end(jb);
	jb_key(jb, net ? "network_omitted" : "files_omitted");
	jb_obj_begin(jb);
	for (unsigned c = 0; c < TC__N; c++)
		if (tclass_is_net(c) == net)
			jomitted(jb, tclass_name[c], &r->tg_omitted[c]);
	jb_obj_end(jb);
}

static void json_denial(struct jbuf *jb, const struct denial *d)
{
	jb_obj_begin(jb);
	jkrstr(jb, "syscall", d->syscall);
	jkrstr(jb, "target", d->target);
	jkrstr(jb, "rule", d->rule);
	jkrstr(jb, "errno", d->err);
	jb_kstr(jb, "decision", d->decision < DEC_OTHER ? dec_name[d->decision] : NULL);
	jb_kstr(jb, "action", d->action < DEC_OTHER ? dec_name[d->action] : NULL);
	jkuint(jb, "count", d->count);
	jb_kdouble(jb, "first_ts", d->first_ts, 6);
	jb_kint(jb, "pid", d->pid);
	jb_obj_end(jb);
}

static void json_denials(struct jbuf *jb, FILE *f, const struct run *r)
{
	jb_key(jb, "denials");
	jb_arr_begin(jb);
	for (uint32_t i = 0; i < r->ndn; i++) {
		json_denial(jb, &r->dn[i]);
		jflush(jb, f, false);
	}
	jb_arr_end(jb);
	jomitted(jb, "denials_omitted", &r->dn_omitted);
	jkuint(jb, "denials_unlisted_calls", r->denials_unlisted);
}

static void json_rest(struct jbuf *jb, const struct run *r)
{
	unsigned n = timeline_used(&r->tl);

	jb_key(jb, "limits");
	jb_arr_begin(jb);
	for (unsigned i = 0; i < r->nlimits; i++) {
		jb_obj_begin(jb);
		jb_kdouble(jb, "ts", r->limits[i].ts, 6);
		jb_kint(jb, "pid", r->limits[i].pid);
		jb_key(jb, "fields");
		jfields(jb, &r->limits[i].fields);
		jb_obj_end(jb);
	}
	jb_arr_end(jb);
	jkuint(jb, "limits_omitted", r->limits_omitted);
	jb_key(jb, "timeline");
	jb_obj_begin(jb);
	jb_kdouble(jb, "bucket_s", r->tl.width, 6);
	jb_key(jb, "events");
	jb_arr_begin(jb);
	for (unsigned i = 0; i < n; i++)
		jb_uint(jb, r->tl.all[i]);
	jb_arr_end(jb);
	jb_key(jb, "denied");
	jb_arr_begin(jb);
	for (unsigned i = 0; i < n; i++)
		jb_uint(jb, r->tl.denied[i]);
	jb_arr_end(jb);
	jb_obj_end(jb);
}

static void json_report(FILE *f, const struct run *r, const struct view *v)
{
	struct jbuf jb;

	jb_init(&jb, 0);
	jb_obj_begin(&jb);
	json_header(&jb, r);
	json_tree(&jb, f, r, v);
	json_syscalls(&jb, r, v);
	json_targets(&jb, f, r, v, false);
	json_targets(&jb, f, r, v, true);
	json_denials(&jb, f, r);
	json_rest(&jb, r);
	jb_obj_end(&jb);
	jb_append(&jb, "\n", 1);
	jflush(&jb, f, true);
	jb_free(&jb);
}

static void json_summary(struct jbuf *jb, const char *key, const struct run *r)
{
	jb_key(jb, key);
	jb_obj_begin(jb);
	jb_kstr(jb, "trail", r->file);
	jb_kdouble(jb, "duration_s", run_duration(r), 6);
	jkuint(jb, "events", run_events(r));
	jkuint(jb, "processes", r->nprocs);
	jkuint(jb, "threads", r->threads);
	jkuint(jb, "syscalls", r->syscalls);
	jkuint(jb, "denied", r->denied);
	jb_obj_end(jb);
}

static void json_diff(FILE *f, const struct diff *d)
{
	struct jbuf jb;

	jb_init(&jb, 0);
	jb_obj_begin(&jb);
	json_summary(&jb, "base", d->base);
	json_summary(&jb, "new", d->now);
	jb_kbool(&jb, "incomplete", d->incomplete);
	jb_key(&jb, "syscalls");
	jb_arr_begin(&jb);
	for (uint32_t i = 0; i < d->nsc; i++) {
		jb_obj_begin(&jb);
		jkrstr(&jb, "name", d->sc[i].name);
		jkuint(&jb, "base", d->sc[i].base);
		jkuint(&jb, "new", d->sc[i].now);
		jb_kint(&jb, "delta", (long long)(d->sc[i].now - d->sc[i].base));
		jb_obj_end(&jb);
	}
	jb_arr_end(&jb);
	for (int net = 0; net < 2; net++) {
		jb_key(&jb, net ? "network" : "files");
		jb_obj_begin(&jb);
		for (unsigned c = 0; c < TC__N; c++) {
			if (tclass_is_net(c) != net)
				continue;
			jb_key(&jb, tclass_name[c]);
			jb_obj_begin(&jb);
			for (int side = 0; side < 2; side++) {
				jb_key(&jb, side ? "only_new" : "only_base");
				jb_arr_begin(&jb);
				for (uint32_t i = 0; i < d->nonly[c][side]; i++) {
					json_target(&jb, d->only[c][side][i]);
					jflush(&jb, f, false);
				}
				jb_arr_end(&jb);
			}
			jb_obj_end(&jb);
		}
		jb_obj_end(&jb);
	}
	jb_key(&jb, "denials");
	jb_obj_begin(&jb);
	for (int side = 1; side >= 0; side--) {
		jb_key(&jb, side ? "new" : "gone");
		jb_arr_begin(&jb);
		for (uint32_t i = 0; i < d->ndn[side]; i++) {
			json_denial(&jb, d->dn[side][i]);
			jflush(&jb, f, false);
		}
		jb_arr_end(&jb);
	}
	jb_obj_end(&jb);
	jb_obj_end(&jb);
	jb_append(&jb, "\n", 1);
	jflush(&jb, f, true);
	jb_free(&jb);
}

/* ---- HTML output --------------------------------------------------------------------------- */

static const char html_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:80em}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse}td,th{padding:.15em .7em;text-align:left;"
    "vertical-align:top}th{background:#eee}tr:nth-child(even) td{background:#f7f7f7}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}code,.m{font-family:"
    "ui-monospace,monospace;word-break:break-all}ul.tree{list-style:none;padding-left:1.2em}"
    "ul.tree ul{list-style:none;padding-left:1.6em;border-left:1px dotted #aaa}"
    ".deny{color:#b03020}.note{color:#666}.add{color:#1a7f37}.del{color:#b03020}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}"
    "dd{margin:0}";

static void html_begin(FILE *f, const char *title_a, const char *title_b)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width\"><title>sysward report: ",
	      f);
	put_safe(f, title_a, strlen(title_a), true);
	if (title_b) {
		fputs(" vs ", f);
		put_safe(f, title_b, strlen(title_b), true);
	}
	fprintf(f, "</title><style>%s</style></head><body>\n", html_style);
}

static void html_end(FILE *f)
{
	fputs("</body></html>\n", f);
}

static void html_header(FILE *f, const struct run *r)
{
	fputs("<h1>sysward report of <code>", f);
	put_safe(f, r->file, strlen(r->file), true);
	fputs("</code></h1>\n<dl>", f);
	if (r->have_start && r->nargv) {
		fputs("<dt>program</dt><dd class=\"m\">", f);
		put_program(f, r, true);
		fputs("</dd>", f);
	}
	if (r->cwd) {
		fputs("<dt>cwd</dt><dd class=\"m\">", f);
		put_rstr(f, r->cwd, true);
		fputs("</dd>", f);
	}
	if (r->mode) {
		fputs("<dt>mode</dt><dd>", f);
		put_rstr(f, r->mode, true);
		fputs("</dd>", f);
	}
	if (r->policy_sha256) {
		fputs("<dt>policy sha256</dt><dd class=\"m\">", f);
		put_rstr(f, r->policy_sha256, true);
		fputs("</dd>", f);
	}
	if (r->version) {
		fputs("<dt>sysward</dt><dd>", f);
		put_rstr(f, r->version, true);
		fputs("</dd>", f);
	}
	fprintf(f, "<dt>duration</dt><dd>%.6f s", run_duration(r));
	if (r->have_end && r->end.n) {
		fputs(" (", f);
		put_fields(f, &r->end, true);
		fputs(")", f);
	} else if (!r->have_end) {
		fputs(" <span class=\"deny\">(no end event: the trail was cut short)</span>", f);
	}
	fprintf(f, "</dd><dt>events</dt><dd>%" PRIu64 " (", run_events(r));
	for (unsigned i = 0; i < EV__N; i++)
		if (i != EV_OTHER || r->events[i])
			fprintf(f, "%s%s %" PRIu64, i ? ", " : "", ev_name[i], r->events[i]);
	fprintf(f, ")</dd><dt>processes</dt><dd>%" PRIu32 "%s, plus %" PRIu64 " threads</dd>",
		r->nprocs, r->procs_omitted.distinct || r->procs_omitted.at_least ? "+" : "",
		r->threads);
	fprintf(f,
		"<dt>syscalls</dt><dd>%" PRIu64 " trapped, <span class=\"deny\">%" PRIu64
		" denied</span> (%" PRIu64 " kill), %" PRIu64 " rewritten%s</dd>",
		r->syscalls, r->denied, r->killed, r->rewritten,
		r->audit_only ? " &mdash; audit mode: denials were logged, not enforced" : "");
	if (r->invalid || r->too_long)
		fprintf(f,
			"<dt>skipped</dt><dd>%" PRIu64 " invalid lines, %" PRIu64
			" lines too long</dd>",
			r->invalid, r->too_long);
	fputs("</dl>\n", f);
}

/* Horizontal bars of the most frequent syscalls, the denied part in red. */
static void html_bars(FILE *f, const struct run *r, const struct view *v)
{
	uint32_t n = r->nsc < HTML_BARS ? r->nsc : HTML_BARS;
	double max = n ? (double)r->sc[v->sc[0]].count : 1;
	const int label = 170, width = 520, row = 18;

	if (!n)
		return;
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		"role=\"img\" aria-label=\"top syscalls\" font-size=\"12\">\n",
		label + width + 90, n * row + 4);
	for (uint32_t i = 0; i < n; i++) {
		const struct sysc *s = &r->sc[v->sc[i]];
		double w = (double)s->count / max * width;
		double wd = (double)(s->deny + s->kill) / max * width;
		unsigned y = i * row + 2;

		fprintf(f, "<text x=\"%d\" y=\"%u\" text-anchor=\"end\">", label - 6, y + 13);
		put_rstr(f, s->name, true);
		fprintf(f,
			"</text><rect x=\"%d\" y=\"%u\" width=\"%.1f\" height=\"%d\" "
			"fill=\"#4a78b0\"/>",
			label, y, w < 1 ? 1 : w, row - 4);
		if (wd > 0)
			fprintf(f,
				"<rect x=\"%d\" y=\"%u\" width=\"%.1f\" height=\"%d\" "
				"fill=\"#c0392b\"><title>%" PRIu64 " denied</title></rect>",
				label, y, wd < 1 ? 1 : wd, row - 4, s->deny + s->kill);
		fprintf(f, "<text x=\"%.1f\" y=\"%u\">%" PRIu64 "</text>\n",
			label + (w < 1 ? 1 : w) + 4, y + 13, s->count);
	}
	fputs("</svg>\n", f);
}

/* Events per time bucket, the denied part stacked in red. */
static void html_timeline(FILE *f, const struct run *r)
{
	unsigned n = timeline_used(&r->tl);
	const int width = 720, height = 140, left = 50, bottom = 20;
	uint64_t max = 1;
	double bw;

	if (!n)
		return;
	for (unsigned i = 0; i < n; i++)
		if (r->tl.all[i] > max)
			max = r->tl.all[i];
	bw = (double)width / n;
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"events over time\" font-size=\"11\">\n",
		left + width + 10, height + bottom);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>", left, height,
		left + width, height);
	fprintf(f, "<text x=\"%d\" y=\"10\" text-anchor=\"end\">%" PRIu64 "</text>", left - 4, max);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", left - 4, height);
	fprintf(f, "<text x=\"%d\" y=\"%d\">0 s</text>", left, height + 15);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3f s</text>\n", left + width,
		height + 15, n * r->tl.width);
	for (unsigned i = 0; i < n; i++) {
		double h = (double)r->tl.all[i] / (double)max * (height - 12);
		double hd = (double)r->tl.denied[i] / (double)max * (height - 12);
		double x = left + i * bw;

		if (!r->tl.all[i])
			continue;
		fprintf(
		    f,
		    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a78b0\">"
		    "<title>%.3f-%.3f s: %" PRIu64 " events, %" PRIu64 " denied</title></rect>",
		    x, height - h, bw > 1.5 ? bw - 0.5 : bw, h, i * r->tl.width,
		    (i + 1) * r->tl.width, r->tl.all[i], r->tl.denied[i]);
		if (r->tl.denied[i])
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"#c0392b\"/>",
				x, height - (hd < 1 ? 1 : hd), bw > 1.5 ? bw - 0.5 : bw,
				hd < 1 ? 1 : hd);
		fputc('\n', f);
	}
	fputs("</svg>\n", f);
}

static void html_tree(FILE *f, const struct run *r, const struct view *v)
{
	int64_t cur = -1;

	fputs("<h2>Process tree</h2>\n", f);
	for (uint32_t i = 0; i < v->ntree; i++) {
		const struct proc *p = &r->procs[v->tree[i].node];
		int64_t d = v->tree[i].depth < TREE_MAX_INDENT ? v->tree[i].depth : TREE_MAX_INDENT;

		if (d > cur) {
			fputs(cur < 0 ? "<ul class=\"tree\">" : "<ul>", f);
		} else {
			fputs("</li>", f);
			for (; cur > d; cur--)
				fputs("</ul></li>", f);
		}
		cur = d;
		fputs("<li>", f);
		if (v->tree[i].depth > TREE_MAX_INDENT)
			fprintf(f, "[depth %" PRIu32 "] ", v->tree[i].depth);
		fprintf(f, "<b>%d</b> <code>", p->pid);
		if (p->exec) {
			put_rstr(f, p->exec, true);
			if (p->args && p->args->len) {
				fputc(' ', f);
				put_rstr(f, p->args, true);
			}
		} else {
			fputs("(no exec)", f);
		}
		fputs("</code> <span class=\"note\">", f);
		if (p->execs > 1)
			fprintf(f, "[%" PRIu32 " execs] ", p->execs);
		if (p->threads)
			fprintf(f, "[%" PRIu32 " threads] ", p->threads);
		fprintf(f, "%" PRIu64 " syscalls", p->syscalls);
		if (p->denied)
			fprintf(f, ", <span class=\"deny\">%" PRIu64 " denied</span>", p->denied);
		fputs("; ", f);
		put_status(f, p);
		fputs("</span>\n", f);
	}
	if (cur >= 0) {
		fputs("</li>", f);
		for (; cur > 0; cur--)
			fputs("</ul></li>", f);
		fputs("</ul>\n", f);
	}
	if (r->procs_omitted.distinct || r->procs_omitted.at_least)
		fprintf(
		    f, "<p class=\"note\">%s%" PRIu64 " more processes not kept (table full)</p>\n",
		    r->procs_omitted.at_least ? "at least " : "", r->procs_omitted.distinct);
}

static void html_omitted(FILE *f, const struct omitted *o, const char *what)
{
	if (o->distinct || o->at_least)
		fprintf(f,
			"<p class=\"note\">%s%" PRIu64
			" more distinct %s not kept (table full)</p>\n",
			o->at_least ? "at least " : "", o->distinct, what);
}

static void html_more(FILE *f, uint32_t n, uint32_t shown)
{
	if (n > shown)
		fprintf(f, "<p class=\"note\">%" PRIu32 " more (--json lists them all)</p>\n",
			n - shown);
}

static void html_target_rows(FILE *f, const struct target *const *t, uint32_t n, bool net,
			     const char *cls)
{
	fprintf(f, "<table><tr><th>count</th><th>denied</th><th>%s</th></tr>\n",
		net ? "address" : "path");
	for (uint32_t i = 0; i < n && i < HTML_ROWS; i++) {
		fprintf(f,
			"<tr%s%s%s><td class=\"n\">%" PRIu64 "</td><td class=\"n%s\">%" PRIu64
			"</td><td class=\"m\">",
			cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "", t[i]->count,
			t[i]->denied ? " deny" : "", t[i]->denied);
		put_rstr(f, t[i]->name, true);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	html_more(f, n, HTML_ROWS);
}

static void html_denial_rows(FILE *f, const struct denial *const *d, uint32_t n)
{
	fputs("<table><tr><th>count</th><th>first ts</th><th>pid</th><th>syscall</th>"
	      "<th>errno</th><th>rule</th><th>target</th><th>decision</th></tr>\n",
	      f);
	for (uint32_t i = 0; i < n && i < HTML_ROWS; i++) {
		fprintf(f,
			"<tr><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%.6f</td>"
			"<td class=\"n\">%d</td><td>",
			d[i]->count, d[i]->first_ts, d[i]->pid);
		put_rstr(f, d[i]->syscall, true);
		fputs("</td><td>", f);
		put_rstr(f, d[i]->err, true);
		fputs("</td><td class=\"m\">", f);
		put_rstr(f, d[i]->rule, true);
		fputs("</td><td class=\"m\">", f);
		put_rstr(f, d[i]->target, true);
		fprintf(f, "</td><td>%s%s</td></tr>\n",
			d[i]->decision < DEC_OTHER ? dec_name[d[i]->decision] : "?",
			d[i]->action == DEC_ALLOW || d[i]->action == DEC_REWRITE
			    ? " (audit: allowed)"
			    : "");
	}
	fputs("</table>\n", f);
	html_more(f, n, HTML_ROWS);
}

static void html_report(FILE *f, const struct run *r, const struct view *v)
{
	const struct denial **dn = xmalloc(sizeof(*dn) * (r->ndn + 1));

	html_begin(f, r->file, NULL);
	html_header(f, r);
	fputs("<h2>Events over time</h2>\n", f);
	html_timeline(f, r);
	html_tree(f, r, v);
	fprintf(f, "<h2>Syscalls (%" PRIu32 " distinct)</h2>\n", r->nsc);
	html_bars(f, r, v);
	fputs("<table><tr><th>syscall</th><th>count</th><th>deny</th><th>kill</th>"
	      "<th>rewrite</th></tr>\n",
	      f);
	for (uint32_t i = 0; i < r->nsc; i++) {
		const struct sysc *s = &r->sc[v->sc[i]];

		fputs("<tr><td>", f);
		put_rstr(f, s->name, true);
		fprintf(f,
			"</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
			"</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
			"</td></tr>\n",
			s->count, s->deny, s->kill, s->rewrite);
	}
	fputs("</table>\n", f);
	html_omitted(f, &r->sc_omitted, "syscall names");
	for (unsigned c = 0; c < TC__N; c++) {
		const struct target **t = xmalloc(sizeof(*t) * (v->ntg[c] + 1));

		for (uint32_t i = 0; i < v->ntg[c]; i++)
			t[i] = &r->tg[v->tg[c][i]];
		fprintf(f, "<h2>%s (%" PRIu32 " distinct)</h2>\n", tclass_title[c], v->ntg[c]);
		html_target_rows(f, t, v->ntg[c], tclass_is_net(c), NULL);
		html_omitted(f, &r->tg_omitted[c], tclass_is_net(c) ? "addresses" : "paths");
		free(t);
	}
	fprintf(f, "<h2>Denials (%" PRIu32 " distinct, %" PRIu64 " calls)</h2>\n", r->ndn,
		r->denied);
	for (uint32_t i = 0; i < r->ndn; i++)
		dn[i] = &r->dn[i];
	html_denial_rows(f, dn, r->ndn);
	html_omitted(f, &r->dn_omitted, "denials");
	if (r->nlimits) {
		fputs("<h2>Limits</h2>\n<table><tr><th>ts</th><th>pid</th><th>fields</th></tr>\n",
		      f);
		for (unsigned i = 0; i < r->nlimits; i++) {
			fprintf(
			    f,
			    "<tr><td class=\"n\">%.6f</td><td class=\"n\">%d</td><td class=\"m\">",
			    r->limits[i].ts, r->limits[i].pid);
			put_fields(f, &r->limits[i].fields, true);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	html_end(f);
	free(dn);
}

static void html_diff(FILE *f, const struct diff *d)
{
	const struct run *a = d->base, *b = d->now;

	html_begin(f, a->file, b->file);
	fputs("<h1>sysward report: <code>", f);
	put_safe(f, a->file, strlen(a->file), true);
	fputs("</code> (base) &rarr; <code>", f);
	put_safe(f, b->file, strlen(b->file), true);
	fputs("</code> (new)</h1>\n", f);
	if (d->incomplete)
		fputs("<p class=\"note\">A table of one trail was full: entries not kept are not "
		      "compared.</p>\n",
		      f);
	fprintf(f,
		"<table><tr><th></th><th>base</th><th>new</th></tr>"
		"<tr><td>duration</td><td class=\"n\">%.6f s</td><td class=\"n\">%.6f s</td></tr>"
		"<tr><td>events</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
		"</td></tr><tr><td>processes</td><td class=\"n\">%" PRIu32
		"</td><td class=\"n\">%" PRIu32
		"</td></tr><tr><td>syscalls</td><td class=\"n\">%" PRIu64
		"</td><td class=\"n\">%" PRIu64
		"</td></tr><tr><td>denied</td><td class=\"n\">%" PRIu64
		"</td><td class=\"n\">%" PRIu64 "</td></tr></table>\n",
		run_duration(a), run_duration(b), run_events(a), run_events(b), a->nprocs,
		b->nprocs, a->syscalls, b->syscalls, a->denied, b->denied);
	fprintf(f, "<h2>Syscall counts that differ (%" PRIu32 ")</h2>\n", d->nsc);
	fputs("<table><tr><th>syscall</th><th>base</th><th>new</th><th>delta</th></tr>\n", f);
	for (uint32_t i = 0; i < d->nsc; i++) {
		double delta = (double)d->sc[i].now - (double)d->sc[i].base;

		fputs("<tr><td>", f);
		put_rstr(f, d->sc[i].name, true);
		fprintf(f,
			"</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
			"</td><td class=\"n %s\">%+.0f</td></tr>\n",
			d->sc[i].base, d->sc[i].now, delta > 0 ? "add" : "del", delta);
	}
	fputs("</table>\n", f);
	for (unsigned c = 0; c < TC__N; c++) {
		for (int side = 1; side >= 0; side--) {
			if (!d->nonly[c][side])
				continue;
			fprintf(f, "<h2>%s only in the %s trail (%" PRIu32 ")</h2>\n",
				tclass_title[c], side ? "new" : "base", d->nonly[c][side]);
			html_target_rows(f, d->only[c][side], d->nonly[c][side], tclass_is_net(c),
					 side ? "add" : "del");
		}
	}
	fprintf(f, "<h2>Denials new in the new trail (%" PRIu32 ")</h2>\n", d->ndn[1]);
	html_denial_rows(f, d->dn[1], d->ndn[1]);
	fprintf(f, "<h2>Denials gone (only in the base trail) (%" PRIu32 ")</h2>\n", d->ndn[0]);
	html_denial_rows(f, d->dn[0], d->ndn[0]);
	html_end(f);
}

/* ---- command line ------------------------------------------------------------------------- */

struct report_opts {
	bool json;
	const char *html; /* NULL: no page */
	const char *diff; /* NULL: report on one trail; else the base trail */
	const char *trail;
};

static void usage(FILE *f)
{
	fputs("usage: sysward report [--json] [--html OUT] [--diff OTHER.jsonl] AUDIT.jsonl\n"
	      "  Statistics, process tree, files, addresses and denials of an audit trail\n"
	      "  (\"-\" reads it from standard input).\n"
	      "  --json        one JSON object on standard output instead of text\n"
	      "  --html OUT    also write a self-contained HTML page to OUT\n"
	      "  --diff OTHER  compare: what changed from OTHER (base) to AUDIT (new)\n",
	      f);
}

static int bad_usage(const char *fmt, ...) PRINTF_LIKE(1, 2);

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("sysward: report: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (usage: sysward report [--json] [--html OUT] [--diff OTHER.jsonl] AUDIT.jsonl)\n",
	      stderr);
	return -EINVAL;
}

/* An option's value: "--opt=VALUE" or "--opt VALUE".  NULL when a is not opt. */
static const char *opt_value(const char *a, const char *opt, int argc, char **argv, int *i,
			     int *err)
{
	size_t n = strlen(opt);

	if (strncmp(a, opt, n) != 0 || (a[n] != '\0' && a[n] != '='))
		return NULL;
	if (a[n] == '=') {
		if (!a[n + 1])
			*err = bad_usage("option '%s' needs a file name", opt);
		return a + n + 1;
	}
	if (*i + 1 >= argc) {
		*err = bad_usage("option '%s' needs a file name", opt);
		return a;
	}
	return argv[++*i];
}

/* 0, 1 for --help, or -EINVAL (message printed). */
static int parse_args(int argc, char **argv, struct report_opts *o)
{
	bool operands = false;
	int err = 0;

	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc && !err; i++) {
		const char *a = argv[i], *val;

		if (operands || a[0] != '-' || !a[1]) {
			if (o->trail)
				return bad_usage("unexpected operand '%s': give one audit trail",
						 a);
			o->trail = a;
		} else if (strcmp(a, "--") == 0) {
			operands = true;
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return 1;
		} else if ((val = opt_value(a, "--html", argc, argv, &i, &err))) {
			o->html = val;
		} else if ((val = opt_value(a, "--diff", argc, argv, &i, &err))) {
			o->diff = val;
		} else {
			return bad_usage("unknown option '%s'", a);
		}
	}
	if (err)
		return err;
	if (!o->trail)
		return bad_usage("no audit trail given");
	if (o->diff && strcmp(o->diff, "-") == 0 && strcmp(o->trail, "-") == 0)
		return bad_usage("only one trail can be read from standard input");
	return 0;
}

static int write_html(const char *path, const struct run *r, const struct view *v,
		      const struct diff *d)
{
	FILE *f = fopen(path, "we");
	int ok;

	if (!f) {
		warnx_("report: %s: %s", path, strerror(errno));
		return -errno;
	}
	if (d)
		html_diff(f, d);
	else
		html_report(f, r, v);
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok) {
		warnx_("report: writing %s failed", path);
		return -EIO;
	}
	return 0;
}

int report_main(int argc, char **argv)
{
	struct report_opts o;
	struct run *runs = NULL;
	struct jsonl parser;
	struct view v;
	struct diff d;
	int status = 0, r = parse_args(argc, argv, &o);
	int nruns = 1;

	if (r > 0) {
		usage(stdout);
		return 0;
	}
	if (r < 0)
		return EXIT_SYSWARD_FAILED;
	if (jsonl_init(&parser, REPORT_MAX_LINE, REPORT_MAX_DEPTH, REPORT_MAX_VALUES) < 0)
		return EXIT_SYSWARD_FAILED;

	/* runs[0] is the trail reported on (the new one of a diff), runs[1] the base */
	nruns = o.diff ? 2 : 1;
	runs = xcalloc((size_t)nruns, sizeof(*runs));
	run_init(&runs[0], o.trail);
	if (o.diff)
		run_init(&runs[1], o.diff);
	for (int i = nruns - 1; i >= 0; i--) {
		if (run_load(&runs[i], &parser) < 0) {
			status = 1;
			goto out;
		}
	}
	jsonl_free(&parser);

	if (o.diff) {
		diff_build(&d, &runs[1], &runs[0]);
		if (o.json)
			json_diff(stdout, &d);
		else
			text_diff(stdout, &d);
		if (o.html && write_html(o.html, NULL, NULL, &d) < 0)
			status = 1;
		diff_free(&d);
	} else {
		view_build(&v, &runs[0]);
		if (o.json)
			json_report(stdout, &runs[0], &v);
		else
			text_report(stdout, &runs[0], &v);
		if (o.html && write_html(o.html, &runs[0], &v, NULL) < 0)
			status = 1;
		view_free(&v);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		warnx_("report: writing the report failed: %s", strerror(errno));
		clearerr(stdout);
		status = 1;
	}
out:
	jsonl_free(&parser);
	for (int i = 0; i < nruns; i++)
		run_free(&runs[i]);
	free(runs);
	return status;
}
