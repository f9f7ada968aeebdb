/*
 * settings: run settings that both the command line and the policy (`limit`, `backtrace`,
 * `mode`) can set.  One table (settings.c) parses both, so a value means the same in each.
 */
#ifndef SYSWARD_SETTINGS_H
#define SYSWARD_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum limit_key {
	LIM_CPU_TIME,  /* seconds, fractional */
	LIM_WALL_TIME, /* seconds, fractional */
	LIM_MEMORY,    /* bytes (K M G suffixes) */
	LIM_PIDS,      /* count */
	LIM_CPUS,      /* cpuset list */
	LIM_FSIZE,     /* bytes */
	LIM_NOFILE,    /* count */
	LIM_SCRATCH,   /* bytes */
	LIM__COUNT
};

enum run_mode { MODE_UNSET = 0, MODE_ENFORCE, MODE_AUDIT };

#define SETTINGS_MAX_BT 64
struct settings {
	bool set[LIM__COUNT];
	double cpu_time, wall_time;
	uint64_t memory, fsize, scratch;
	long pids, nofile;
	char cpus[128];
	enum run_mode mode;
	bool bt_denied;                /* `backtrace denied` */
	int n_bt;                      /* `backtrace a,b,c` */
	char bt[SETTINGS_MAX_BT][32];  /* syscall names */
	bool plain;                    /* --profile audit alone: no rlimit that was not asked for */
};

/* Name of a limit as written in `limit NAME` and `--NAME` ("cpu-time"). */
const char *limit_name(enum limit_key k);
/* Look up "cpu-time" etc.; -1 when unknown. */
int limit_from_name(const char *name);
/* Parse and store one limit value.  0, or -EINVAL with *why set to a short reason. */
int settings_set_limit(struct settings *s, enum limit_key k, const char *value, const char **why);
/* Parse "denied" or "a,b,c" (names checked with libseccomp).  0 or -EINVAL with *why.
 * Items are added to what s already asks for (`denied` may be one of them); on error s is
 * left unchanged. */
int settings_set_backtrace(struct settings *s, const char *list, const char **why);
/* Copy into dst every setting that src sets (later/higher-priority wins).  Backtrace: when src
 * asks for any, its request replaces dst's. */
void settings_merge(struct settings *dst, const struct settings *src);
/* Should a call to `syscall` (denied or not) get a backtrace? */
bool settings_wants_backtrace(const struct settings *s, const char *syscall, bool denied);

/* Added: the value of a set limit in its canonical text, which settings_set_limit parses back
 * to the same value ("2.5", "256M", "0-3").  0, -ENOENT when k is not set, -ENAMETOOLONG. */
int settings_format_limit(const struct settings *s, enum limit_key k, char *buf, size_t size);
/* Added: is `name` a syscall libseccomp knows (native, x86_64, i386, x32 or aarch64)? */
bool settings_syscall_known(const char *name);

#endif
