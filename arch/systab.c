/* systab: number -> row index per ABI, from the generated table and libseccomp. */
#include "arch/systab.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"

struct abi_index {
	const struct arch_ops *arch;
	int16_t *row; /* nr -> row, -1 when none */
	long len;
};

static struct abi_index abi_idx[8];

static const struct sc_row **by_name; /* rows sorted by name (systab_init) */

static int cmp_row(const void *a, const void *b)
{
	return strcmp((*(const struct sc_row *const *)a)->name,
		      (*(const struct sc_row *const *)b)->name);
}

static int cmp_key(const void *key, const void *b)
{
	return strcmp((const char *)key, (*(const struct sc_row *const *)b)->name);
}


static long row_nr(const struct arch_ops *arch, const struct sc_row *row)
{
	int nr = seccomp_syscall_resolve_name_arch(arch->scmp_arch, row->name);

	if (nr >= 0)
		return nr;
	if (nr == __NR_SCMP_ERROR && row->nr_fallback >= 0)
		return row->nr_fallback + arch->nr_bias;
	return -1; /* not on this ABI (or a libseccomp pseudo-number) */
}

int systab_init(void)
{
	unsigned n = 0;

	if (abi_idx[0].arch)
		return 0;
	by_name = malloc(sizeof(*by_name) * systab_nrows);
	if (!by_name)
		return -ENOMEM;
	for (unsigned i = 0; i < systab_nrows; i++)
		by_name[i] = &systab_rows[i];
	qsort(by_name, systab_nrows, sizeof(*by_name), cmp_row);
	for (const struct arch_ops *const *a = arch_all; *a && n < 8; a++, n++) {
		struct abi_index *ix = &abi_idx[n];
		long max = -1;

		/* indexed without the ABI's bias (x32 numbers carry bit 30) */
		for (unsigned i = 0; i < systab_nrows; i++) {
			long nr = row_nr(*a, &systab_rows[i]) - (*a)->nr_bias;
			if (nr > max)
				max = nr;
		}
		ix->len = max + 1;
		ix->row = malloc(sizeof(*ix->row) * (size_t)(ix->len > 0 ? ix->len : 1));
		if (!ix->row)
			return -ENOMEM;
		for (long i = 0; i < ix->len; i++)
			ix->row[i] = -1;
		for (unsigned i = 0; i < systab_nrows; i++) {
			long nr = row_nr(*a, &systab_rows[i]) - (*a)->nr_bias;
			if (nr >= 0)
				ix->row[nr] = (int16_t)i;
		}
		ix->arch = *a;
	}
	return 0;
}

static const struct abi_index *index_of(const struct arch_ops *arch)
{
	for (unsigned i = 0; i < 8 && abi_idx[i].arch; i++)
		if (abi_idx[i].arch == arch)
			return &abi_idx[i];
	return NULL;
}

const struct sc_row *systab_lookup(const struct arch_ops *arch, long nr)
{
	const struct abi_index *ix = index_of(arch);

	if (ix)
		nr -= arch->nr_bias;
	if (!ix || nr < 0 || nr >= ix->len || ix->row[nr] < 0)
		return NULL;
	return &systab_rows[ix->row[nr]];
}

const struct sc_row *systab_by_name(const char *name)
{
	const struct sc_row **hit;

	if (!by_name) {
		for (unsigned i = 0; i < systab_nrows; i++)
			if (strcmp(systab_rows[i].name, name) == 0)
				return &systab_rows[i];
		return NULL;
	}
	hit = bsearch(name, by_name, systab_nrows, sizeof(*by_name), cmp_key);
	return hit ? *hit : NULL;
}

long systab_nr(const struct arch_ops *arch, const struct sc_row *row)
{
	return row_nr(arch, row);
}

const char *systab_name(const struct arch_ops *arch, long nr)
{
	const struct sc_row *row = systab_lookup(arch, nr);

	if (row)
		return row->name;
	/* libseccomp hands out a malloc'ed copy: keep one per number, for the process's life */
	static char *cache[8][1024];
	const struct abi_index *ix = index_of(arch);
	unsigned a = ix ? (unsigned)(ix - abi_idx) : 7;
	if (nr < 0 || nr >= 1024)
		return NULL;
	if (!cache[a][nr])
		cache[a][nr] = seccomp_syscall_resolve_num_arch(arch->scmp_arch, (int)nr);
	return cache[a][nr];
}

const char *sc_class_name(enum sc_class c)
{
	static const char *const names[] = {
		[SC_ALLOW] = "allow",   [SC_PATH] = "path",   [SC_EXEC] = "exec",
		[SC_NET] = "net",       [SC_PID] = "pid",     [SC_FDMETA] = "fdmeta",
		[SC_PRIV] = "priv",     [SC_MM] = "mm",       [SC_CLONE] = "clone",
		[SC_IOCTL] = "ioctl",   [SC_PRCTL] = "prctl", [SC_SENDTO] = "sendto",
		[SC_FCNTL] = "fcntl",   [SC_RLIMIT] = "rlimit",
		[SC_EPERM] = "eperm",   [SC_ENOSYS] = "enosys", [SC_UNKNOWN] = "unknown",
	};
	return (unsigned)c < sizeof(names) / sizeof(names[0]) && names[c] ? names[c] : "?";
}
