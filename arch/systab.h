/*
 * systab: the one table of per-syscall facts (generated from arch/syscalls.tbl) and the
 * per-ABI index from syscall number to row, built with libseccomp's number tables.
 */
#ifndef SYSWARD_SYSTAB_H
#define SYSWARD_SYSTAB_H

#include <stdbool.h>
#include <stdint.h>

enum sc_class {
	SC_ALLOW, SC_PATH, SC_EXEC, SC_NET, SC_PID, SC_FDMETA, SC_PRIV, SC_MM,
	SC_CLONE, SC_IOCTL, SC_PRCTL, SC_SENDTO, SC_FCNTL, SC_RLIMIT, SC_EPERM, SC_ENOSYS,
	SC_UNKNOWN, /* no row: trapped, judged only by syscall rules and the default */
};

enum sc_argkind {
	A_NONE, A_INT, A_PTR, A_FD, A_DIRFD, A_PATH, A_OFLAGS, A_MODE, A_ATFLAGS, A_STR,
	A_SOCKADDR, A_SOCKLEN, A_MSGHDR, A_MMSGHDR, A_ARGV, A_OPENHOW, A_PID, A_SIG,
	A_FAMILY, A_SOCKTYPE,
};

/* Access bits of a path argument; ACC_OPEN: derive from the open flags argument. */
enum { ACC_R = 1, ACC_W = 2, ACC_X = 4, ACC_OPEN = 8 };

/* What happens to a final symlink in a path argument. */
enum sc_follow {
	F_FOLLOW,      /* followed */
	F_NOFOLLOW,    /* never followed (lstat, unlink, rename, ...) */
	F_AT_NOFOLLOW, /* followed unless AT_SYMLINK_NOFOLLOW is in the atflags argument */
	F_AT_FOLLOW,   /* followed only with AT_SYMLINK_FOLLOW (linkat) */
};

struct sc_argspec {
	uint8_t kind;   /* enum sc_argkind */
	uint8_t acc;    /* A_PATH: ACC_* bits */
	uint8_t follow; /* A_PATH: enum sc_follow */
	uint8_t empty;  /* A_PATH: AT_EMPTY_PATH in the atflags argument means "the dirfd itself" */
};

struct sc_row {
	const char *name;
	uint8_t cls; /* enum sc_class */
	uint8_t nargs;
	struct sc_argspec arg[6];
	int nr_fallback; /* number when libseccomp does not know the name, else -1 */
};

extern const struct sc_row systab_rows[];
extern const unsigned systab_nrows;

struct arch_ops;

/* Build the number->row index of every supported ABI.  0 or -errno. */
int systab_init(void);
/* Row of syscall nr of an ABI (by the arch's index), or NULL when the table has none. */
const struct sc_row *systab_lookup(const struct arch_ops *arch, long nr);
/* Row by name, or NULL. */
const struct sc_row *systab_by_name(const char *name);
/* Kernel number of a row on an ABI, or -1 when that ABI does not have it. */
long systab_nr(const struct arch_ops *arch, const struct sc_row *row);
/* Name of a syscall number on an ABI: the row's name, else libseccomp's, else NULL. */
const char *systab_name(const struct arch_ops *arch, long nr);

const char *sc_class_name(enum sc_class c);

#endif
