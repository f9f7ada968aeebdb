/* tracee: the table of traced tasks, hashed by tid. */
#include <errno.h>
#include <stdio.h>
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
		return !t->internal;
	/* a thread group id whose leader already exited but whose threads live on */
	for (unsigned i = 0; i < r->hsize; i++)
		for (t = r->htab[i]; t; t = t->hnext)
			if (t->tgid == pid && !t->internal)
				return true;
	return false;
}

pid_t tracee_nspid(struct tracee *t)
{
	char path[64], buf[4096];
	const char *p;
	ssize_t n;

	if (!t->run || !t->run->pidns)
		return t->tid;
	if (t->nspid)
		return t->nspid;
	/* "NSpid:\t<ours>\t<the namespace's>": the last field is the innermost view */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->tid);
	n = read_small_file(path, buf, sizeof(buf));
	t->nspid = -1;
	if (n > 0 && (p = strstr(buf, "\nNSpid:"))) {
		const char *end = strchr(p + 1, '\n'), *last = NULL;
		for (const char *q = p + 7; *q && (!end || q < end); q++)
			if ((*q == '\t' || *q == ' ') && q[1] >= '0' && q[1] <= '9')
				last = q + 1;
		if (last)
			t->nspid = (pid_t)atoi(last);
	}
	return t->nspid;
}

pid_t tracee_host_tid(struct run *r, pid_t nspid)
{
	if (!r->pidns)
		return nspid;
	if (nspid <= 0)
		return 0;
	/* every task of the namespace is traced: one of these, or none at all */
	for (unsigned i = 0; i < r->hsize; i++)
		for (struct tracee *t = r->htab[i]; t; t = t->hnext)
			if (tracee_nspid(t) == nspid)
				return t->tid;
	return 0;
}

/* Digits at path[i..): their end, or 0 when not a pid component (digits, then / or end). */
static size_t pid_digits(const char *path, size_t i)
{
	size_t j = i;

	while (path[j] >= '0' && path[j] <= '9')
		j++;
	return j > i && (path[j] == '/' || path[j] == '\0') ? j : 0;
}

/* Replace path[s..e) by the number v; the new end, or 0 when it does not fit. */
static size_t put_number(char *path, size_t size, size_t s, size_t e, long v)
{
	char num[24];
	size_t nl = (size_t)snprintf(num, sizeof(num), "%ld", v);
	size_t rest = strlen(path + e);

	if (s + nl + rest + 1 > size)
		return 0;
	memmove(path + s + nl, path + e, rest + 1);
	memcpy(path + s, num, nl);
	return s + nl;
}

/* /proc/PID[/task/TID] at the start of path, from one view to the other: both numbers, or
 * only the one that ends at `len` (a walk translates each as it is reached). */
static int translate(struct run *r, char *path, size_t size, size_t len, bool to_host,
		     bool last_only)
{
	size_t e1, s2 = 0, e2 = 0;

	if (!r->pidns || strncmp(path, "/proc/", 6) != 0 || !(e1 = pid_digits(path, 6)))
		return 0;
	if (strncmp(path + e1, "/task/", 6) == 0)
		e2 = pid_digits(path, s2 = e1 + 6);
	for (int k = 1; k >= 0; k--) {
		size_t s = k ? s2 : 6, e = k ? e2 : e1;
		long v, nv;
		if (!e || (last_only && e != len))
			continue;
		v = strtol(path + s, NULL, 10);
		if (to_host) {
			nv = tracee_host_tid(r, (pid_t)v);
		} else {
			struct tracee *t = tracee_find(r, (pid_t)v);
			nv = t ? tracee_nspid(t) : 0;
		}
		/* no such task in the other view: /proc/0 names nothing in either */
		if (!put_number(path, size, s, e, nv > 0 ? nv : 0))
			return -ENAMETOOLONG;
	}
	return 0;
}

int tracee_ns_path(struct run *r, char *path, size_t size)
{
	return translate(r, path, size, 0, false, false);
}

size_t tracee_host_path(struct run *r, char *path, bool last_only)
{
	size_t len = strlen(path);

	if (translate(r, path, PATH_MAX, len, true, last_only) < 0)
		return len;
	return strlen(path);
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
