/*
 * limits/fallback: accounting from /proc when no cgroup controller does it.
 *
 * CPU: /proc/TGID/stat utime+stime are the thread group's totals, dead threads included.  The
 * table keeps the last value seen for every process of the run, keyed by (tgid, starttime) so
 * a reused pid starts a new entry; the run's CPU is the sum of the table.  Each process thus
 * counts once, with its latest value: sampled while it lives, and read once more at each of
 * its tasks' PTRACE_EVENT_EXIT stops (limits_task_exit), the last of which sees its final
 * total.  Times of reaped children (cutime/cstime) are not used: the children are in the table
 * themselves.
 * Memory: the sum of RSS (field 24) over the live processes; shared pages count once per
 * process, so the sum errs high.  Tasks: the sum of num_threads.
 */
#include "supervisor/limits/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/util.h"

void fb_init(struct fb *f)
{
	memset(f, 0, sizeof(*f));
	f->ticks_per_s = sysconf(_SC_CLK_TCK);
	if (f->ticks_per_s <= 0)
		f->ticks_per_s = 100;
	f->page_size = sysconf(_SC_PAGESIZE);
	if (f->page_size <= 0)
		f->page_size = 4096;
}

void fb_free(struct fb *f)
{
	free(f->tab);
	f->tab = NULL;
	f->cap = f->used = 0;
}

static size_t fb_hash(pid_t tgid, uint64_t start, size_t cap)
{
	uint64_t h =
	    (uint64_t)(uint32_t)tgid * 0x9E3779B97F4A7C15ull ^ start * 0xC2B2AE3D27D4EB4Full;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static struct fb_entry *fb_slot(struct fb_entry *tab, size_t cap, pid_t tgid, uint64_t start)
{
	size_t i = fb_hash(tgid, start, cap);

	while (tab[i].tgid && !(tab[i].tgid == tgid && tab[i].start == start))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void fb_grow(struct fb *f)
{
	size_t cap = f->cap ? f->cap * 2 : 64;
	struct fb_entry *tab = xcalloc(cap, sizeof(*tab));

	for (size_t i = 0; i < f->cap; i++)
		if (f->tab[i].tgid)
			*fb_slot(tab, cap, f->tab[i].tgid, f->tab[i].start) = f->tab[i];
	free(f->tab);
	f->tab = tab;
	f->cap = cap;
}

void fb_record(struct fb *f, pid_t tgid, const struct limits_proc_stat *ps)
{
	struct fb_entry *e;

	if ((f->used + 1) * 2 > f->cap)
		fb_grow(f);
	e = fb_slot(f->tab, f->cap, tgid, ps->starttime);
	if (!e->tgid) {
		e->tgid = tgid;
		e->start = ps->starttime;
		f->used++;
	}
	/* group totals only grow; never let a late, smaller read undo a larger one */
	if (ps->utime > e->utime) {
		f->utime += ps->utime - e->utime;
		e->utime = ps->utime;
	}
	if (ps->stime > e->stime) {
		f->stime += ps->stime - e->stime;
		e->stime = ps->stime;
	}
}

int fb_account(struct fb *f, pid_t pid, struct limits_proc_stat *ps)
{
	char path[64], buf[1024];
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	n = read_small_file(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ESRCH ? -ENOENT : (int)n;
	r = limits_parse_proc_stat(buf, ps);
	if (r < 0)
		return r;
	fb_record(f, pid, ps);
	return 0;
}

void fb_sample(struct fb *f, const pid_t *tgids, size_t n, uint64_t *rss_sum, long *tasks)
{
	uint64_t rss = 0;
	long t = 0;

	for (size_t i = 0; i < n; i++) {
		struct limits_proc_stat ps;
		if (fb_account(f, tgids[i], &ps) < 0)
			continue;
		rss += ps.rss_pages * (uint64_t)f->page_size;
		/* a zombie leader whose threads live on is not a task of its own */
		if (ps.state == 'Z')
			t += ps.num_threads > 1 ? ps.num_threads - 1 : 0;
		else
			t += ps.num_threads;
	}
	if (rss > f->peak_rss)
		f->peak_rss = rss;
	*rss_sum = rss;
	*tasks = t;
}

void fb_cpu(const struct fb *f, double *cpu_s, double *user_s, double *sys_s)
{
	*user_s = (double)f->utime / (double)f->ticks_per_s;
	*sys_s = (double)f->stime / (double)f->ticks_per_s;
	*cpu_s = (double)(f->utime + f->stime) / (double)f->ticks_per_s;
}
