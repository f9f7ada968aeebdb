/*
 * settings: the one table that parses run settings for both the command line (`--memory 1G`)
 * and the policy (`limit memory 1G`), so a value means the same in each.
 */
#include "policy/settings.h"

#include <errno.h>
#include <limits.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/util.h"

enum lim_type {
	LT_SECONDS, /* fractional seconds, > 0 */
	LT_SIZE,    /* bytes, K/M/G/T suffixes */
	LT_COUNT,   /* whole number >= 1 */
	LT_CPUS,    /* cpuset list */
};

#define S(field) offsetof(struct settings, field)
static const struct limit_desc {
	const char *name;
	enum lim_type type;
	size_t off;   /* of the value in struct settings: double, uint64_t, long or char[] */
	bool zero_ok; /* LT_SIZE: 0 is a meaningful value */
} limit_table[LIM__COUNT] = {
	[LIM_CPU_TIME] = { "cpu-time", LT_SECONDS, S(cpu_time), false },
	[LIM_WALL_TIME] = { "wall-time", LT_SECONDS, S(wall_time), false },
	[LIM_MEMORY] = { "memory", LT_SIZE, S(memory), false },
	[LIM_PIDS] = { "pids", LT_COUNT, S(pids), false },
	[LIM_CPUS] = { "cpus", LT_CPUS, S(cpus), false },
	[LIM_FSIZE] = { "fsize", LT_SIZE, S(fsize), true }, /* 0: no file may grow at all */
	[LIM_NOFILE] = { "nofile", LT_COUNT, S(nofile), false },
	[LIM_SCRATCH] = { "scratch", LT_SIZE, S(scratch), false },
};
#undef S

/* The value of limit k in settings s, as the type the table says. */
#define FIELD(s, k, type) ((type *)((char *)(s) + limit_table[k].off))
#define CFIELD(s, k, type) ((const type *)((const char *)(s) + limit_table[k].off))

#define CPUS_MAX_ID 8191 /* the kernel's largest NR_CPUS */

const char *limit_name(enum limit_key k)
{
	if ((unsigned)k >= LIM__COUNT)
		return NULL;
	return limit_table[k].name;
}

int limit_from_name(const char *name)
{
	int k;

	for (k = 0; k < LIM__COUNT; k++)
		if (strcmp(limit_table[k].name, name) == 0)
			return k;
	return -1;
}

