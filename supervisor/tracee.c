/* tracee: the table of traced tasks, hashed by tid. */
#include <stdlib.h>
#include <string.h>

#include "supervisor/tracer.h"
#include "supervisor/util.h"

static unsigned hash_tid(pid_t tid, unsigned size)
{
	return ((unsigned)tid * 2654435761u) & (size - 1);
}

static void grow(struct run *r)
{
	unsigned nsize = r->hsize ? r->hsize * 2 : 256;
	struct tracee **n = xcalloc(nsize, sizeof(*n));

	for (unsigned i = 0; i < r->hsize; i++) {
		struct tracee *t = r->htab[i], *next;
		for (; t; t = next) {
			unsigned h = hash_tid(t->tid, nsize);
			next = t->hnext;
			t->hnext = n[h];
			n[h] = t;
		}
	}
	free(r->htab);
	r->htab = n;
	r->hsize = nsize;
}

struct tracee *tracee_find(struct run *r, pid_t tid)
{
	if (!r->hsize)
		return NULL;
	for (struct tracee *t = r->htab[hash_tid(tid, r->hsize)]; t; t = t->hnext)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct tracee *tracee_add(struct run *r, pid_t tid, pid_t tgid)
{
	struct tracee *t = tracee_find(r, tid);
	unsigned h;

	if (t)
		return t;
	if (r->ntracees + 1 > r->hsize / 2)
		grow(r);
	t = xcalloc(1, sizeof(*t));
	t->tid = tid;
	t->tgid = tgid;
	t->slot = -1;
	t->arch = arch_native();
	t->run = r;
	t->files_group = tgid;
	t->maps_fd = -1;
	h = hash_tid(tid, r->hsize);
	t->hnext = r->htab[h];
	r->htab[h] = t;
	r->ntracees++;
	return t;
}

void tracee_del(struct run *r, struct tracee *t)
{
	struct tracee **pp = &r->htab[hash_tid(t->tid, r->hsize)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == t) {
			*pp = t->hnext;
			tracee_drop_arena(t);
			free(t);
			r->ntracees--;
			return;
		}
	}
}

size_t tracee_tgids(struct run *r, pid_t *out, size_t max)
{
	size_t n = 0;

	/* a leader's record lives until its whole thread group is gone (the kernel reports
	 * a leader's exit only after its last thread's), so leaders are the thread groups */
	for (unsigned i = 0; i < r->hsize; i++)
		for (struct tracee *t = r->htab[i]; t && n < max; t = t->hnext)
			if (t->tid == t->tgid)
				out[n++] = t->tgid;
	return n;
}

bool tracee_is_member(struct run *r, pid_t pid)
{
	struct tracee *t = tracee_find(r, pid);

	if (t)
		return true;
	/* a thread group id whose leader already exited but whose threads live on */
	for (unsigned i = 0; i < r->hsize; i++)
		for (t = r->htab[i]; t; t = t->hnext)
			if (t->tgid == pid)
				return true;
	return false;
}

void tracee_free_all(struct run *r)
{
	for (unsigned i = 0; i < r->hsize; i++) {
		struct tracee *t = r->htab[i], *next;
		for (; t; t = next) {
			next = t->hnext;
			tracee_drop_arena(t);
			free(t);
		}
	}
	free(r->htab);
	r->htab = NULL;
	judge_forget(r);
	r->hsize = r->ntracees = 0;
	free(r->stash);
	r->stash = NULL;
	r->nstash = r->stash_cap = 0;
}
