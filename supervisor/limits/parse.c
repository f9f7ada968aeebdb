/* limits/parse: pure parsers of cgroup knobs and /proc text; no I/O, unit tested. */
#include "supervisor/limits/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const limits_cg1_names[CG1__COUNT] = {
    [CG1_MEMORY] = "memory",   [CG1_CPUACCT] = "cpuacct", [CG1_PIDS] = "pids",
    [CG1_FREEZER] = "freezer", [CG1_CPUSET] = "cpuset",
};

/* Parse an unsigned decimal at *p, advancing it.  0 or -EINVAL/-ERANGE. */
static int parse_dec(const char **p, uint64_t *val)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*p = s;
	*val = v;
	return 0;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* value := DIGITS | "max", then optional blanks and one newline */
int limits_parse_u64(const char *text, uint64_t *val)
{
	const char *p = skip_blanks(text);
	uint64_t v;

	if (!strncmp(p, "max", 3)) {
		v = UINT64_MAX;
		p += 3;
	} else if (parse_dec(&p, &v) < 0) {
		return -EINVAL;
	}
	p = skip_blanks(p);
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*val = v;
	return 0;
}

/* file := { KEY ' ' value '\n' } ; the first line whose KEY equals `key` counts */
int limits_parse_keyed(const char *text, const char *key, uint64_t *val)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == '\t')) {
			const char *p = skip_blanks(line + klen);
			uint64_t v;
			if (!strncmp(p, "max", 3)) {
				v = UINT64_MAX;
				p += 3;
			} else if (parse_dec(&p, &v) < 0) {
				return -EINVAL;
			}
			p = skip_blanks(p);
			if (*p && *p != '\n')
				return -EINVAL;
			*val = v;
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int limits_parse_cpu_stat(const char *text, struct limits_cpu *c)
{
	uint64_t usage, user, sys;
	int r;

	if ((r = limits_parse_keyed(text, "usage_usec", &usage)) < 0 ||
	    (r = limits_parse_keyed(text, "user_usec", &user)) < 0 ||
	    (r = limits_parse_keyed(text, "system_usec", &sys)) < 0)
		return r;
	c->cpu_s = (double)usage / 1e6;
	c->user_s = (double)user / 1e6;
	c->sys_s = (double)sys / 1e6;
	return 0;
}

int limits_parse_cpuacct_stat(const char *text, long ticks_per_s, double *user_s, double *sys_s)
{
	uint64_t user, sys;
	int r;

	if (ticks_per_s <= 0)
		return -EINVAL;
	if ((r = limits_parse_keyed(text, "user", &user)) < 0 ||
	    (r = limits_parse_keyed(text, "system", &sys)) < 0)
		return r;
	*user_s = (double)user / (double)ticks_per_s;
	*sys_s = (double)sys / (double)ticks_per_s;
	return 0;
}

/*
 * stat := PID ' (' COMM ') ' STATE ' ' field4 ... ; COMM is up to 16 bytes of anything, so the
 * fields start after the LAST ')' of the line.  Field n (proc(5) numbering) is the (n-3)th
 * blank-separated word after STATE.
 */
int limits_parse_proc_stat(const char *text, struct limits_proc_stat *ps)
{
	const char *p = strrchr(text, ')');
	uint64_t v;
	int field;

	if (!p || p[1] != ' ' || !p[2] || p[2] == ' ')
		return -EINVAL;
	p += 2;
	memset(ps, 0, sizeof(*ps));
	ps->state = *p++;
	for (field = 4; field <= 24; field++) {
		if (*p != ' ')
			return -EINVAL;
		p++;
		if (*p == '-') {
			/* signed fields (ppid 0 in containers, tty_nr, cutime...) are not used */
			p++;
			if (parse_dec(&p, &v) < 0)
				return -EINVAL;
			v = 0;
		} else if (parse_dec(&p, &v) < 0) {
			return -EINVAL;
		}
		switch (field) {
		case 14:
			ps->utime = v;
			break;
		case 15:
			ps->stime = v;
			break;
		case 20:
			ps->num_threads = v > LONG_MAX ? LONG_MAX : (long)v;
			break;
		case 22:
			ps->starttime = v;
			break;
		case 24:
			ps->rss_pages = v;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* list := range { ',' range } ; range := N [ '-' N ] ; blanks and one final newline allowed */
int limits_parse_cpulist(const char *list, cpu_set_t *set)
{
	const char *p = skip_blanks(list);
	bool any = false;

	CPU_ZERO(set);
	for (;;) {
		uint64_t lo, hi;
		if (parse_dec(&p, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_dec(&p, &hi) < 0 || hi < lo)
				return -EINVAL;
		}
		if (hi >= CPU_SETSIZE)
			return -ERANGE;
		for (uint64_t c = lo; c <= hi; c++)
			CPU_SET((size_t)c, set);
		any = true;
		if (*p != ',')
			break;
		p++;
	}
	p = skip_blanks(p);
	if (*p == '\n')
		p++;
	if (*p || !any)
		return -EINVAL;
	return 0;
}

void limits_format_cpulist(const cpu_set_t *set, char *buf, size_t size)
{
	size_t len = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		int e = c;
		int n;
		if (!CPU_ISSET(c, set))
			continue;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
			e++;
		if (e == c)
			n = snprintf(buf + len, size - len, "%s%d", len ? "," : "", c);
		else
			n = snprintf(buf + len, size - len, "%s%d-%d", len ? "," : "", c, e);
		if (n < 0 || (size_t)n >= size - len)
			return;
		len += (size_t)n;
		c = e;
	}
}

bool limits_has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list;

	while (*p) {
		size_t n;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		n = strcspn(p, " \t\n");
		if (n == wl && !strncmp(p, word, wl))
			return true;
		p += n;
	}
	return false;
}

/* Copy one mountinfo word, undoing the kernel's \ooo octal escapes.  0 or -ENAMETOOLONG. */
static int mi_word(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 |
				   (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= outsz)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* A mount at `mnt` covers an earlier one at or below it: that one is unreachable. */
static void mi_cover(struct limits_mount *m, const char *mnt)
{
	size_t n = strlen(mnt);

	if (!m->found)
		return;
	if (!strcmp(mnt, "/") || (!strncmp(m->path, mnt, n) && (!m->path[n] || m->path[n] == '/')))
		m->found = false;
}

static void mi_set(struct limits_mount *m, const char *path, const char *root)
{
	m->found = true;
	snprintf(m->path, sizeof(m->path), "%s", path);
	snprintf(m->root, sizeof(m->root), "%s", root);
}

/*
 * line := ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS { OPTIONAL } '-' FSTYPE SOURCE SUPEROPTS
 * A cgroup (v1) mount names its controllers in SUPEROPTS ("rw,cpu,cpuacct"); a later mount
 * at the same point hides an earlier one, so the last one of each kind wins, except that a
 * cgroup2 mount at /sys/fs/cgroup is always preferred.  A mount hides the earlier ones at or
 * below its mount point (tracee-tests/cgroup2-ns.sh mounts cgroup2 over a v1 layout).
 */
int limits_parse_mountinfo(const char *text, struct limits_mounts *m)
{
	const char *line = text;
	char root[PATH_MAX], mnt[PATH_MAX];

	memset(m, 0, sizeof(*m));
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *w[6], *dash, *end = line + len;
		size_t wl[6];
		const char *p = line;
		const char *fstype, *super;
		size_t fl, sl;

		for (int i = 0; i < 6; i++) {
			while (p < end && *p == ' ')
				p++;
			w[i] = p;
			while (p < end && *p != ' ')
				p++;
			wl[i] = (size_t)(p - w[i]);
			if (!wl[i])
				return -EINVAL;
		}
		dash = p;
		while (dash < end && !(dash[0] == ' ' && dash[1] == '-' && dash[2] == ' '))
			dash++;
		if (dash >= end)
			return -EINVAL;
		fstype = dash + 3;
		fl = strcspn(fstype, " \n");
		if (fstype + fl >= end)
			return -EINVAL;
		super = fstype + fl + 1;
		super += strcspn(super, " \n"); /* skip SOURCE */
		if (super >= end)
			return -EINVAL;
		super++;
		sl = (size_t)(end - super);
		if (mi_word(w[3], wl[3], root, sizeof(root)) < 0 ||
		    mi_word(w[4], wl[4], mnt, sizeof(mnt)) < 0)
			return -EINVAL;

		mi_cover(&m->v2, mnt);
		if (!m->v2.found)
			m->v2_is_main = false;
		for (int c = 0; c < CG1__COUNT; c++)
			mi_cover(&m->v1[c], mnt);
		if (fl == 7 && !strncmp(fstype, "cgroup2", 7)) {
			bool main_mnt = !strcmp(mnt, "/sys/fs/cgroup");
			if (main_mnt || !m->v2_is_main) {
				mi_set(&m->v2, mnt, root);
				m->v2_is_main = main_mnt;
			}
		} else if (fl == 6 && !strncmp(fstype, "cgroup", 6)) {
			for (int c = 0; c < CG1__COUNT; c++) {
				const char *o = super;
				size_t n = strlen(limits_cg1_names[c]);
				while (o < super + sl) {
					size_t ol = strcspn(o, ",\n");
					if (o + ol > super + sl)
						ol = (size_t)(super + sl - o);
					if (ol == n && !strncmp(o, limits_cg1_names[c], n))
						mi_set(&m->v1[c], mnt, root);
					o += ol + 1;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

int limits_pick_backend(const struct limits_mounts *m, const char *force, const char *root_env,
			enum limits_backend *out)
{
	bool v1 = m->v1[CG1_MEMORY].found || m->v1[CG1_PIDS].found || m->v1[CG1_CPUACCT].found ||
		  m->v1[CG1_FREEZER].found;
	bool v2 = m->v2.found || (root_env && *root_env);

	if (force && *force) {
		if (!strcmp(force, "none")) {
			*out = LIMITS_NONE;
			return 0;
		}
		if (!strcmp(force, "v1")) {
			*out = LIMITS_CGROUP_V1;
			return v1 ? 0 : -ENOENT;
		}
		if (!strcmp(force, "v2")) {
			*out = LIMITS_CGROUP_V2;
			return v2 ? 0 : -ENOENT;
		}
		return -EINVAL;
	}
	if ((root_env && *root_env) || m->v2_is_main)
		*out = LIMITS_CGROUP_V2;
	else if (v1)
		*out = LIMITS_CGROUP_V1;
	else if (v2)
		*out = LIMITS_CGROUP_V2;
	else
		*out = LIMITS_NONE;
	return 0;
}

int limits_parse_own_cgroup(const char *text, const char *mount_root, char *out, size_t outsz)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len >= 3 && !strncmp(line, "0::", 3)) {
			const char *path = line + 3;
			size_t pl = len - 3;
			size_t rl = strlen(mount_root);
			if (!pl || path[0] != '/')
				return -ENOENT;
			if (!strcmp(mount_root, "/")) {
				rl = 0;
			} else {
				while (rl > 1 && mount_root[rl - 1] == '/')
					rl--;
				if (pl < rl || strncmp(path, mount_root, rl) ||
				    (pl > rl && path[rl] != '/'))
					return -ENOENT;
			}
			path += rl;
			pl -= rl;
			if (!pl) {
				path = "/";
				pl = 1;
			}
			if (pl + 1 > outsz)
				return -ENAMETOOLONG;
			memcpy(out, path, pl);
			out[pl] = '\0';
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}