/* cpus = range { "," range } ;  range = N [ "-" M ] ;  N <= M <= CPUS_MAX_ID */
static int check_cpus(const char *v, const char **why)
{
	const char *p = v;
	char *end;
	unsigned long lo, hi;

	if (strlen(v) >= sizeof(((struct settings *)0)->cpus)) {
		*why = "CPU list too long";
		return -EINVAL;
	}
	for (;;) {
		if (*p < '0' || *p > '9')
			goto bad;
		lo = strtoul(p, &end, 10);
		p = end;
		hi = lo;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (lo > hi || hi > CPUS_MAX_ID)
			goto bad;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	*why = "expected a CPU list such as 0 or 0-3,6";
	return -EINVAL;
}

int settings_set_limit(struct settings *s, enum limit_key k, const char *value, const char **why)
{
	const struct limit_desc *d;
	double sec;
	uint64_t size;
	long count;
	int r;

	if ((unsigned)k >= LIM__COUNT) {
		*why = "unknown limit";
		return -EINVAL;
	}
	d = &limit_table[k];
	switch (d->type) {
	case LT_SECONDS:
		if (parse_seconds(value, &sec) < 0) {
			*why = "expected seconds, such as 2 or 0.5";
			return -EINVAL;
		}
		if (sec <= 0) {
			*why = "must be greater than 0";
			return -EINVAL;
		}
		*FIELD(s, k, double) = sec;
		break;
	case LT_SIZE:
		r = parse_size(value, &size);
		if (r == -ERANGE) {
			*why = "size too large";
			return -EINVAL;
		}
		if (r < 0) {
			*why = "expected a size in bytes, such as 4096, 512K, 256M or 2G";
			return -EINVAL;
		}
		if (size == 0 && !d->zero_ok) {
			*why = "must be greater than 0";
			return -EINVAL;
		}
		*FIELD(s, k, uint64_t) = size;
		break;
	case LT_COUNT:
		r = parse_long(value, &count);
		if (r == -ERANGE || (r == 0 && count > INT_MAX)) {
			*why = "number too large";
			return -EINVAL;
		}
		if (r < 0) {
			*why = "expected a whole number";
			return -EINVAL;
		}
		if (count < 1) {
			*why = "must be at least 1";
			return -EINVAL;
		}
		*FIELD(s, k, long) = count;
		break;
	case LT_CPUS:
		r = check_cpus(value, why);
		if (r < 0)
			return r;
		snprintf(s->cpus, sizeof(s->cpus), "%s", value);
		break;
	}
	s->set[k] = true;
	return 0;
}

int settings_format_limit(const struct settings *s, enum limit_key k, char *buf, size_t size)
{
	static const char suffix[] = "KMGT";
	uint64_t v;
	int n = 0, i;

	if ((unsigned)k >= LIM__COUNT || !s->set[k])
		return -ENOENT;
	switch (limit_table[k].type) {
	case LT_SECONDS:
		n = snprintf(buf, size, "%.9g", *CFIELD(s, k, double));
		break;
	case LT_SIZE:
		v = *CFIELD(s, k, uint64_t);
		for (i = 0; v && (v & 1023) == 0 && i < 4; i++)
			v >>= 10;
		if (i)
			n = snprintf(buf, size, "%llu%c", (unsigned long long)v, suffix[i - 1]);
		else
			n = snprintf(buf, size, "%llu", (unsigned long long)v);
		break;
	case LT_COUNT:
		n = snprintf(buf, size, "%ld", *CFIELD(s, k, long));
		break;
	case LT_CPUS:
		n = snprintf(buf, size, "%s", s->cpus);
		break;
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool settings_syscall_known(const char *name)
{
	static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,
					   SCMP_ARCH_AARCH64 };
	size_t i;

	if (!name || !*name)
		return false;
	if (seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR)
		return true;
	for (i = 0; i < ARRAY_SIZE(arches); i++)
		if (seccomp_syscall_resolve_name_arch(arches[i], name) != __NR_SCMP_ERROR)
			return true;
	return false;
}

static bool bt_has(const struct settings *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_bt; i++)
		if (strcmp(s->bt[i], name) == 0)
			return true;
	return false;
}

/* backtrace = item { "," item } ;  item = "denied" | SYSCALL-NAME */
int settings_set_backtrace(struct settings *s, const char *list, const char **why)
{
	struct settings tmp = *s;
	const char *p = list, *e;
	char name[sizeof(s->bt[0])];
	size_t len;

	if (!list || !*list) {
		*why = "empty list";
		return -EINVAL;
	}
	for (;;) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0) {
			*why = "empty item in list";
			return -EINVAL;
		}
		if (len >= sizeof(name)) {
			*why = "unknown syscall";
			return -EINVAL;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (strcmp(name, "denied") == 0) {
			tmp.bt_denied = true;
		} else if (!settings_syscall_known(name)) {
			*why = "unknown syscall";
			return -EINVAL;
		} else if (!bt_has(&tmp, name)) {
			if (tmp.n_bt >= SETTINGS_MAX_BT) {
				*why = "too many syscalls (at most 64)";
				return -EINVAL;
			}
			memcpy(tmp.bt[tmp.n_bt++], name, len + 1);
		}
		if (!e)
			break;
		p = e + 1;
	}
	*s = tmp;
	return 0;
}

void settings_merge(struct settings *dst, const struct settings *src)
{
	int k;

	for (k = 0; k < LIM__COUNT; k++) {
		if (!src->set[k])
			continue;
		switch (limit_table[k].type) {
		case LT_SECONDS:
			*FIELD(dst, k, double) = *CFIELD(src, k, double);
			break;
		case LT_SIZE:
			*FIELD(dst, k, uint64_t) = *CFIELD(src, k, uint64_t);
			break;
		case LT_COUNT:
			*FIELD(dst, k, long) = *CFIELD(src, k, long);
			break;
		case LT_CPUS:
			memcpy(dst->cpus, src->cpus, sizeof(dst->cpus));
			break;
		}
		dst->set[k] = true;
	}
	if (src->mode != MODE_UNSET)
		dst->mode = src->mode;
	if (src->bt_denied || src->n_bt) {
		dst->bt_denied = src->bt_denied;
		dst->n_bt = src->n_bt;
		memcpy(dst->bt, src->bt, sizeof(dst->bt));
	}
}

bool settings_wants_backtrace(const struct settings *s, const char *syscall, bool denied)
{
	if (denied && s->bt_denied)
		return true;
	return syscall && bt_has(s, syscall);
}
